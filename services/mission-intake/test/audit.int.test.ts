// The audit trail: every change of a mission's state records who made it, in the transaction of
// the change, and ops (only ops) read it at GET /v1/missions/{id}/audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type DomainEvent, type EventType } from '@smart-expertise/contracts';
import { withTransaction, type EventHandler } from '@smart-expertise/service-runtime';
import { httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildMissionIntake } from '../src/service.ts';
import { lifecycleConsumers } from '../src/events/consumers.ts';
import { EXPERT, depositMission, envelope, publisher, quoteSubmitted, reviewDecided } from './support.ts';

const topicPrefix = `t${uniqueSuffix()}.`;
const now = new Date('2026-04-02T08:00:00Z');
const BEFORE_DEADLINE = '2026-04-09T14:00:00.000Z';
let service: Awaited<ReturnType<typeof buildMissionIntake>>;
let request: ReturnType<typeof httpClient>;
let ops: string;

const publish = publisher(topicPrefix);
const newMission = () => depositMission(request);

async function auditWhen(missionId: string, count: number) {
  return waitFor(
    async () => {
      const response = await request('GET', `/v1/missions/${missionId}/audit`, { token: ops });
      return response.status === 200 && response.json.entries.length >= count ? response.json : undefined;
    },
    { message: `${count} audit entries`, timeoutMs: 45_000, intervalMs: 100 },
  );
}

beforeAll(async () => {
  service = await buildMissionIntake(testEnvironment('mission-intake', {}, { topicPrefix }), { clock: () => now });
  request = httpClient(await service.start());
  ops = await token({ role: 'ops', org: 'PLATFORM' });
});

afterAll(async () => {
  await service?.stop();
});

