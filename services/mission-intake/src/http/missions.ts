// /v1/missions: the insurer's deposit and cancel, the mission and its tracking, the lists, the
// garage's abandon. Every change goes through the mission's one command handler.
import { randomUUID } from 'node:crypto';
import { DEFAULT_INSURER_POLICY, Problem, type MissionSnapshot } from '@smart-expertise/contracts';
import {
  AbandonBody,
  CancelBody,
  DepositMissionBody,
  ExtendDeadlineBody,
  MissionIdParams,
  MissionListPage,
  MissionListQuery,
  MissionTracking,
  MissionView,
} from '@smart-expertise/contracts/http/mission-intake';
import { decideAbandon, decideCancel, decideExtension } from '@smart-expertise/contracts/procedure';
import { resolveDeadline } from '../domain/deadline.ts';
import { withTransaction, type App, type Role, type ServiceContext } from '@smart-expertise/service-runtime';
import Type from 'typebox';
import { decodeCursor, encodeCursor } from '../domain/cursor.ts';
import { checkDeposit } from '../domain/deposit-rules.ts';
import { languageOf } from '../domain/language.ts';
import { requestHash } from '../domain/request-hash.ts';
import { missionHandler, type CommandResult } from '../events/mission-handler.ts';
import { viewOf } from '../store/facts.ts';
import { depositContext, findMission, findMissionByRef, listMissions, type MissionRow } from '../store/missions.ts';
import { problems, refusals } from './problems.ts';
import { canSee, missionBody, renderTracking, summaryBody } from './views.ts';

const ProblemRef = { $ref: 'Problem' } as unknown as typeof Problem;
const tags = ['missions'];
const LanguageHeaders = Type.Object({
  'accept-language': Type.Optional(Type.String({ description: 'fr (default), nl or en, e.g. nl-BE,nl;q=0.9' })),
});

export function newMissionId(): string {
  return `m_${randomUUID().replaceAll('-', '')}`;
}

