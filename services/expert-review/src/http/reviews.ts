// /v1/reviews: the expert office's queue, the case, the decision, and the decisions on supplements.
import { Problem } from '@smart-expertise/contracts';
import {
  DecisionRequest,
  ReviewCase,
  ReviewIdParams,
  ReviewQueuePage,
  ReviewQueueQuery,
  ReviewSummary,
  SupplementDecisionAnswer,
  SupplementDecisionRequest,
  SupplementParams,
} from '@smart-expertise/contracts/http/expert-review';
import { withTransaction, type App, type Pool, type ServiceContext, type Tx } from '@smart-expertise/service-runtime';
import { decide, fold, isOverdue, statusesListed } from '../domain/decision.ts';
import { resolveRespondBy } from '../domain/information-request.ts';
import { decodeCursor, encodeCursor } from '../domain/queue-cursor.ts';
import type { CaseQuote } from '../domain/review-file.ts';
import { approvedTotalOf, decideSupplement } from '../domain/supplement.ts';
import { changesBetween } from '../domain/transmission-changes.ts';
import {
  decisionsOf,
  findCase,
  queuePage,
  recordDecision,
  stateOf,
  transmissionsOf,
  type DecisionRow,
  type ReviewCaseRow,
  type TransmissionRow,
} from '../store/review-cases.ts';
import { recordSupplementDecision, supplementOfQuoteForUpdate, supplementsOfQuote, type SupplementRow } from '../store/supplements.ts';
import { caseRefusal, problems, supplementRefusal } from './problems.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;
const tags = ['reviews'];
const roles = ['expert'] as const;

/** The office's case (locked for the transaction when `lock`); another office's case is a 404 like a missing one. */
async function officeCase(db: Pool | Tx, id: string, expertOfficeId: string, options: { lock?: boolean } = {}): Promise<ReviewCaseRow> {
  const row = await findCase(db, id, expertOfficeId, options);
  if (!row) throw problems.reviewNotFound(`No review case ${id}.`);
  return row;
}

function summaryOf(row: ReviewCaseRow, now: Date) {
  const m = row.mission;
  return {
    id: row.id,
    missionId: row.missionId,
    quoteId: row.quoteId,
    status: row.status,
    deadline: row.deadline?.toISOString() ?? null,
    procedure: row.procedure,
    garageId: row.garageId,
    vehicle: m ? { plate: m.vehicle.plate, make: m.vehicle.make, model: m.vehicle.model } : null,
    claimNumber: m?.claim.claimNumber ?? null,
    totalInclVatCents: row.totalInclVatCents,
    suggestedDecision: row.suggestedDecision,
    findingsSummary: row.findingsSummary,
    openedAt: row.openedAt.toISOString(),
    version: row.version,
    transmission: row.transmission,
    dueAt: row.dueAt?.toISOString() ?? null,
    overdue: isOverdue(row.status, row.dueAt, now),
    respondBy: row.status === 'information_requested' ? (row.respondBy?.toISOString() ?? null) : null,
  };
}

function photosOf(quoteId: string, photos: CaseQuote['photos']) {
  return photos.map((p) => ({
    id: p.id,
    sha256: p.sha256,
    contentType: p.contentType,
    sizeBytes: p.sizeBytes,
    seenOnOtherMission: p.seenOnOtherMission,
    // Served by quote, for the quote's photos and its supplements' alike.
    href: `/v1/quotes/${encodeURIComponent(quoteId)}/photos/${encodeURIComponent(p.id)}`,
  }));
}

function transmissionView(quoteId: string, t: TransmissionRow) {
  return {
    transmission: t.transmission,
    closedAt: t.closedAt.toISOString(),
    calculation: t.quote.calculation,
    smartFrame: t.quote.smartFrame,
    vehicleStatus: t.quote.vehicleStatus,
    vehicleStatusNote: t.quote.vehicleStatusNote,
    photos: photosOf(quoteId, t.quote.photos),
  };
}

function supplementView(s: SupplementRow) {
  return {
    id: s.id,
    number: s.number,
    reason: s.reason,
    status: s.status,
    calculation: s.calculation,
    totalInclVatCents: s.totalInclVatCents,
    photos: photosOf(s.quoteId, s.photos),
    submittedAt: s.submittedAt.toISOString(),
    note: s.note,
    decidedAt: s.decidedAt?.toISOString() ?? null,
    expert: s.expert,
  };
}

function approvedTotalCentsOf(row: ReviewCaseRow, supplements: readonly SupplementRow[]): number | null {
  // Validated is final and a transmission only follows a request for information, so the case's
  // quote is the validated transmission.
  return approvedTotalOf({ status: row.status, procedure: row.procedure, validatedInclVatCents: row.quote.calculation?.totalInclVatCents ?? null }, supplements);
}

