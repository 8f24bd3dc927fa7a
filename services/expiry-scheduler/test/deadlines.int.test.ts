// One scheduler with a cron in seconds and a clock the tests move forward, fed through the real
// broker: the deadline's life from mission.received to its expiry, or to the verdict that settles it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import { withTransaction } from '@smart-expertise/service-runtime';
import { createEventProbe, httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildExpiryScheduler, type ExpiryScheduler } from '../src/index.ts';
import { deadlineConsumer } from '../src/events/consumers.ts';
import { missionReceived, missionStatusChanged } from './envelopes.ts';

const GRACE_SECONDS = 60;
let shiftMs = 0;
/** The service's clock: real time moved forward by the tests, never back. */
const clock = () => new Date(Date.now() + shiftMs);
function advance(ms: number): Date {
  shiftMs += ms;
  return clock();
}

const env = testEnvironment('expiry-scheduler', { EXPIRY_CRON: '*/1 * * * * *', EXPIRY_GRACE_SECONDS: String(GRACE_SECONDS), DEADLINE_WARNING_HOURS: '24' });
const prefix = env.KAFKA_TOPIC_PREFIX!;
let service: ExpiryScheduler;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let request: ReturnType<typeof httpClient>;
let ops: string;

beforeAll(async () => {
  service = await buildExpiryScheduler(env, { clock });
  await service.start();
  probe = await createEventProbe([prefix + Topics.expiryScheduler]);
  request = httpClient(`http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`);
  ops = await token({ role: 'ops', org: 'platform' });
});

afterAll(async () => {
  await probe?.stop();
  await service?.stop();
});

const newMissionId = () => `m-${uniqueSuffix()}`;
const publishIntake = (missionId: string, value: object) => publishRaw(prefix + Topics.missionIntake, [{ key: missionId, value: value as never }]);

interface DeadlineRow {
  status: string;
  deadline: Date | null;
  verdict_status: string | null;
  verdict_at: Date | null;
  warned_at: Date | null;
  expired_at: Date | null;
  expired_deadline: Date | null;
  run_id: string | null;
  updated_at: Date;
}

async function deadlineRow(missionId: string) {
  const { rows } = await service.ctx.pool.query<DeadlineRow>(
    'SELECT status, deadline, verdict_status, verdict_at, warned_at, expired_at, expired_deadline, run_id, updated_at FROM deadlines WHERE mission_id = $1',
    [missionId],
  );
  return rows[0];
}

/** What an expiry decided: it stands as long as these do. */
const pick = ({ status, deadline, expired_at, expired_deadline, run_id }: DeadlineRow) => ({ status, deadline, expired_at, expired_deadline, run_id });

function waitForStatus(missionId: string, status: string) {
  return waitFor(async () => (await deadlineRow(missionId))?.status === status, { message: `deadline of ${missionId} to be ${status}` });
}

/** The event went through the consumer (its inbox row commits with its effect). */
function waitForApplied(eventId: string) {
  return waitFor(async () => (await service.ctx.pool.query('SELECT 1 FROM inbox WHERE event_id = $1', [eventId])).rowCount === 1, { message: `event ${eventId} to be applied` });
}

async function outboxEvents(missionId: string, type: string) {
  const { rows } = await service.ctx.pool.query('SELECT envelope FROM outbox WHERE mission_id = $1 AND event_type = $2', [missionId, type]);
  return rows.map((r) => r.envelope as DomainEvent);
}

/** A cron sweep that decided against an instant at or after `instant` has completed: whatever it would expire, it has. */
function waitForCronSweepAfter(instant: Date) {
  return waitFor(
    async () => {
      const { rows } = await service.ctx.pool.query("SELECT 1 FROM expiry_runs WHERE trigger = 'cron' AND status = 'completed' AND started_at >= $1", [instant]);
      return rows.length > 0;
    },
    { message: `a cron sweep after ${instant.toISOString()}` },
  );
}

