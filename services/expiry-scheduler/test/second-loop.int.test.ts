// The second loop against the real PostgreSQL and Kafka: deadlines that move (the insurer's
// extensions) and deadlines that run again (information requested). mission-intake's verdicts come
// through the broker; the sweeps are run by the tests at instants they choose (no cron), so that
// two of them can race on purpose. Each test owns its missions (unique ids) and reads its outbox rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type EventEnvelope } from '@smart-expertise/contracts';
import { publishRaw, testEnvironment, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildExpiryScheduler, sweep, type ExpiryScheduler } from '../src/index.ts';
import { missionReceived, missionStatusChanged } from './envelopes.ts';

const GRACE_SECONDS = 60;
const env = testEnvironment('expiry-scheduler', { EXPIRY_CRON_ENABLED: 'false', EXPIRY_GRACE_SECONDS: String(GRACE_SECONDS), DEADLINE_WARNING_HOURS: '24' });
const prefix = env.KAFKA_TOPIC_PREFIX!;
let service: ExpiryScheduler;
/** A second replica on the same schema, for sweeps only: its consumer and relay are not started. */
let replica: ExpiryScheduler;

beforeAll(async () => {
  service = await buildExpiryScheduler(env);
  await service.start();
  replica = await buildExpiryScheduler(env);
});

afterAll(async () => {
  await replica?.stop();
  await service?.stop();
});

const minute = 60_000;
const hour = 60 * minute;
const pastGrace = (deadline: Date) => new Date(deadline.getTime() + (GRACE_SECONDS + 1) * 1000);
const newMissionId = () => `m2-${uniqueSuffix()}`;
const db = () => service.ctx.pool;

async function publishIntake(missionId: string, ...events: EventEnvelope[]) {
  await publishRaw(prefix + Topics.missionIntake, events.map((value) => ({ key: missionId, value })));
}

/** The events went through the consumer (each inbox row commits with its effect). */
function waitForApplied(...events: EventEnvelope[]) {
  const ids = events.map((e) => e.id);
  return waitFor(async () => (await db().query('SELECT 1 FROM inbox WHERE event_id = ANY($1::uuid[])', [ids])).rowCount === ids.length, {
    message: `events ${ids.join(', ')} to be applied`,
  });
}

interface DeadlineRow {
  status: string;
  deadline: Date;
  warned_at: Date | null;
  expired_deadline: Date | null;
}

async function deadlineRow(missionId: string): Promise<DeadlineRow | undefined> {
  const { rows } = await db().query<DeadlineRow>('SELECT status, deadline, warned_at, expired_deadline FROM deadlines WHERE mission_id = $1', [missionId]);
  return rows[0];
}

/** The deadlines of the events of a type written for a mission, in the order they will be published. */
async function announced(missionId: string, type: 'mission.expired' | 'mission.deadline-approaching'): Promise<string[]> {
  const { rows } = await db().query<{ deadline: string }>("SELECT envelope->'payload'->>'deadline' AS deadline FROM outbox WHERE mission_id = $1 AND event_type = $2 ORDER BY seq", [missionId, type]);
  return rows.map((r) => r.deadline);
}

