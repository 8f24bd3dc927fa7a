// /v1/missions: the insurer's deposit, the mission and its tracking, the lists, the garage's abandon.
import { randomUUID } from 'node:crypto';
import { DEFAULT_INSURER_POLICY, Problem, type MissionSnapshot } from '@smart-expertise/contracts';
import {
  AbandonBody,
  DepositMissionBody,
  MissionIdParams,
  MissionListPage,
  MissionListQuery,
  MissionTracking,
  MissionView,
} from '@smart-expertise/contracts/http/mission-intake';
import { withTransaction, type App, type ServiceContext } from '@smart-expertise/service-runtime';
import Type from 'typebox';
import { decodeCursor, encodeCursor } from '../domain/cursor.ts';
import { checkDeposit } from '../domain/deposit-rules.ts';
import { languageOf } from '../domain/language.ts';
import { decideAbandon, project, type AbandonRefusalCode, type MissionFact } from '../domain/lifecycle.ts';
import { requestHash } from '../domain/request-hash.ts';
import { factsOf, recordFact } from '../store/facts.ts';
import { refreshProjection, stateOf, viewOf } from '../store/lifecycle.ts';
import { findMission, findMissionByRef, insertMission, listMissions, type MissionRow } from '../store/missions.ts';
import { findPolicy } from '../store/policies.ts';
import { recordAudit } from '../store/audit.ts';
import { problems } from './problems.ts';
import { canSee, missionBody, renderTracking, summaryBody } from './views.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;
const tags = ['missions'];
const LanguageHeaders = Type.Object({
  'accept-language': Type.Optional(Type.String({ description: 'fr (default), nl or en, e.g. nl-BE,nl;q=0.9' })),
});

const abandonRefusals: Record<AbandonRefusalCode, (detail: string) => Error> = {
  mission_not_new: problems.missionNotNew,
  deadline_passed: problems.deadlinePassed,
  reason_required: problems.reasonRequired,
};

export function newMissionId(): string {
  return `m_${randomUUID().replaceAll('-', '')}`;
}