function caseOf(row: ReviewCaseRow, decisions: DecisionRow[], transmissions: TransmissionRow[], supplements: SupplementRow[], now: Date) {
  const q = row.quote;
  const m = row.mission;
  const latest = transmissions.at(-1);
  const previous = transmissions.at(-2);
  const changes = latest && previous ? { previousTransmission: previous.transmission, ...changesBetween(previous.quote, latest.quote) } : null;
  return {
    id: row.id,
    missionId: row.missionId,
    quoteId: row.quoteId,
    expertOfficeId: row.expertOfficeId,
    garageId: row.garageId,
    status: row.status,
    version: row.version,
    procedure: row.procedure,
    openedAt: row.openedAt.toISOString(),
    quoteClosedAt: row.quoteClosedAt.toISOString(),
    deadline: row.deadline?.toISOString() ?? null,
    // Listed field by field: the response holds what the expert may read and nothing the row
    // might carry besides (the owner's contact never reaches this service).
    mission: m && row.deadline ? {
      insurerId: m.insurerId,
      insurerMissionRef: m.insurerMissionRef,
      garageId: m.garageId,
      expertOfficeId: m.expertOfficeId,
      deadline: row.deadline.toISOString(),
      claim: m.claim,
      vehicle: m.vehicle,
      ownerName: m.ownerName,
      directPayment: m.directPayment,
    } : null,
    calculation: q.calculation,
    smartFrame: q.smartFrame,
    vehicleStatus: q.vehicleStatus,
    vehicleStatusNote: q.vehicleStatusNote,
    photos: photosOf(row.quoteId, q.photos),
    findings: row.findings,
    findingsSummary: row.findingsSummary,
    findingsBasis: row.findingsBasis,
    suggestedDecision: row.suggestedDecision,
    decisions: decisions.map((d) => ({ ...d, decidedAt: d.decidedAt.toISOString(), respondBy: d.respondBy?.toISOString() ?? null })),
    transmission: row.transmission,
    transmissions: transmissions.map((t) => transmissionView(row.quoteId, t)),
    changesSincePrevious: changes && { ...changes, photosAdded: photosOf(row.quoteId, changes.photosAdded) },
    dueAt: row.dueAt?.toISOString() ?? null,
    overdue: isOverdue(row.status, row.dueAt, now),
    respondBy: row.status === 'information_requested' ? (row.respondBy?.toISOString() ?? null) : null,
    supplements: supplements.map(supplementView),
    approvedTotalCents: approvedTotalCentsOf(row, supplements),
    withdrawal: row.withdrawal && { missionStatus: row.withdrawal.missionStatus, at: row.withdrawal.at.toISOString() },
  };
}