describe('an extension of the deadline', () => {
  it('learned after the sweep expired the old deadline, makes the mission expire again only at the new deadline', async () => {
    const missionId = newMissionId();
    const now = new Date();
    const deadline = new Date(now.getTime() + 30 * minute);
    const extended = new Date(now.getTime() + 3 * hour);
    await publishIntake(missionId, missionReceived(missionId, deadline, now));
    await waitFor(async () => (await deadlineRow(missionId))?.status === 'running', { message: 'the deadline to run' });

    // Warned, then expired on the deadline the scheduler knows: the extension has not reached it.
    await sweep(service.ctx, now);
    await sweep(service.ctx, pastGrace(deadline));
    expect(await deadlineRow(missionId)).toMatchObject({ status: 'expired', expired_deadline: deadline });
    expect(await announced(missionId, 'mission.expired')).toEqual([deadline.toISOString()]);

    // The insurer extended it before it passed (mission-intake voids that expiry): it runs again.
    const extension = missionStatusChanged(missionId, { status: 'new', previousStatus: 'new', changedAt: new Date(now.getTime() + 10 * minute), deadline: extended });
    await publishIntake(missionId, extension);
    await waitForApplied(extension);
    expect(await deadlineRow(missionId)).toMatchObject({ status: 'running', deadline: extended, warned_at: null, expired_deadline: deadline });

    // Not again on the old deadline, nor within the grace period of the new one; the new deadline gets its own reminder.
    await sweep(service.ctx, pastGrace(deadline));
    await sweep(service.ctx, new Date(extended.getTime() + 30_000));
    expect(await deadlineRow(missionId)).toMatchObject({ status: 'running', deadline: extended });
    expect(await announced(missionId, 'mission.deadline-approaching')).toEqual([deadline.toISOString(), extended.toISOString()]);

    const expiredAt = pastGrace(extended);
    const run = await sweep(service.ctx, expiredAt);
    expect(run.expiredCount).toBeGreaterThanOrEqual(1);
    expect(await deadlineRow(missionId)).toMatchObject({ status: 'expired', deadline: extended, expired_deadline: extended });
    expect(await announced(missionId, 'mission.expired')).toEqual([deadline.toISOString(), extended.toISOString()]);

    // Neither the extension redelivered nor mission-intake's verdict on the new deadline undoes it.
    const confirmed = missionStatusChanged(missionId, { status: 'expired', previousStatus: 'new', changedAt: expiredAt, deadline: extended });
    await publishIntake(missionId, extension, confirmed);
    await waitForApplied(confirmed);
    await sweep(service.ctx, new Date(expiredAt.getTime() + hour));
    expect(await deadlineRow(missionId)).toMatchObject({ status: 'expired', expired_deadline: extended });
    expect(await announced(missionId, 'mission.expired')).toEqual([deadline.toISOString(), extended.toISOString()]);
  });
});

describe('a request for information', () => {
  it('expires once at the answer’s due date, even with two sweeps racing', async () => {
    const now = new Date();
    const deadline = new Date(now.getTime() + 24 * hour);
    const respondBy = new Date(now.getTime() + 2 * hour);
    const missionIds = Array.from({ length: 4 }, newMissionId);
    const requests = new Map<string, EventEnvelope>();
    for (const missionId of missionIds) {
      const request = missionStatusChanged(missionId, { status: 'information_requested', previousStatus: 'under_analysis', changedAt: new Date(now.getTime() + 2 * minute), deadline: respondBy });
      requests.set(missionId, request);
      await publishIntake(
        missionId,
        missionReceived(missionId, deadline, now),
        missionStatusChanged(missionId, { status: 'under_analysis', changedAt: new Date(now.getTime() + minute), deadline }),
        request,
      );
    }
    await waitForApplied(...requests.values());
    for (const missionId of missionIds) expect(await deadlineRow(missionId)).toMatchObject({ status: 'running', deadline: respondBy });

    // Two replicas sweep at the same instant, one row per batch, so that their batches interleave.
    const at = pastGrace(respondBy);
    const runs = await Promise.all([sweep(service.ctx, at, { batchSize: 1 }), sweep(replica.ctx, at, { batchSize: 1 })]);
    expect(runs[0].expiredCount + runs[1].expiredCount).toBe(missionIds.length);
    for (const missionId of missionIds) {
      expect(await deadlineRow(missionId)).toMatchObject({ status: 'expired', expired_deadline: respondBy });
      expect(await announced(missionId, 'mission.expired')).toEqual([respondBy.toISOString()]);
    }

    // The request redelivered and mission-intake's verdict on the same due date change nothing; later sweeps find nothing.
    const confirmations = missionIds.map((missionId) => missionStatusChanged(missionId, { status: 'expired', previousStatus: 'information_requested', changedAt: at, deadline: respondBy }));
    for (const [i, missionId] of missionIds.entries()) await publishIntake(missionId, requests.get(missionId)!, confirmations[i]!);
    await waitForApplied(...confirmations);
    await Promise.all([sweep(service.ctx, new Date(at.getTime() + hour)), sweep(replica.ctx, new Date(at.getTime() + hour))]);
    for (const missionId of missionIds) {
      expect(await deadlineRow(missionId)).toMatchObject({ status: 'expired', expired_deadline: respondBy });
      expect(await announced(missionId, 'mission.expired')).toEqual([respondBy.toISOString()]);
    }
  });
});
