// One scheduler with a cron in seconds and a clock the tests move forward, fed through the real
// broker: the deadline's life from mission.received to its expiry, or to what prevents it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import { createEventProbe, httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildExpiryScheduler, type ExpiryScheduler } from '../src/index.ts';
import { missionAbandoned, missionReceived, quoteSubmitted } from './envelopes.ts';

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
const publishQuote = (missionId: string, value: object) => publishRaw(prefix + Topics.quote, [{ key: missionId, value: value as never }]);

async function deadlineRow(missionId: string) {
  const { rows } = await service.ctx.pool.query('SELECT status, warned_at, expired_at, run_id FROM deadlines WHERE mission_id = $1', [missionId]);
  return rows[0] as { status: string; warned_at: string | null; expired_at: string | null; run_id: string | null } | undefined;
}

function waitForStatus(missionId: string, status: string) {
  return waitFor(async () => (await deadlineRow(missionId))?.status === status, { message: `deadline of ${missionId} to be ${status}` });
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

    // Past the deadline but within the grace period: still waiting for a late quote.
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

  it('does not expire a mission whose quote was closed before the deadline', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await publishQuote(missionId, quoteSubmitted(missionId, new Date(deadline.getTime() - 60_000)));
    await waitForStatus(missionId, 'quote_closed');

    await waitForCronSweepAfter(advance(10 * 60_000 + (GRACE_SECONDS + 5) * 1000));
    expect((await deadlineRow(missionId))?.status).toBe('quote_closed');
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(0);
  });

  it('does not expire a mission the garage abandoned', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await publishIntake(missionId, missionAbandoned(missionId, clock()));
    await waitForStatus(missionId, 'abandoned');

    await waitForCronSweepAfter(advance(10 * 60_000 + (GRACE_SECONDS + 5) * 1000));
    expect((await deadlineRow(missionId))?.status).toBe('abandoned');
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(0);
  });

  it('does not start a deadline for a mission whose quote was heard of before the mission itself', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishQuote(missionId, quoteSubmitted(missionId, new Date(deadline.getTime() - 60_000)));
    await waitForStatus(missionId, 'awaiting_mission');
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await waitForStatus(missionId, 'quote_closed');

    await waitForCronSweepAfter(advance(10 * 60_000 + (GRACE_SECONDS + 5) * 1000));
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(0);
  });

  it('still expires a mission whose only quote was closed after the deadline', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 10 * 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await waitForStatus(missionId, 'running');
    const late = quoteSubmitted(missionId, new Date(deadline.getTime() + 30_000));
    await publishQuote(missionId, late);
    // The quote is applied (the inbox has it) and settles nothing.
    await waitFor(async () => (await service.ctx.pool.query('SELECT 1 FROM inbox WHERE event_id = $1', [late.id])).rowCount === 1, { message: 'the late quote to be applied' });
    expect((await deadlineRow(missionId))?.status).toBe('running');

    advance(10 * 60_000 + (GRACE_SECONDS + 5) * 1000);
    await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'mission.expired', 'mission.expired despite the late quote');
    expect(await outboxEvents(missionId, 'mission.expired')).toHaveLength(1);
  });

  it('does nothing more when a quote closed before the deadline arrives after the expiry', async () => {
    const missionId = newMissionId();
    const deadline = new Date(clock().getTime() + 60_000);
    await publishIntake(missionId, missionReceived(missionId, deadline, clock()));
    await waitForStatus(missionId, 'running');
    advance(60_000 + (GRACE_SECONDS + 5) * 1000);
    await waitForStatus(missionId, 'expired');

    const late = quoteSubmitted(missionId, new Date(deadline.getTime() - 1_000));
    await publishQuote(missionId, late);
    await waitFor(async () => (await service.ctx.pool.query('SELECT 1 FROM inbox WHERE event_id = $1', [late.id])).rowCount === 1, { message: 'the late quote to be applied' });
    await waitForCronSweepAfter(clock());
    expect((await deadlineRow(missionId))?.status).toBe('expired');
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
