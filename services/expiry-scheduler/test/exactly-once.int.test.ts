// Three scheduler replicas on the same schema and topics (what Kubernetes runs), all ticking every
// second: each due mission is expired exactly once, and a sweep killed midway is finished by the
// next one without a double.
//
// The due deadlines are inserted with SQL rather than fed as 1,000 mission.received events: the
// event path is proven in deadlines.int.test.ts, and 1,000 events through the consumer would spend
// most of this file's time on the shared 2-core machine without exercising the sweep any more.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@smart-expertise/contracts';
import { createEventProbe, testEnvironment, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildExpiryScheduler, sweep, type ExpiryScheduler } from '../src/index.ts';

const BATCH = 100;
const env = testEnvironment('expiry-scheduler', {
  EXPIRY_CRON: '*/1 * * * * *',
  EXPIRY_BATCH_SIZE: String(BATCH),
  EXPIRY_GRACE_SECONDS: '120',
  // Warnings are proven elsewhere; here every event on the topic is an expiry.
  DEADLINE_WARNING_HOURS: '0',
});
const topic = env.KAFKA_TOPIC_PREFIX! + Topics.expiryScheduler;
const replicas: ExpiryScheduler[] = [];
let probe: Awaited<ReturnType<typeof createEventProbe>>;
const day = 86_400_000;

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const replica = await buildExpiryScheduler(env);
    await replica.start();
    replicas.push(replica);
  }
  probe = await createEventProbe([topic]);
});

afterAll(async () => {
  await probe?.stop();
  for (const replica of replicas) await replica.stop();
});

const db = () => replicas[0]!.ctx.pool;

/** `count` running deadlines, passed or not at the real clock depending on `offsetMs`, one second apart. */
async function seedRunning(count: number, offsetMs: number): Promise<string[]> {
  const tag = uniqueSuffix();
  const { rows } = await db().query<{ mission_id: string }>(
    `INSERT INTO deadlines (mission_id, status, deadline)
     SELECT 'm-' || $1 || '-' || g, 'running', now() + make_interval(secs => $2::float8 / 1000) - make_interval(secs => g)
       FROM generate_series(1, $3::int) AS g
     RETURNING mission_id`,
    [tag, offsetMs, count],
  );
  return rows.map((r) => r.mission_id);
}

/** mission.expired rows the replicas wrote to their (shared) outbox, per mission. */
async function expiriesWritten(missionIds: string[]): Promise<Map<string, number>> {
  const { rows } = await db().query<{ mission_id: string; n: number }>(
    "SELECT mission_id, count(*)::int AS n FROM outbox WHERE event_type = 'mission.expired' AND mission_id = ANY($1::text[]) GROUP BY mission_id",
    [missionIds],
  );
  return new Map(rows.map((r) => [r.mission_id, r.n]));
}

/** Waits until Kafka has every expiry of these missions, then returns how many of each it has. */
async function expiriesOnTopic(missionIds: string[]): Promise<Map<string, number>> {
  const wanted = new Set(missionIds);
  await waitFor(async () => (await replicas[0]!.ctx.outbox.backlog()).pending === 0, { timeoutMs: 60_000, message: 'the outbox to be published' });
  await waitFor(() => new Set(probe.events.filter((e) => e.type === 'mission.expired' && wanted.has(e.missionId)).map((e) => e.missionId)).size === wanted.size, {
    timeoutMs: 60_000,
    message: `mission.expired for all ${wanted.size} missions on the topic`,
  });
  const counts = new Map<string, number>();
  for (const e of probe.events) if (e.type === 'mission.expired' && wanted.has(e.missionId)) counts.set(e.missionId, (counts.get(e.missionId) ?? 0) + 1);
  return counts;
}

function expectExactlyOnce(counts: Map<string, number>, missionIds: string[]) {
  expect(counts.size).toBe(missionIds.length);
  expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
}

describe('exactly one mission.expired per mission', () => {
  it('three replicas whose crons tick together expire 1,000 due missions exactly once', async () => {
    const missionIds = await seedRunning(1000, -3_600_000);
    await waitFor(async () => (await db().query("SELECT 1 FROM deadlines WHERE status = 'running' AND mission_id = ANY($1::text[]) LIMIT 1", [missionIds])).rowCount === 0, {
      timeoutMs: 60_000,
      message: 'the crons to expire every seeded mission',
    });
    expectExactlyOnce(await expiriesWritten(missionIds), missionIds);
    expectExactlyOnce(await expiriesOnTopic(missionIds), missionIds);
    const { rows } = await db().query("SELECT DISTINCT r.trigger FROM deadlines d JOIN expiry_runs r ON r.id = d.run_id WHERE d.mission_id = ANY($1::text[])", [missionIds]);
    expect(rows).toEqual([{ trigger: 'cron' }]);
  });

  it('three sweeps started at the same moment share 1,000 due missions without a double', async () => {
    // Due only at an instant ten days ahead: the crons (real clock) leave them to these sweeps.
    const missionIds = await seedRunning(1000, 10 * day);
    const now = new Date(Date.now() + 11 * day);
    const runs = await Promise.all(replicas.map((replica) => sweep(replica.ctx, now)));
    expect(runs.map((run) => run.status)).toEqual(['completed', 'completed', 'completed']);
    expect(runs.reduce((sum, run) => sum + run.expiredCount, 0)).toBe(1000);
    expectExactlyOnce(await expiriesWritten(missionIds), missionIds);
    expectExactlyOnce(await expiriesOnTopic(missionIds), missionIds);
  });

  it('a sweep killed after its first batch is finished by the next sweep, nothing expired twice', async () => {
    const missionIds = await seedRunning(350, 20 * day);
    const now = new Date(Date.now() + 21 * day);
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/killed-sweep.ts', import.meta.url))], {
      env: { ...process.env, SCHEDULER_ENV: JSON.stringify(env), SWEEP_NOW: now.toISOString() },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const signal = await new Promise((resolve) => child.on('exit', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');

    // Exactly the first batch is done, and the run says so.
    const { rows: killed } = await db().query("SELECT id, status, expired_count, batches FROM expiry_runs WHERE started_at = $1", [now]);
    expect(killed).toHaveLength(1);
    expect(killed[0]).toMatchObject({ status: 'running', expired_count: BATCH, batches: 1 });
    expect([...(await expiriesWritten(missionIds)).values()].reduce((a, b) => a + b, 0)).toBe(BATCH);

    const resumed = await sweep(replicas[1]!.ctx, now);
    expect(resumed).toMatchObject({ status: 'completed', expiredCount: missionIds.length - BATCH });
    expectExactlyOnce(await expiriesWritten(missionIds), missionIds);
    expectExactlyOnce(await expiriesOnTopic(missionIds), missionIds);
    const { rows: byRun } = await db().query<{ run_id: string; n: number }>(
      'SELECT run_id, count(*)::int AS n FROM deadlines WHERE mission_id = ANY($1::text[]) GROUP BY run_id ORDER BY n',
      [missionIds],
    );
    expect(byRun).toEqual([
      { run_id: killed[0].id, n: BATCH },
      { run_id: resumed.id, n: missionIds.length - BATCH },
    ]);
  });
});
