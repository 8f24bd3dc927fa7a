import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type EventEnvelope } from '@smart-expertise/contracts';
import { withTransaction } from '../src/index.ts';
import { createEventProbe, httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '../src/testing.ts';
import { buildDemoService } from './fixtures/demo-service.ts';

type DemoService = Awaited<ReturnType<typeof buildDemoService>>;

const topicPrefix = `t${uniqueSuffix()}.`;
const topic = topicPrefix + Topics.missionIntake;
let publisher: DemoService;
let consumer: DemoService;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let request: ReturnType<typeof httpClient>;
let garage: string;

async function effects(missionId: string) {
  const { rows } = await consumer.ctx.pool.query('SELECT event_id FROM effects WHERE mission_id = $1 ORDER BY id', [missionId]);
  return rows.map((r) => r.event_id as string);
}

beforeAll(async () => {
  publisher = await buildDemoService(testEnvironment('demo', {}, { topicPrefix }), { consumers: () => [] });
  consumer = await buildDemoService(testEnvironment('demo', {}, { topicPrefix }));
  await publisher.start();
  await consumer.start();
  probe = await createEventProbe([topic]);
  request = httpClient(`http://127.0.0.1:${(publisher.app.server.address() as { port: number }).port}`);
  garage = await token({ role: 'garage', org: 'G1' });
});

afterAll(async () => {
  await probe?.stop();
  await publisher?.stop();
  await consumer?.stop();
});

describe('transactional outbox and inbox through the real broker', () => {
  it('commits a state change and its event together, and another service applies it once', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    const response = await request('POST', `/v1/demo/${missionId}/abandon`, { token: garage, body: { reason: 'customer went elsewhere' } });
    expect(response.status).toBe(201);

    const { rows } = await publisher.ctx.pool.query('SELECT reason FROM abandons WHERE mission_id = $1', [missionId]);
    expect(rows).toEqual([{ reason: 'customer went elsewhere' }]);
    const event = await probe.waitForEvent((e) => e.missionId === missionId);
    expect(event).toMatchObject({ type: 'mission.abandoned', version: 1, correlationId: response.headers.get('x-request-id') });
    await waitFor(async () => (await effects(missionId)).length === 1, { message: 'the consumer to apply the event' });
  });

  it('writes neither the change nor the event when the transaction fails after the event', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    const response = await request('POST', `/v1/demo/${missionId}/abandon`, { token: garage, body: { reason: 'x', failAfterEvent: true } });
    expect(response.status).toBe(500);
    const abandons = await publisher.ctx.pool.query('SELECT 1 FROM abandons WHERE mission_id = $1', [missionId]);
    const outbox = await publisher.ctx.pool.query('SELECT 1 FROM outbox WHERE mission_id = $1', [missionId]);
    expect(abandons.rowCount).toBe(0);
    expect(outbox.rowCount).toBe(0);
  });

  it('applies an event delivered twice only once', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    const envelope: EventEnvelope = {
      id: crypto.randomUUID(),
      type: 'mission.abandoned',
      version: 1,
      occurredAt: new Date().toISOString(),
      missionId,
      correlationId: 'test',
      causationId: null,
      payload: { garageId: 'G1', reason: 'twice', abandonedAt: new Date().toISOString(), abandonedBy: 'G1' },
    };
    await publishRaw(topic, [{ key: missionId, value: envelope }, { key: missionId, value: envelope }]);
    await waitFor(() => probe.raw.filter((m) => m.key === missionId).length === 2, { message: 'both deliveries on the topic' });
    // A later event on the same partition proves the consumer went past both copies.
    const marker = `${missionId}`;
    await publishRaw(topic, [{ key: marker, value: { ...envelope, id: crypto.randomUUID() } }]);
    await waitFor(async () => (await effects(missionId)).length >= 2, { message: 'the marker event' });
    const ids = await effects(missionId);
    expect(ids.filter((id) => id === envelope.id)).toHaveLength(1);
  });

  it('loses nothing and doubles nothing when the relay is killed between publishing and marking sent', async () => {
    const env = testEnvironment('demo', {}, { topicPrefix });
    const relayService = await buildDemoService(env, { consumers: () => [] });
    await relayService.migrate();
    const missionIds = Array.from({ length: 20 }, () => `m-${uniqueSuffix()}`);
    for (const missionId of missionIds) {
      await withTransaction(relayService.ctx.pool, (tx) =>
        relayService.ctx.outbox.append(tx, {
          type: 'mission.abandoned',
          missionId,
          correlationId: 'crash-test',
          payload: { garageId: 'G1', reason: 'crash', abandonedAt: new Date().toISOString(), abandonedBy: 'G1' },
        }),
      );
    }

    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/crashing-relay.ts', import.meta.url))], {
      env: { ...process.env, DEMO_ENV: JSON.stringify(env) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const signal = await new Promise((resolve) => child.on('exit', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');
    // Kafka has the batch, the outbox still says it is pending.
    await waitFor(() => missionIds.every((id) => probe.raw.some((m) => m.key === id)), { message: 'the killed relay’s batch on the topic' });
    const pending = await relayService.ctx.pool.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
    expect(pending.rows[0].n).toBe(20);

    await relayService.start();
    await waitFor(async () => (await relayService.ctx.outbox.backlog()).pending === 0, { message: 'the relay to catch up' });
    await waitFor(() => missionIds.every((id) => probe.raw.filter((m) => m.key === id).length === 2), { message: 'the republished batch' });
    for (const missionId of missionIds) {
      await waitFor(async () => (await effects(missionId)).length === 1, { message: `the effect of ${missionId}` });
    }
    const { rows } = await consumer.ctx.pool.query('SELECT mission_id, count(*)::int AS n FROM effects WHERE mission_id = ANY($1) GROUP BY mission_id', [missionIds]);
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    await relayService.stop();
  });

  it('parks a malformed event with its reason and keeps consuming', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    await publishRaw(topic, [
      { key: missionId, value: 'this is not json' },
      { key: missionId, value: JSON.stringify({ id: crypto.randomUUID(), type: 'mission.abandoned', version: 1, occurredAt: new Date().toISOString(), missionId, correlationId: 'x', causationId: null, payload: { reason: '' } }) },
      {
        key: missionId,
        value: {
          id: crypto.randomUUID(),
          type: 'mission.abandoned',
          version: 1,
          occurredAt: new Date().toISOString(),
          missionId,
          correlationId: 'x',
          causationId: null,
          payload: { garageId: 'G1', reason: 'valid after two bad ones', abandonedAt: new Date().toISOString(), abandonedBy: 'G1' },
        },
      },
    ]);
    await waitFor(async () => (await effects(missionId)).length === 1, { message: 'the valid event after the malformed ones' });
    const { rows } = await consumer.ctx.pool.query('SELECT reason FROM parked_events WHERE message_key = $1 ORDER BY id', [missionId]);
    expect(rows).toHaveLength(2);
    expect(rows[0].reason).toMatch(/not JSON/);
    expect(rows[1].reason).toMatch(/bad mission.abandoned payload/);
  });

  it('applies a long run of events on one partition once each, in order, across batches', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    const envelopes = Array.from({ length: 450 }, (_, i) => abandoned(missionId, `run ${i}`));
    // The same event again inside the run: a duplicate within one batch applies once.
    await publishRaw(topic, [...envelopes.slice(0, 10), envelopes[3]!, ...envelopes.slice(10)].map((value) => ({ key: missionId, value })));
    await waitFor(async () => (await effects(missionId)).length >= 450, { timeoutMs: 60_000, message: 'every event of the run' });
    const { rows } = await consumer.ctx.pool.query('SELECT event_id, txid FROM effects WHERE mission_id = $1 ORDER BY id', [missionId]);
    expect(rows.map((r) => r.event_id)).toEqual(envelopes.map((e) => e.id));
    // Batched: far fewer transactions than events (one per event would be 450).
    const transactions = new Set(rows.map((r) => r.txid)).size;
    console.info(`450 events applied in ${transactions} transactions`);
    expect(transactions).toBeLessThanOrEqual(45);
  });

  it('parks the one event whose handler keeps failing and applies its neighbours in the same batch', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    const before = abandoned(missionId, 'before');
    const poison = abandoned(missionId, 'poison');
    const after = abandoned(missionId, 'after');
    await publishRaw(topic, [before, poison, after].map((value) => ({ key: missionId, value })));
    await waitFor(async () => (await effects(missionId)).length === 2, { timeoutMs: 60_000, message: 'both neighbours of the poison event' });
    expect(await effects(missionId)).toEqual([before.id, after.id]);
    const { rows } = await consumer.ctx.pool.query('SELECT reason FROM parked_events WHERE message_key = $1', [missionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].reason).toMatch(/handler failed 5 times: the handler refuses poison/);
  });
});

function abandoned(missionId: string, reason: string): EventEnvelope {
  return {
    id: crypto.randomUUID(),
    type: 'mission.abandoned',
    version: 1,
    occurredAt: new Date().toISOString(),
    missionId,
    correlationId: 'test',
    causationId: null,
    payload: { garageId: 'G1', reason, abandonedAt: new Date().toISOString(), abandonedBy: 'G1' },
  };
}
