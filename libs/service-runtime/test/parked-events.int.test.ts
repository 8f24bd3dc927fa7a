// Ops' routes for parked events on the real stack: a poison event and a malformed record are
// parked by the consumer; ops lists them, replays the poison one (refused while the bug is there,
// applied once it is fixed, only marked when the event was applied meanwhile) and discards the
// malformed one with a reason; every action is in the audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type EventEnvelope } from '@smart-expertise/contracts';
import { httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '../src/testing.ts';
import { buildDemoService, demoHandler } from './fixtures/demo-service.ts';

type DemoService = Awaited<ReturnType<typeof buildDemoService>>;

const topicPrefix = `t${uniqueSuffix()}.`;
const topic = topicPrefix + Topics.missionIntake;
let consumer: DemoService;
let request: ReturnType<typeof httpClient>;
let ops: string;

function abandoned(missionId: string, reason: string): EventEnvelope {
  const at = new Date().toISOString();
  return { id: crypto.randomUUID(), type: 'mission.abandoned', version: 1, occurredAt: at, missionId, correlationId: 'x', causationId: null, payload: { garageId: 'G1', reason, abandonedAt: at, abandonedBy: 'G1' } } as EventEnvelope;
}

async function effects(eventId: string): Promise<number> {
  const { rows } = await consumer.ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [eventId]);
  return rows[0]!.n;
}

async function parked(): Promise<{ id: string; eventId: string | null; reason: string }[]> {
  const response = await request('GET', '/v1/parked-events?limit=100', { token: ops });
  expect(response.status).toBe(200);
  return (response.json as { items: { id: string; eventId: string | null; reason: string; topic: string }[] }).items.filter((p) => p.topic === topic && p.reason && parkedFor.has(p.id));
}
const parkedFor = new Set<string>();

beforeAll(async () => {
  consumer = await buildDemoService(testEnvironment('demo', {}, { topicPrefix }));
  await consumer.start();
  request = httpClient(`http://127.0.0.1:${(consumer.app.server.address() as { port: number }).port}`);
  ops = await token({ role: 'ops', org: 'OPS', sub: 'alice' });
});

afterAll(async () => {
  demoHandler.refusesPoison = true;
  await consumer?.stop();
});

describe('parked events through the ops API', () => {
  it('lists, refuses a replay while the handler still fails, replays once fixed, marks what was applied meanwhile, discards with a reason', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    const poison = abandoned(missionId, 'poison');
    const later = abandoned(missionId, 'poison');
    await publishRaw(topic, [
      { key: missionId, value: poison },
      { key: missionId, value: 'this is not json' },
      { key: missionId, value: later },
    ]);
    const rows = await waitFor(
      async () => {
        const { rows } = await consumer.ctx.pool.query<{ id: string }>('SELECT id::text FROM parked_events WHERE message_key = $1 ORDER BY id', [missionId]);
        return rows.length === 3 ? rows : null;
      },
      { timeoutMs: 60_000, message: 'the consumer to park the three records' },
    );
    for (const r of rows) parkedFor.add(r.id);

    // Only ops may look.
    expect((await request('GET', '/v1/parked-events', { token: await token({ role: 'garage', org: 'G1' }) })).status).toBe(403);
    // In the order they were parked (the malformed record as soon as it is read, the poison ones
    // after their retries), which is the list's order.
    const listed = await parked();
    expect(listed.map((p) => p.id)).toEqual(rows.map((r) => r.id));
    const byEvent = (eventId: string | null) => listed.find((p) => p.eventId === eventId)!;
    expect(byEvent(poison.id).reason).toMatch(/handler failed 5 times: the handler refuses poison/);
    expect(byEvent(null).reason).toMatch(/not JSON/);
    const [poisonRow, malformedRow, laterRow] = [byEvent(poison.id).id, byEvent(null).id, byEvent(later.id).id];

    // The bug is still there: refused, stays parked, the failure counted and audited.
    const refused = await request('POST', `/v1/parked-events/${poisonRow}/replay`, { token: ops });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ code: 'replay_failed', detail: expect.stringMatching(/the handler refuses poison/) });
    const afterRefusal = await request('GET', `/v1/parked-events/${poisonRow}`, { token: ops });
    expect(afterRefusal.json).toMatchObject({ status: 'parked', failures: 2, actions: [{ action: 'replay', outcome: 'failed', actor: 'alice@OPS' }] });
    expect(await effects(poison.id)).toBe(0);

    // Fixed: the replay applies it once; a second replay is refused.
    demoHandler.refusesPoison = false;
    const replayed = await request('POST', `/v1/parked-events/${poisonRow}/replay`, { token: ops });
    expect(replayed.status).toBe(200);
    expect(replayed.json).toMatchObject({ status: 'replayed', resolvedAt: expect.any(String), actions: [{ outcome: 'failed' }, { action: 'replay', outcome: 'applied', actor: 'alice@OPS' }] });
    expect(await effects(poison.id)).toBe(1);
    expect((await request('POST', `/v1/parked-events/${poisonRow}/replay`, { token: ops })).status).toBe(409);

    // The later one arrives again (a producer's replay) and is applied by the consumer: the replay
    // of its parked copy finds it in the inbox and only marks it.
    await publishRaw(topic, [{ key: missionId, value: later }]);
    await waitFor(async () => (await effects(later.id)) === 1, { timeoutMs: 60_000, message: 'the consumer to apply the redelivered event' });
    const marked = await request('POST', `/v1/parked-events/${laterRow}/replay`, { token: ops });
    expect(marked.json).toMatchObject({ status: 'replayed', actions: [{ outcome: 'duplicate' }] });
    expect(await effects(later.id)).toBe(1);

    // The malformed record cannot be replayed; it is discarded, with a reason, which is required.
    expect((await request('POST', `/v1/parked-events/${malformedRow}/replay`, { token: ops })).status).toBe(422);
    expect((await request('POST', `/v1/parked-events/${malformedRow}/discard`, { token: ops, body: {} })).status).toBe(400);
    const discarded = await request('POST', `/v1/parked-events/${malformedRow}/discard`, { token: ops, body: { reason: 'not an event: a test producer' } });
    expect(discarded.status).toBe(200);
    expect(discarded.json).toMatchObject({ status: 'discarded', actions: [{ outcome: 'failed' }, { action: 'discard', outcome: 'discarded', reason: 'not an event: a test producer' }] });

    // Nothing of this mission is parked any more; each is listed under its status.
    expect(await parked()).toEqual([]);
    const discardedList = await request('GET', '/v1/parked-events?status=discarded', { token: ops });
    expect((discardedList.json as { items: { id: string }[] }).items.map((p) => p.id)).toContain(malformedRow);
    // This service holds no other parked event: the gauge ops alert on is back to zero.
    expect((await request('GET', '/metrics')).text).toMatch(/^parked_events\{[^}]*\} 0$|^parked_events 0$/m);
  });

  it('answers 404 for an id it does not hold and 400 for one that is not an id or a cursor it did not issue', async () => {
    expect((await request('GET', '/v1/parked-events/999999999', { token: ops })).status).toBe(404);
    expect((await request('POST', '/v1/parked-events/999999999/replay', { token: ops })).status).toBe(404);
    expect((await request('GET', '/v1/parked-events/abc', { token: ops })).status).toBe(400);
    expect((await request('GET', '/v1/parked-events?cursor=bm90LWEtY3Vyc29y', { token: ops })).status).toBe(400);
  });
});