export function reviewRoutes(app: App, ctx: ServiceContext): void {
  app.get(
    '/v1/reviews',
    {
      config: { roles },
      schema: {
        tags,
        summary: "The expert office's queue, the expert's answer due first",
        description:
          "`status=open` (default) lists the cases awaiting the expert's decision (neither validated, withdrawn nor waiting for the garage); `information_requested` the cases waiting for the garage's answer; `validated`, `withdrawn` and `all` are also accepted. Ordered by `dueAt` (the insurer policy's working days after the quote's transmission), then id; `overdue` says the due date has passed. Keyset-paginated: pass `nextCursor` back as `cursor`.",
        querystring: ReviewQueueQuery,
        response: { 200: ReviewQueuePage, 400: ProblemRef },
      },
    },
    async (request) => {
      const { status = 'open', cursor, limit = 20 } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (cursor !== undefined && after === null) throw problems.invalidCursor('Pass back the nextCursor of a previous page unchanged.');
      // One more than asked tells whether another page follows.
      const rows = await queuePage(ctx.pool, request.principal.org, statusesListed(status), after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const now = ctx.clock();
      return {
        items: page.map((row) => summaryOf(row, now)),
        nextCursor: rows.length > limit && last ? encodeCursor({ dueKey: last.dueKey, id: last.id }) : null,
      };
    },
  );

  app.get(
    '/v1/reviews/:id',
    {
      config: { roles },
      schema: {
        tags,
        summary: 'The review case: administrative data, calculation, Smart answers, photo links, findings, transmissions, supplements and decisions',
        description:
          'The top-level quote fields show the current transmission; `transmissions` lists each one the garage sent and `changesSincePrevious` what changed in the current one. A withdrawn case (its quote voided because the mission was abandoned, cancelled or expired first) says why in `withdrawal`.',
        params: ReviewIdParams,
        response: { 200: ReviewCase, 404: ProblemRef },
      },
    },
    async (request) => {
      const row = await officeCase(ctx.pool, request.params.id, request.principal.org);
      const [decisions, transmissions, supplements] = await Promise.all([
        decisionsOf(ctx.pool, row.id),
        transmissionsOf(ctx.pool, row.id),
        supplementsOfQuote(ctx.pool, row.quoteId),
      ]);
      return caseOf(row, decisions, transmissions, supplements, ctx.clock());
    },
  );

  app.post(
    '/v1/reviews/:id/decision',
    {
      config: { roles },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        summary: 'Decide: validate, pending validation, remote or on-site intervention, or request information',
        description:
          "The expert's name and phone come from the token and are shown in the garage's tracking. `request_information` needs a `note` (422 note_required) and takes an optional `respondBy` (a date or a date-time with offset, in the future: 422 invalid_respond_by), by default the insurer policy's working days; the case then waits for the garage (a decision is 409 awaiting_garage until the quote is transmitted again). A validated case is final (409 case_final); a withdrawn case takes no decision (409 case_withdrawn); send `expectedVersion` (and `expectedTransmission`) so that a decision made on a stale view is refused with 409 version_conflict.",
        params: ReviewIdParams,
        body: DecisionRequest,
        response: { 200: ReviewSummary, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request) => {
      const { principal } = request;
      const { decision, note, expectedVersion, expectedTransmission } = request.body;
      return withTransaction(ctx.pool, async (tx) => {
        // The row lock makes two experts deciding at once take turns: the second sees the first's decision.
        const row = await officeCase(tx, request.params.id, principal.org, { lock: true });
        const at = ctx.clock();
        // The due date as given (or the policy's, for a request without one); the decider says
        // whether the decision takes one at all.
        // An unreadable one goes in as an invalid instant, so that the case's own refusals
        // (withdrawn, final, awaiting the garage) come first, as for every decision.
        let respondBy: Date | undefined;
        let unreadable: string | undefined;
        if (decision === 'request_information' || request.body.respondBy !== undefined) {
          const resolved = resolveRespondBy(request.body.respondBy, at, row.policy);
          respondBy = resolved.ok ? resolved.respondBy : new Date(Number.NaN);
          unreadable = resolved.ok ? undefined : resolved.reason;
        }
        const state = stateOf(row);
        const result = decide(state, {
          type: 'decide',
          decision,
          note,
          expectedVersion,
          expectedTransmission,
          respondBy,
          expertName: principal.name ?? '',
          expertPhone: principal.phone ?? '',
          at,
        });
        if (!result.ok) throw caseRefusal(result.code === 'respond_by_not_in_future' && unreadable ? { ...result, message: unreadable } : result);
        const [event] = result.events;
        if (!event) throw new Error(`review case ${row.id}: an accepted decision produced no event`);
        const after = fold(state, result.events);
        await recordDecision(tx, row.id, state, after, event);
        await ctx.outbox.append(tx, {
          type: 'review.decided',
          missionId: row.missionId,
          correlationId: request.id,
          occurredAt: event.at,
          payload: {
            reviewId: row.id,
            quoteId: row.quoteId,
            expertOfficeId: row.expertOfficeId,
            decision: event.decision,
            expertName: event.expertName,
            expertPhone: event.expertPhone,
            note: event.note,
            decidedAt: event.at.toISOString(),
            sequence: event.sequence,
            transmission: event.transmission,
            ...(event.respondBy ? { respondBy: event.respondBy.toISOString() } : {}),
          },
        });
        return summaryOf({ ...row, status: after.status, version: after.decisions, withdrawal: after.withdrawal, respondBy: event.respondBy }, at);
      });
    },
  );

  app.post(
    '/v1/reviews/:id/supplements/:supplementId/decision',
    {
      config: { roles },
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        summary: 'Approve or reject a supplement for hidden damage',
        description:
          "On a case validated for repairs (409 case_not_validated otherwise, 409 case_withdrawn when its quote was voided). `note` is required to reject (422 note_required). A supplement is decided once (409 supplement_already_decided). The expert's name and phone come from the token; the decision is announced as supplement.decided, and an approval adds the supplement's total to `approvedTotalCents`.",
        params: SupplementParams,
        body: SupplementDecisionRequest,
        response: { 200: SupplementDecisionAnswer, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request) => {
      const { principal } = request;
      const { id, supplementId } = request.params;
      return withTransaction(ctx.pool, async (tx) => {
        // The case's row lock serialises the decisions on its supplements with a withdrawal.
        const row = await officeCase(tx, id, principal.org, { lock: true });
        const supplement = await supplementOfQuoteForUpdate(tx, row.quoteId, supplementId);
        if (!supplement) throw problems.supplementNotFound(`No supplement ${supplementId} on review case ${id}.`);
        const result = decideSupplement(supplement, row, {
          decision: request.body.decision,
          note: request.body.note,
          expertName: principal.name ?? '',
          expertPhone: principal.phone ?? '',
          at: ctx.clock(),
        });
        if (!result.ok) throw supplementRefusal(result);
        const { event } = result;
        await recordSupplementDecision(tx, supplement.id, event);
        await ctx.outbox.append(tx, {
          type: 'supplement.decided',
          missionId: row.missionId,
          correlationId: request.id,
          occurredAt: event.at,
          payload: {
            reviewId: row.id,
            quoteId: row.quoteId,
            supplementId: supplement.id,
            expertOfficeId: row.expertOfficeId,
            number: supplement.number,
            decision: event.decision,
            note: event.note,
            expertName: event.expertName,
            expertPhone: event.expertPhone,
            totalInclVatCents: supplement.totalInclVatCents,
            decidedAt: event.at.toISOString(),
          },
        });
        const supplements = await supplementsOfQuote(tx, row.quoteId);
        const decided = supplements.find((s) => s.id === supplement.id)!;
        return { reviewId: row.id, supplement: supplementView(decided), approvedTotalCents: approvedTotalCentsOf(row, supplements) };
      });
    },
  );
}