describe('running deadlines and their expiry', () => {
  it('expires a mission on its own through the cron once the deadline and the grace period have passed', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 30 * 60_000);
    const received = missionReceived(missionId, deadline, clock());
    await publishIntake(missionId, received);
    await waitForStatus(missionId, 'running');

    // Within 24 hours of the deadline: warned once, not expired.
    const warning = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'mission.deadline-approaching', 'the deadline warning');
    expect(warning.payload).toMatchObject({ deadline: deadline.toISOString() });
    expect(warning.causationId).toBe(received.id);
    await waitForCronSweepAfter(clock());
    expect(await outboxEvents(missionId, 'mission.deadline-approaching')).toHaveLength(1);
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(0);

    // Past the deadline but within the grace period: a close made just before it may still be on its way.
    await waitForCronSweepAfter(advance(30 * 60_000 + 5_000));
    expect((await deadlineRow(missionId))?.status).toBe('running');

    advance(GRACE_SECONDS * 1000);
    const expired = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'mission.expired', 'mission.expired');
    expect(expired.payload).toMatchObject({ deadline: deadline.toISOString() });
    expect(expired.causationId).toBe(received.id);
    const row = await deadlineRow(missionId);
    expect(row).toMatchObject({ status: 'expired', run_id: (expired.payload as { runId: string }).runId });
    const { rows: runs } = await service.ctx.pool.query('SELECT trigger FROM expiry_runs WHERE id = $1', [row!.run_id]);
    expect(runs).toEqual([{ trigger: 'cron' }]);

    await waitForCronSweepAfter(clock());
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(1);
  });

  it('does not expire a mission mission-intake put under analysis', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    const closedAt = new Date(deadline.getTime() - 60_000);
    await publishIntake(missionId, missionStatusChanged(missionId, { status: 'under_analysis', changedAt: closedAt, deadline }));
    await waitForStatus(missionId, 'settled');
    expect(await deadlineRow(missionId)).toMatchObject({ verdict_status: 'under_analysis', verdict_at: closedAt });

    await waitForCronSweepAfter(advance(10 * 60_000 + (GRACE_SECONDS + 5) * 1000));
    expect((await deadlineRow(missionId))?.status).toBe('settled');
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(0);
  });

  it('does not expire a mission the insurer cancelled', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await publishIntake(missionId, missionStatusChanged(missionId, { status: 'cancelled', changedAt: clock(), deadline }));
    await waitForStatus(missionId, 'settled');
    expect((await deadlineRow(missionId))?.verdict_status).toBe('cancelled');

    await waitForCronSweepAfter(advance(10 * 60_000 + (GRACE_SECONDS + 5) * 1000));
    expect((await deadlineRow(missionId))?.status).toBe('settled');
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(0);
  });

  it('does not start a deadline for a mission whose verdict was heard of before the mission itself', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishIntake(missionId, missionStatusChanged(missionId, { status: 'abandoned', changedAt: clock(), deadline, previousStatus: null }));
    await waitForStatus(missionId, 'awaiting_mission');
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await waitForStatus(missionId, 'settled');

    await waitForCronSweepAfter(advance(10 * 60_000 + (GRACE_SECONDS + 5) * 1000));
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(0);
  });

  it('changes nothing when a verdict is redelivered, and keeps the later one that follows', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    const underAnalysis = missionStatusChanged(missionId, { status: 'under_analysis', changedAt: clock(), deadline });
    await publishIntake(missionId, underAnalysis);
    await waitForStatus(missionId, 'settled');
    const settled = await deadlineRow(missionId);

    await publishIntake(missionId, underAnalysis);
    await waitForApplied(underAnalysis.id);
    const marker = missionStatusChanged(missionId, { status: 'under_analysis', changedAt: new Date(clock().getTime() - 60_000), deadline });
    await publishIntake(missionId, marker);
    // One partition keeps the order: once the older verdict after it is applied, the redelivery was too.
    await waitForApplied(marker.id);
    expect(await deadlineRow(missionId)).toEqual(settled);

    const decidedAt = new Date(clock().getTime() + 1_000);
    const decided = missionStatusChanged(missionId, { status: 'pending_validation', previousStatus: 'under_analysis', changedAt: decidedAt, deadline });
    await publishIntake(missionId, decided);
    await waitForApplied(decided.id);
    expect(await deadlineRow(missionId)).toMatchObject({ status: 'settled', verdict_status: 'pending_validation', verdict_at: decidedAt });
  });

  it('changes nothing on its own expiry coming back from mission-intake', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await waitForStatus(missionId, 'running');
    advance(60_000 + (GRACE_SECONDS + 5) * 1000);
    await waitForStatus(missionId, 'expired');
    const expired = await deadlineRow(missionId);

    const verdict = missionStatusChanged(missionId, { status: 'expired', changedAt: clock(), deadline });
    await publishIntake(missionId, verdict);
    await waitForApplied(verdict.id);
    expect(await deadlineRow(missionId)).toMatchObject({ ...pick(expired!), verdict_status: 'expired' });
    await waitForCronSweepAfter(clock());
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(1);
  });

  it('does not run again when mission-intake puts an expired mission back under analysis (an on-time close learnt late)', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await waitForStatus(missionId, 'running');
    advance(60_000 + (GRACE_SECONDS + 5) * 1000);
    await waitForStatus(missionId, 'expired');
    const expired = await deadlineRow(missionId);

    const voided = missionStatusChanged(missionId, { status: 'under_analysis', previousStatus: 'expired', changedAt: clock(), deadline });
    await publishIntake(missionId, voided);
    await waitForApplied(voided.id);
    await waitForCronSweepAfter(clock());
    expect(await deadlineRow(missionId)).toMatchObject({ ...pick(expired!), verdict_status: 'under_analysis' });
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(1);
  });
});