describe('audit trail', () => {
  it('records the deposit by the insurer, the quote by the garage, the decision by the named expert, the expiry by the scheduler', async () => {
    const mission = await newMission();
    const submitted = quoteSubmitted(mission.garageId, mission.expertOfficeId, BEFORE_DEADLINE);
    const quote = await publish('quote.submitted', mission.id, submitted);
    const decision = await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, submitted.quoteId, 'onsite_intervention', 1, '2026-04-09T15:00:00.000Z'));
    const trail = await auditWhen(mission.id, 3);
    expect(trail.entries).toEqual([
      expect.objectContaining({ actorRole: 'insurer', actorOrg: mission.insurerId, action: 'deposited', fromStatus: null, toStatus: 'new' }),
      expect.objectContaining({ actorRole: 'garage', actorOrg: mission.garageId, action: 'quote_submitted', fromStatus: 'new', toStatus: 'under_analysis', eventId: quote.id }),
      expect.objectContaining({
        actorRole: 'expert',
        actorOrg: mission.expertOfficeId,
        actorName: EXPERT.name,
        action: 'review_decided.onsite_intervention',
        fromStatus: 'under_analysis',
        toStatus: 'onsite_intervention',
        eventId: decision.id,
      }),
    ]);
    // A redelivered event adds nothing.
    await publishRaw(topicPrefix + Topics.quote, [{ key: mission.id, value: quote }]);
    const other = await newMission();
    await publish('mission.expired', other.id, { deadline: '2026-04-10T21:59:59.999Z', expiredAt: '2026-04-10T22:00:05.000Z', runId: 'run-1' });
    const expired = await auditWhen(other.id, 2);
    expect(expired.entries[1]).toMatchObject({ actorRole: 'system', actorOrg: 'expiry-scheduler', action: 'expired', fromStatus: 'new', toStatus: 'expired' });
    expect((await request('GET', `/v1/missions/${mission.id}/audit`, { token: ops })).json.entries).toHaveLength(3);
  });

  it('records the abandon by the garage, and keeps the owner out of the trail', async () => {
    const mission = await newMission();
    expect((await request('POST', `/v1/missions/${mission.id}/abandon`, { token: mission.garage, body: { reason: 'customer went elsewhere' } })).status).toBe(200);
    const trail = await auditWhen(mission.id, 2);
    expect(trail.entries[1]).toMatchObject({ actorRole: 'garage', actorOrg: mission.garageId, action: 'abandoned', fromStatus: 'new', toStatus: 'abandoned' });
    expect(JSON.stringify(trail)).not.toContain('Marie Dubois');
  });

  it('leaves the same state and trail when events are applied as a batch as when applied one by one', async () => {
    const [spec] = lifecycleConsumers(service.ctx);
    const [batched, single, expiring] = [await newMission(), await newMission(), await newMission()];
    const unknownId = `m_${uniqueSuffix()}`;
    const eventsFor = (m: { id: string; garageId: string; expertOfficeId: string }) => {
      const quote = quoteSubmitted(m.garageId, m.expertOfficeId, BEFORE_DEADLINE);
      return [
        envelope('quote.submitted', m.id, quote),
        envelope('review.decided', m.id, reviewDecided(m.expertOfficeId, quote.quoteId, 'remote_intervention', 1, '2026-04-09T15:00:00.000Z')),
        envelope('review.decided', m.id, reviewDecided(m.expertOfficeId, quote.quoteId, 'validate', 2, '2026-04-09T16:00:00.000Z')),
      ] as DomainEvent[];
    };
    const [quote, remote, validate] = eventsFor(batched);
    const batch = [
      quote!,
      envelope('mission.expired', expiring.id, { deadline: '2026-04-10T21:59:59.999Z', expiredAt: '2026-04-10T22:00:05.000Z', runId: 'run-b' }),
      remote!,
      envelope('quote.submitted', unknownId, quoteSubmitted('G-UNKNOWN', 'EXP-UNKNOWN', BEFORE_DEADLINE)),
      validate!,
    ] as DomainEvent[];
    // The hot path: six statements for the whole batch (lock, read the facts, record the facts,
    // projections, audit entries, outbox events), whatever its size.
    let statements = 0;
    await withTransaction(service.ctx.pool, (tx) => {
      const counted = Object.assign(Object.create(tx), {
        query: (...args: Parameters<typeof tx.query>) => {
          statements += 1;
          return (tx.query as (...a: unknown[]) => unknown).apply(tx, args);
        },
      }) as typeof tx;
      return spec!.applyBatch!(counted, batch);
    });
    expect(statements).toBe(6);
    for (const event of eventsFor(single)) {
      await withTransaction(service.ctx.pool, (tx) => (spec!.handlers[event.type] as EventHandler<EventType>)(tx, event as never));
    }

    const shown = async (m: { id: string; garage: string }) => {
      const { status, section, outcome, tracking } = (await request('GET', `/v1/missions/${m.id}`, { token: m.garage })).json;
      return { status, section, outcome, tracking };
    };
    const trail = async (id: string) =>
      (await request('GET', `/v1/missions/${id}/audit`, { token: ops })).json.entries.map((e: Record<string, unknown>) => [e.actorRole, e.action, e.fromStatus, e.toStatus]);
    expect(await shown(batched)).toEqual(await shown(single));
    expect((await shown(batched)).status).toBe('closed');
    expect(await trail(batched.id)).toEqual(await trail(single.id));
    // ... and the same verdicts published: one mission.status-changed per change, in order.
    const published = async (id: string) =>
      (
        await service.ctx.pool.query<{ type: string; status: string | null; previous: string | null; reason: string | null }>(
          `SELECT event_type AS type, envelope->'payload'->>'status' AS status, envelope->'payload'->>'previousStatus' AS previous,
                  envelope->'payload'->>'reason' AS reason
             FROM outbox WHERE mission_id = $1 ORDER BY seq`,
          [id],
        )
      ).rows;
    expect(await published(batched.id)).toEqual(await published(single.id));
    expect(await published(batched.id)).toEqual([
      { type: 'mission.received', status: null, previous: null, reason: null },
      { type: 'mission.status-changed', status: 'under_analysis', previous: 'new', reason: 'quote.under_analysis' },
      { type: 'mission.status-changed', status: 'remote_intervention', previous: 'under_analysis', reason: 'review.remote_intervention' },
      { type: 'mission.status-changed', status: 'closed', previous: 'remote_intervention', reason: 'review.validated' },
    ]);
    expect((await published(expiring.id)).map((e) => [e.type, e.status])).toEqual([
      ['mission.received', null],
      ['mission.status-changed', 'expired'],
    ]);
    expect(await trail(batched.id)).toEqual([
      ['insurer', 'deposited', null, 'new'],
      ['garage', 'quote_submitted', 'new', 'under_analysis'],
      ['expert', 'review_decided.remote_intervention', 'under_analysis', 'remote_intervention'],
      ['expert', 'review_decided.validate', 'remote_intervention', 'closed'],
    ]);
    expect(await trail(expiring.id)).toEqual([
      ['insurer', 'deposited', null, 'new'],
      ['system', 'expired', 'new', 'expired'],
    ]);
    // The event for a mission not known here is kept as a fact, as one applied alone would be.
    const { rows } = await service.ctx.pool.query('SELECT count(*)::int AS n FROM mission_facts WHERE mission_id = $1', [unknownId]);
    expect(rows[0].n).toBe(1);
  });

  it('is for ops only: other roles 403, an unknown mission 404', async () => {
    const mission = await newMission();
    expect((await request('GET', `/v1/missions/${mission.id}/audit`, { token: mission.insurer })).status).toBe(403);
    expect((await request('GET', `/v1/missions/${mission.id}/audit`, { token: mission.garage })).status).toBe(403);
    expect((await request('GET', `/v1/missions/${mission.id}/audit`)).status).toBe(401);
    expect((await request('GET', `/v1/missions/m_${uniqueSuffix()}/audit`, { token: ops })).status).toBe(404);
  });
});
