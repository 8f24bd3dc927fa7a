// /v1/reviews: the expert office's queue, the case, and the decision.
import { Problem } from '@smart-expertise/contracts';
import {
  DecisionRequest,
  ReviewCase,
  ReviewIdParams,
  ReviewQueuePage,
  ReviewQueueQuery,
  ReviewSummary,
} from '@smart-expertise/contracts/http/expert-review';
import { withTransaction, type App, type ServiceContext } from '@smart-expertise/service-runtime';
import { decide, fold, statusesListed } from '../domain/decision.ts';
import { decodeCursor, encodeCursor } from '../domain/queue-cursor.ts';
import { decisionsOf, findCase, queuePage, recordDecision, stateOf, type DecisionRow, type ReviewCaseRow } from '../store/review-cases.ts';
import { problems, refusals } from './problems.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;
const tags = ['reviews'];
const roles = ['expert'] as const;

function summaryOf(row: ReviewCaseRow) {
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
  };
}

function caseOf(row: ReviewCaseRow, decisions: DecisionRow[]) {
  const q = row.quote;
  const m = row.mission;
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
    photos: q.photos.map((p) => ({
      id: p.id,
      sha256: p.sha256,
      contentType: p.contentType,
      sizeBytes: p.sizeBytes,
      seenOnOtherMission: p.seenOnOtherMission,
      href: `/v1/quotes/${encodeURIComponent(row.quoteId)}/photos/${encodeURIComponent(p.id)}`,
    })),
    findings: row.findings,
    findingsSummary: row.findingsSummary,
    findingsBasis: row.findingsBasis,
    suggestedDecision: row.suggestedDecision,
    decisions: decisions.map((d) => ({ ...d, decidedAt: d.decidedAt.toISOString() })),
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
        summary: "The expert office's queue, oldest deadline first",
        description:
          '`status=open` (default) lists the cases awaiting a decision (neither validated nor withdrawn); `validated`, `withdrawn` and `all` are also accepted. Keyset-paginated: pass `nextCursor` back as `cursor`.',
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
      return {
        items: page.map(summaryOf),
        nextCursor: rows.length > limit && last ? encodeCursor({ deadlineKey: last.deadlineKey, id: last.id }) : null,
      };
    },
  );

  app.get(
    '/v1/reviews/:id',
    {
      config: { roles },
      schema: {
        tags,
        summary: 'The review case: administrative data, calculation, Smart answers, photo links, findings and decisions',
        description: 'A withdrawn case (its quote voided because the mission was abandoned or cancelled first) says why in `withdrawal`.',
        params: ReviewIdParams,
        response: { 200: ReviewCase, 404: ProblemRef },
      },
    },
    async (request) => {
      const row = await findCase(ctx.pool, request.params.id, request.principal.org);
      if (!row) throw problems.reviewNotFound(`No review case ${request.params.id}.`);
      return caseOf(row, await decisionsOf(ctx.pool, row.id));
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
        summary: 'Decide: validate, pending validation, remote or on-site intervention',
        description:
          "The expert's name and phone come from the token and are shown in the garage's tracking. A validated case is final (409 case_final); a withdrawn case takes no decision (409 case_withdrawn); send `expectedVersion` (the case's `version`) so that a decision made on a stale view is refused with 409 version_conflict.",
        params: ReviewIdParams,
        body: DecisionRequest,
        response: { 200: ReviewSummary, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request) => {
      const { principal } = request;
      const { decision, note, expectedVersion } = request.body;
      const updated = await withTransaction(ctx.pool, async (tx) => {
        // The row lock makes two experts deciding at once take turns: the second sees the first's decision.
        const row = await findCase(tx, request.params.id, principal.org, { lock: true });
        if (!row) throw problems.reviewNotFound(`No review case ${request.params.id}.`);
        const state = stateOf(row);
        const result = decide(state, {
          type: 'decide',
          decision,
          note,
          expectedVersion,
          expertName: principal.name ?? '',
          expertPhone: principal.phone ?? '',
          at: ctx.clock(),
        });
        if (!result.ok) throw refusals[result.code](result.message);
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
          },
        });
        return summaryOf({ ...row, status: after.status, version: after.decisions, withdrawal: after.withdrawal });
      });
      return updated;
    },
  );
}