describe('expiry runs for ops', () => {
  it('runs a sweep on request and lists it with the cron runs, most recent first', async () => {
    const started = await request('POST', '/v1/expiry-runs', { token: ops });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ trigger: 'manual', status: 'completed', error: null });
    expect(started.json.durationMs).toEqual(expect.any(Number));

    const list = await request('GET', '/v1/expiry-runs?limit=100', { token: ops });
    expect(list.status).toBe(200);
    expect(list.json.items.some((run: { id: string }) => run.id === started.json.id)).toBe(true);
    const times = list.json.items.map((run: { startedAt: string }) => Date.parse(run.startedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('answers at once and lets the sweep go on when asked not to wait', async () => {
    const response = await request('POST', '/v1/expiry-runs?wait=false', { token: ops });
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ trigger: 'manual', status: 'running' });
    await waitFor(async () => (await request('GET', '/v1/expiry-runs?limit=100', { token: ops })).json.items.find((r: { id: string; status: string }) => r.id === response.json.id && r.status === 'completed'), {
      message: 'the background run to complete',
    });
  });

  it('pages the history with an opaque cursor', async () => {
    const first = await request('GET', '/v1/expiry-runs?limit=1', { token: ops });
    expect(first.json.items).toHaveLength(1);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await request('GET', `/v1/expiry-runs?limit=1&cursor=${first.json.nextCursor}`, { token: ops });
    expect(second.json.items).toHaveLength(1);
    expect(second.json.items[0].id).not.toBe(first.json.items[0].id);
    const bad = await request('GET', '/v1/expiry-runs?cursor=not-a-cursor', { token: ops });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('invalid_cursor');
  });

  it('refuses callers without a token, and roles other than ops', async () => {
    expect((await request('GET', '/v1/expiry-runs')).status).toBe(401);
    const garage = await token({ role: 'garage', org: 'GAR-1' });
    expect((await request('GET', '/v1/expiry-runs', { token: garage })).status).toBe(403);
    expect((await request('POST', '/v1/expiry-runs', { token: garage })).status).toBe(403);
  });

  it('publishes both routes, for ops, in its OpenAPI document', async () => {
    const docs = await request('GET', '/docs/json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.json.paths['/v1/expiry-runs'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(docs.json.paths['/v1/expiry-runs'].post.tags).toEqual(['expiry-runs']);
  });

  it('exposes deadlines pending, missions expired and run durations as metrics', async () => {
    const metrics = await request('GET', '/metrics');
    expect(metrics.text).toMatch(/^deadlines_pending\{[^}]*\} \d+/m);
    expect(metrics.text).toMatch(/^missions_expired_total\{[^}]*trigger="cron"[^}]*\} [1-9]/m);
    expect(metrics.text).toMatch(/^expiry_run_duration_seconds_count\{[^}]*\} [1-9]/m);
  });
});

