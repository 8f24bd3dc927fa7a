// The relay is woken by the commits of its own process (no NOTIFY in the writing transaction), and
// replicas take turns publishing; a consumer commits its Kafka positions on an interval and on the
// way out. The relays here poll once a minute, so only the wake-ups can publish within the tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@smart-expertise/contracts';
import { withTransaction, afterCommit } from '../src/index.ts';
import { createEventProbe, publishRaw, stackEnv, stackKafka, testEnvironment, uniqueSuffix, waitFor } from '../src/testing.ts';
import { buildDemoService } from './fixtures/demo-service.ts';

type DemoService = Awaited<ReturnType<typeof buildDemoService>>;

const topicPrefix = `t${uniqueSuffix()}.`;
const topic = topicPrefix + Topics.missionIntake;
const slowPoll = { OUTBOX_POLL_MS: '60000' };
let replicas: DemoService[] = [];
let probe: Awaited<ReturnType<typeof createEventProbe>>;

function abandonEvent(missionId: string, reason: string) {
  return {
    type: 'mission.abandoned' as const,
    missionId,
    correlationId: 'relay-test',
    payload: { garageId: 'G1', reason, abandonedAt: new Date().toISOString(), abandonedBy: 'G1' },
  };
}

beforeAll(async () => {
  // Two replicas of one service: one schema, one outbox, one relay lock.
  const env = testEnvironment('demo', slowPoll, { topicPrefix });
  replicas = [await buildDemoService(env, { consumers: () => [] }), await buildDemoService(env, { consumers: () => [] })];
  await replicas[0]!.start();
  await replicas[1]!.start();
  probe = await createEventProbe([topic]);
});

afterAll(async () => {
  await probe?.stop();
  for (const replica of replicas) await replica.stop();
});

describe('the relay, woken after commit', () => {
  it('runs a commit hook once the transaction committed, and never for one rolled back', async () => {
    const pool = replicas[0]!.ctx.pool;
    const calls: string[] = [];
    await withTransaction(pool, async (tx) => {
      afterCommit(tx, () => calls.push('committed'));
      expect(calls).toEqual([]);
    });
    expect(calls).toEqual(['committed']);
    await expect(
      withTransaction(pool, async (tx) => {
        afterCommit(tx, () => calls.push('rolled back'));
        throw new Error('the work fails');
      }),
    ).rejects.toThrow('the work fails');
    // The connection goes back to the pool; the next transaction on it must not run the old hook.
    await withTransaction(pool, async () => {});
    expect(calls).toEqual(['committed']);
  });

  it('publishes what each replica commits, in commit order per mission, none lost, without waiting for the poll', async () => {
    const missionId = `m-${uniqueSuffix()}`;
    const reasons = Array.from({ length: 24 }, (_, i) => `step ${i}`);
    // Each event committed before the next, alternately by either replica: their relays contend
    // for the one lock, and the order on the topic must still be the order of the commits.
    for (const [i, reason] of reasons.entries()) {
      const replica = replicas[i % 2]!;
      await withTransaction(replica.ctx.pool, (tx) => replica.ctx.outbox.append(tx, abandonEvent(missionId, reason)));
    }
    const firstCopies = () => {
      const seen = new Set<string>();
      return probe.events.filter((e) => e.missionId === missionId && !seen.has(e.id) && seen.add(e.id));
    };
    await waitFor(() => firstCopies().length >= reasons.length, {
      timeoutMs: 30_000,
      message: 'every event on the topic well before the one-minute poll',
    });
    // Publication is at least once (a claim's snapshot can predate the other replica's mark-sent by
    // an instant): a copy is allowed, carrying the id it had; the order of first copies is the
    // order of the commits.
    expect(firstCopies().map((e) => (e.payload as { reason: string }).reason)).toEqual(reasons);
    const counts = new Map<string, number>();
    for (const e of probe.events.filter((x) => x.missionId === missionId)) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    expect(Math.max(...counts.values()), 'copies of one event: the replicas took turns, never both published everything').toBeLessThanOrEqual(2);
    const pending = await replicas[0]!.ctx.outbox.backlog();
    expect(pending.pending).toBe(0);
  });
});

describe('consumer positions', () => {
  it('commits the position of everything applied when it stops, so a restart starts after it', async () => {
    const env = testEnvironment('demo', slowPoll, { topicPrefix });
    const consumer = await buildDemoService(env);
    await consumer.start();
    const missionIds = Array.from({ length: 12 }, () => `m-${uniqueSuffix()}`);
    await publishRaw(
      topic,
      missionIds.map((missionId) => ({ key: missionId, value: { id: crypto.randomUUID(), version: 1, occurredAt: new Date().toISOString(), causationId: null, ...abandonEvent(missionId, 'positions') } })),
    );
    await waitFor(
      async () => (await consumer.ctx.pool.query('SELECT count(*)::int AS n FROM effects WHERE mission_id = ANY($1)', [missionIds])).rows[0].n === missionIds.length,
      { message: 'the consumer to apply the events' },
    );
    await consumer.stop();

    const kafka = stackKafka();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: `${topicPrefix}demo-consumer`, topics: [topic] });
      const position = new Map(committed!.partitions.map((p) => [p.partition, p.offset]));
      // Every partition that holds events has its end committed: nothing applied is delivered again.
      const filled = ends.filter((p) => p.offset !== '0');
      expect(filled.length).toBeGreaterThan(0);
      expect(filled.map((p) => [p.partition, position.get(p.partition)])).toEqual(filled.map((p) => [p.partition, p.offset]));
    } finally {
      await admin.disconnect();
    }
  });
});
