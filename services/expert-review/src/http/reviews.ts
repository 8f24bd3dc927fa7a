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
import { decide, statusAfter, type DecisionRefusalCode } from '../domain/decision.ts';
import { decodeCursor, encodeCursor } from '../domain/queue-cursor.ts';
import { findMission, type MissionCopy } from '../store/missions.ts';
import { decisionsOf, findCase, queuePage, recordDecision, type DecisionRow, type QueueItemRow, type ReviewCaseRow } from '../store/review-cases.ts';
import { problems } from './problems.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;
const tags = ['reviews'];
const roles = ['expert'] as const;

const refusals: Record<DecisionRefusalCode, (detail: string) => Error> = {
  case_final: problems.caseFinal,
  same_decision: problems.sameDecision,
  version_conflict: problems.versionConflict,
  expert_identity_missing: problems.expertIdentityMissing,
  invalid_instant: problems.invalidInstant,
  unknown_decision: problems.unknownDecision,
};

function summaryOf(row: ReviewCaseRow, mission: Pick<QueueItemRow, 'vehicle' | 'claimNumber'>) {
  return {
    id: row.id,
    missionId: row.missionId,
    quoteId: row.quoteId,
    status: row.status,
    deadline: row.deadline?.toISOString() ?? null,
    procedure: row.procedure,
    garageId: row.garageId,
    vehicle: mission.vehicle,
    claimNumber: mission.claimNumber,
    totalInclVatCents: row.totalInclVatCents,
    suggestedDecision: row.suggestedDecision,
    findingsSummary: row.findingsSummary,
    openedAt: row.openedAt.toISOString(),
    version: row.version,
  };
}

function missionBrief(mission: MissionCopy | null): Pick<QueueItemRow, 'vehicle' | 'claimNumber'> {
  return {
    vehicle: mission ? { plate: mission.vehicle.plate, make: mission.vehicle.make, model: mission.vehicle.model } : null,
    claimNumber: mission?.claim.claimNumber ?? null,
  };
}

function caseOf(row: ReviewCaseRow, mission: MissionCopy | null, decisions: DecisionRow[]) {
  const q = row.quote;
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
    mission: mission && {
      insurerId: mission.insurerId,
      insurerMissionRef: mission.insurerMissionRef,
      garageId: mission.garageId,
      expertOfficeId: mission.expertOfficeId,
      deadline: mission.deadline.toISOString(),
      receivedAt: mission.receivedAt.toISOString(),
      claim: mission.claim,
      vehicle: mission.vehicle,
      ownerName: mission.ownerName,
      directPayment: mission.directPayment,
    },
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
          '`status=open` (default) lists the cases not yet validated; `validated` and `all` are also accepted. Keyset-paginated: pass `nextCursor` back as `cursor`.',
        querystring: ReviewQueueQuery,
        response: { 200: ReviewQueuePage, 400: ProblemRef },
      },
    },
    async (request) => {
      const { status = 'open', cursor, limit = 20 } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (cursor !== undefined && after === null) throw problems.invalidCursor('Pass back the nextCursor of a previous page unchanged.');
      // One more than asked tells whether another page follows.
      const rows = await queuePage(ctx.pool, request.principal.org, status, after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => summaryOf(row, row)),
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
        params: ReviewIdParams,
        response: { 200: ReviewCase, 404: ProblemRef },
      },
    },
    async (request) => {
      const row = await findCase(ctx.pool, request.params.id, request.principal.org);
      if (!row) throw problems.reviewNotFound(`No review case ${request.params.id}.`);
      const [mission, decisions] = await Promise.all([findMission(ctx.pool, row.missionId), decisionsOf(ctx.pool, row.id)]);
      return caseOf(row, mission, decisions);
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
          "The expert's name and phone come from the token and are shown in the garage's tracking. A validated case is final; send `expectedVersion` (the case's `version`) so that a decision made on a stale view is refused with 409 version_conflict.",
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
        const result = decide(
          { status: row.status, decisions: row.version },
          { decision, note, expectedVersion, expertName: principal.name ?? '', expertPhone: principal.phone ?? '', at: ctx.clock() },
        );
        if (!result.ok) throw refusals[result.code](result.message);
        const { event } = result;
        const status = statusAfter(event.decision);
        await recordDecision(tx, row.id, status, event);
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
        const mission = await findMission(tx, row.missionId);
        return summaryOf({ ...row, status, version: event.sequence }, missionBrief(mission));
      });
      return updated;
    },
  );
}