describe('applying a batch', () => {
  it('gives the same rows as applying its events one at a time, in a few statements for the whole batch', async () => {
    const spec = deadlineConsumer(service.ctx.logger);
    const now = clock();
    const deadline = new Date(now.getTime() + 86_400_000);
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    const extended = new Date(deadline.getTime() + 86_400_000);
    const respondBy = new Date(deadline.getTime() + 2 * 86_400_000);
    // The same story for two sets of missions: received; received then settled; settled before
    // received; settled twice; information requested, the older verdict heard of last; extended.
    const story = (ids: string[]) => [
      missionReceived(ids[0]!, deadline, now),
      missionReceived(ids[1]!, deadline, now),
      missionStatusChanged(ids[1]!, { status: 'under_analysis', changedAt: later(1), deadline }),
      missionStatusChanged(ids[2]!, { status: 'cancelled', changedAt: later(2), deadline }),
      missionReceived(ids[2]!, deadline, now),
      missionStatusChanged(ids[3]!, { status: 'abandoned', changedAt: later(3), deadline }),
      missionStatusChanged(ids[3]!, { status: 'cancelled', changedAt: later(4), deadline }),
      missionReceived(ids[4]!, deadline, now),
      missionStatusChanged(ids[4]!, { status: 'information_requested', previousStatus: 'under_analysis', changedAt: later(6), deadline: respondBy }),
      missionStatusChanged(ids[4]!, { status: 'under_analysis', changedAt: later(5), deadline }),
      missionReceived(ids[5]!, deadline, now),
      missionStatusChanged(ids[5]!, { status: 'new', previousStatus: 'new', changedAt: later(7), deadline: extended }),
    ] as unknown as DomainEvent[];
    const batchIds = Array.from({ length: 6 }, newMissionId);
    const oneByOneIds = Array.from({ length: 6 }, newMissionId);

    let statements = 0;
    await withTransaction(service.ctx.pool, async (tx) => {
      const counted = { query: (...args: Parameters<typeof tx.query>) => ((statements += 1), tx.query(...args)) } as unknown as typeof tx;
      await spec.applyBatch!(counted, story(batchIds));
    });
    await withTransaction(service.ctx.pool, async (tx) => {
      for (const event of story(oneByOneIds)) await (spec.handlers[event.type] as (t: typeof tx, e: DomainEvent) => Promise<void>)(tx, event);
    });

    const rows = async (ids: string[]) =>
      Promise.all(
        ids.map(async (id) => {
          const { rows: [row] } = await service.ctx.pool.query(
            'SELECT status, deadline, verdict_status, verdict_at, warned_at, expired_at FROM deadlines WHERE mission_id = $1',
            [id],
          );
          return row;
        }),
      );
    expect(await rows(batchIds)).toEqual(await rows(oneByOneIds));
    expect((await rows(batchIds)).map((r) => [r.status, r.verdict_status, r.deadline])).toEqual([
      ['running', null, deadline],
      ['settled', 'under_analysis', deadline],
      ['settled', 'cancelled', deadline],
      ['awaiting_mission', 'cancelled', deadline],
      ['running', 'information_requested', respondBy],
      ['running', 'new', extended],
    ]);
    expect(statements).toBe(3);
  });
});