export function missionRoutes(app: App, ctx: ServiceContext): void {
  async function render(row: MissionRow, acceptLanguage: string | undefined) {
    return missionBody(row, await viewOf(ctx.pool, row.id), languageOf(acceptLanguage));
  }

  async function visibleMission(id: string, request: { principal: Parameters<typeof canSee>[0] }): Promise<MissionRow> {
    const row = await findMission(ctx.pool, id);
    // Another organisation's mission answers exactly like a missing one.
    if (!row || !canSee(request.principal, row)) throw problems.missionNotFound(`No mission ${id}.`);
    return row;
  }

  app.post(
    '/v1/missions',
    {
      config: { roles: ['insurer'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 64 * 1024,
      schema: {
        tags,
        summary: 'Deposit a Smart Expertise',
        description:
          "Idempotent on (insurer, insurerMissionRef): the same body again answers 200 with the existing mission, another body 409. Without `deadline`, the deadline is the end of the n-th working day after the deposit in Europe/Brussels, n from the insurer's policy.",
        headers: LanguageHeaders,
        body: DepositMissionBody,
        response: { 200: MissionView, 201: MissionView, 400: ProblemRef, 409: ProblemRef },
      },
    },
    async (request, reply) => {
      const insurerId = request.principal.org;
      const body = request.body;
      const hash = requestHash(body);
      const acceptLanguage = request.headers['accept-language'];

      const replay = async (existing: MissionRow) => {
        if (existing.requestHash !== hash) {
          throw problems.missionRefConflict(
            `insurerMissionRef ${body.insurerMissionRef} is mission ${existing.id}, deposited with another body.`,
          );
        }
        return reply.code(200).send(await render(existing, acceptLanguage));
      };

      const existing = await findMissionByRef(ctx.pool, insurerId, body.insurerMissionRef);
      if (existing) return replay(existing);

      const receivedAt = ctx.clock();
      const created = await withTransaction(ctx.pool, async (tx) => {
        const policy = (await findPolicy(tx, insurerId))?.policy ?? DEFAULT_INSURER_POLICY;
        const check = checkDeposit(body, { now: receivedAt, workingDays: policy.workingDays });
        if (!check.ok) {
          throw problems.validationFailed(check.errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors: [...check.errors] });
        }
        const id = newMissionId();
        const snapshot: MissionSnapshot = {
          id,
          insurerId,
          insurerMissionRef: body.insurerMissionRef,
          garageId: body.garageId,
          expertOfficeId: body.expertOfficeId,
          claim: body.claim,
          vehicle: body.vehicle,
          owner: body.owner,
          directPayment: body.directPayment ?? null,
        };
        // The id is new, so no fact of this mission can be known yet: its projection is that of
        // its one fact, computed here rather than read back.
        const received: MissionFact = { type: 'received', eventId: randomUUID(), at: receivedAt, deadline: check.deadline };
        const view = project(stateOf([received]));
        const row: MissionRow = {
          id,
          insurerId,
          insurerMissionRef: body.insurerMissionRef,
          garageId: body.garageId,
          expertOfficeId: body.expertOfficeId,
          snapshot,
          requestHash: hash,
          deadline: check.deadline,
          receivedAt,
          policy,
          status: view.status,
          section: view.section,
          outcome: view.outcome,
          paymentRequested: view.paymentRequested,
          updatedAt: receivedAt,
          lastTracking: view.tracking.at(-1) ?? null,
        };
        // A concurrent deposit of the same reference committed first: answer as a re-deposit.
        if (!(await insertMission(tx, row))) return null;
        await ctx.outbox.append(tx, {
          id: received.eventId,
          type: 'mission.received',
          missionId: id,
          correlationId: request.id,
          occurredAt: receivedAt,
          payload: { mission: snapshot, deadline: check.deadline.toISOString(), receivedAt: receivedAt.toISOString(), policy },
        });
        await recordFact(tx, id, received);
        await recordAudit(tx, {
          missionId: id,
          at: receivedAt,
          actorRole: 'insurer',
          actorOrg: insurerId,
          actorName: request.principal.sub ?? null,
          action: 'deposited',
          fromStatus: null,
          toStatus: view.status,
          eventId: received.eventId,
        });
        return { row, view };
      });
      if (created === null) {
        const winner = await findMissionByRef(ctx.pool, insurerId, body.insurerMissionRef);
        if (!winner) throw new Error('deposit lost to a concurrent one that is not visible');
        return replay(winner);
      }
      return reply.code(201).send(missionBody(created.row, created.view, languageOf(acceptLanguage)));
    },
  );

  app.get(
    '/v1/missions/:id',
    {
      config: { roles: ['insurer', 'garage', 'expert', 'ops'] },
      schema: {
        tags,
        summary: 'The mission: administrative data, status, section, deadline, outcome and tracking',
        headers: LanguageHeaders,
        params: MissionIdParams,
        response: { 200: MissionView, 404: ProblemRef },
      },
    },
    async (request) => {
      const row = await visibleMission(request.params.id, request);
      return render(row, request.headers['accept-language']);
    },
  );

  app.get(
    '/v1/missions/:id/tracking',
    {
      config: { roles: ['insurer', 'garage', 'expert', 'ops'] },
      schema: {
        tags,
        summary: "The mission's tracking, oldest first, in the language of Accept-Language",
        headers: LanguageHeaders,
        params: MissionIdParams,
        response: { 200: MissionTracking, 404: ProblemRef },
      },
    },
    async (request) => {
      const row = await visibleMission(request.params.id, request);
      const view = await viewOf(ctx.pool, row.id);
      return { missionId: row.id, tracking: renderTracking(view.tracking, languageOf(request.headers['accept-language'])) };
    },
  );

  app.get(
    '/v1/missions',
    {
      config: { roles: ['insurer', 'ops'] },
      schema: {
        tags,
        summary: "The caller's missions (ops: all), newest first",
        description: 'Keyset-paginated: pass `nextCursor` back as `cursor`. `status` filters on the lifecycle status.',
        querystring: MissionListQuery,
        response: { 200: MissionListPage, 400: ProblemRef },
      },
    },
    async (request) => {
      const { status, cursor, limit = 20 } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (cursor !== undefined && after === null) throw problems.invalidCursor('Pass back the nextCursor of a previous page unchanged.');
      const insurerId = request.principal.role === 'ops' ? null : request.principal.org;
      // One more than asked tells whether another page follows.
      const rows = await listMissions(ctx.pool, { insurerId, status: status ?? null, after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(summaryBody), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },
  );

  app.post(
    '/v1/missions/:id/abandon',
    {
      config: { roles: ['garage'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 8 * 1024,
      schema: {
        tags,
        summary: 'Abandon a new mission, giving a reason; it comes back closed in one step',
        description: 'Only while the mission is `new` and its deadline is ahead (409 mission_not_new, deadline_passed). Publishes mission.abandoned.',
        headers: LanguageHeaders,
        params: MissionIdParams,
        body: AbandonBody,
        response: { 200: MissionView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef },
      },
    },
    async (request) => {
      const { principal } = request;
      const { id } = request.params;
      const row = await withTransaction(ctx.pool, async (tx) => {
        // The row lock makes two abandons (or an abandon and an event) take turns.
        const mission = await findMission(tx, id, { lock: true });
        if (!mission || mission.garageId !== principal.org) throw problems.missionNotFound(`No mission ${id}.`);
        const at = ctx.clock();
        const decision = decideAbandon(stateOf(await factsOf(tx, id)), {
          eventId: randomUUID(),
          reason: request.body.reason,
          by: principal.sub ?? principal.org,
          at,
        });
        if (!decision.ok) throw abandonRefusals[decision.code](decision.message);
        const { fact } = decision;
        const event = await ctx.outbox.append(tx, {
          type: 'mission.abandoned',
          missionId: id,
          correlationId: request.id,
          occurredAt: at,
          payload: { garageId: mission.garageId, reason: fact.reason, abandonedAt: at.toISOString(), abandonedBy: fact.by },
        });
        // The fact carries the id of the event that announces it.
        await recordFact(tx, id, { ...fact, eventId: event.id });
        const view = await refreshProjection(tx, id, at);
        await recordAudit(tx, {
          missionId: id,
          at,
          actorRole: 'garage',
          actorOrg: principal.org,
          actorName: principal.sub ?? null,
          action: 'abandoned',
          fromStatus: mission.status,
          toStatus: view.status,
          eventId: event.id,
        });
        return findMission(tx, id);
      });
      return render(row!, request.headers['accept-language']);
    },
  );
}