export function missionRoutes(app: App, ctx: ServiceContext): void {
  const handler = missionHandler(ctx);

  async function render(row: MissionRow, request: { principal: { role: Role }; headers: { 'accept-language'?: string } }) {
    return missionBody(row, await viewOf(ctx.pool, row.id), languageOf(request.headers['accept-language']), request.principal.role);
  }

  /** The command's answer: the mission as it now is, or the problem its refusal maps to. */
  function answer<Code extends keyof typeof refusals>(result: CommandResult<Code>, request: { principal: { role: Role }; headers: { 'accept-language'?: string } }) {
    if (!result.ok) throw refusals[result.code](result.message);
    return missionBody(result.row, result.view, languageOf(request.headers['accept-language']), request.principal.role);
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
        return reply.code(200).send(await render(existing, request));
      };

      // Two round trips in all: the policy and a mission already under that reference, then the deposit.
      const { policy: saved, existing } = await depositContext(ctx.pool, insurerId, body.insurerMissionRef);
      if (existing) return replay(existing);

      const receivedAt = ctx.clock();
      const policy = saved ?? DEFAULT_INSURER_POLICY;
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
      // null: a concurrent deposit of the same reference committed first; answered as a re-deposit.
      const created = await handler.deposit(
        ctx.pool,
        {
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
        },
        { actorRole: 'insurer', actorOrg: insurerId, actorName: request.principal.sub ?? null, action: 'deposited' },
        request.id,
      );
      if (created === null) {
        const winner = await findMissionByRef(ctx.pool, insurerId, body.insurerMissionRef);
        if (!winner) throw new Error('deposit lost to a concurrent one that is not visible');
        return replay(winner);
      }
      return reply.code(201).send(missionBody(created.row, created.view, languageOf(acceptLanguage), request.principal.role));
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
      return render(row, request);
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
        description: 'Only while the mission is `new` and its deadline is ahead (409 mission_not_new, deadline_passed). Publishes mission.abandoned and mission.status-changed.',
        headers: LanguageHeaders,
        params: MissionIdParams,
        body: AbandonBody,
        response: { 200: MissionView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef },
      },
    },
    async (request) => {
      const { principal } = request;
      const result = await withTransaction(ctx.pool, (tx) =>
        handler.decide(tx, {
          missionId: request.params.id,
          allowed: (row) => row.garageId === principal.org,
          decide: (state, at, eventId) => decideAbandon(state, { eventId, reason: request.body.reason, by: principal.sub ?? principal.org, at }),
          announce: (fact, row) => ({
            type: 'mission.abandoned',
            payload: { garageId: row.garageId, reason: fact.reason, abandonedAt: fact.at.toISOString(), abandonedBy: fact.by },
          }),
          actor: { actorRole: 'garage', actorOrg: principal.org, actorName: principal.sub ?? null, action: 'abandoned' },
          correlationId: request.id,
        }),
      );
      return answer(result, request);
    },
  );

  app.post(
    '/v1/missions/:id/cancel',
    {
      config: { roles: ['insurer'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 8 * 1024,
      schema: {
        tags,
        summary: 'Cancel one of your missions, giving a reason; it comes back closed in one step',
        description:
          "The insurer withdraws the mission until the expert's final decision (409 mission_final once closed, expired, abandoned or cancelled; 409 deadline_passed for a new mission past its deadline). A closed quote is voided. Publishes mission.cancelled and mission.status-changed.",
        headers: LanguageHeaders,
        params: MissionIdParams,
        body: CancelBody,
        response: { 200: MissionView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef },
      },
    },
    async (request) => {
      const { principal } = request;
      const result = await withTransaction(ctx.pool, (tx) =>
        handler.decide(tx, {
          missionId: request.params.id,
          // Another insurer's mission answers exactly like a missing one.
          allowed: (row) => row.insurerId === principal.org,
          decide: (state, at, eventId) => decideCancel(state, { eventId, reason: request.body.reason, by: principal.sub ?? principal.org, at }),
          announce: (fact, row) => ({
            type: 'mission.cancelled',
            payload: { insurerId: row.insurerId, reason: fact.reason, cancelledAt: fact.at.toISOString(), cancelledBy: fact.by },
          }),
          actor: { actorRole: 'insurer', actorOrg: principal.org, actorName: principal.sub ?? null, action: 'cancelled' },
          correlationId: request.id,
        }),
      );
      return answer(result, request);
    },
  );
  app.post(
    '/v1/missions/:id/deadline',
    {
      config: { roles: ['insurer'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 8 * 1024,
      schema: {
        tags,
        summary: 'Extend the deadline of one of your missions while the garage still has to act',
        description:
          "Gives the garage more time: the quote deadline of a new mission, or the due date of its answer while information is requested. The new deadline is a date (the end of that day in Europe/Brussels) or a date-time with offset, later than the one that holds (422 deadline_not_later); 409 mission_not_awaiting_garage once the garage has closed (or the mission is final), 409 deadline_passed once the deadline that holds has passed. A tracking entry gives the new date; publishes mission.deadline-extended and mission.status-changed (the scheduler follows the new deadline).",
        headers: LanguageHeaders,
        params: MissionIdParams,
        body: ExtendDeadlineBody,
        response: { 200: MissionView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request) => {
      const { principal } = request;
      // The date is read like the deposit's; "later than the one that holds" is the procedure's to judge.
      const resolved = resolveDeadline({ requested: request.body.deadline, depositedAt: ctx.clock(), workingDays: 1 });
      if (!resolved.ok) throw problems.invalidDeadline(resolved.reason, { errors: [{ path: '/deadline', message: resolved.reason }] });
      const result = await withTransaction(ctx.pool, (tx) =>
        handler.decide(tx, {
          missionId: request.params.id,
          // Another insurer's mission answers exactly like a missing one.
          allowed: (row) => row.insurerId === principal.org,
          decide: (state, at, eventId) => decideExtension(state, { eventId, deadline: resolved.deadline, by: principal.sub ?? principal.org, at }),
          announce: (fact, row) => ({
            type: 'mission.deadline-extended',
            payload: {
              insurerId: row.insurerId,
              garageId: row.garageId,
              expertOfficeId: row.expertOfficeId,
              previousDeadline: row.deadline.toISOString(),
              deadline: fact.deadline.toISOString(),
              extendedAt: fact.at.toISOString(),
              extendedBy: fact.by,
            },
          }),
          actor: { actorRole: 'insurer', actorOrg: principal.org, actorName: principal.sub ?? null, action: 'deadline_extended' },
          correlationId: request.id,
        }),
      );
      return answer(result, request);
    },
  );
}
