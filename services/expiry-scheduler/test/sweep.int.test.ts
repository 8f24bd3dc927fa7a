// What a sweep selects, against the real PostgreSQL: the SQL of store/deadlines.ts driven by
// events/sweep.ts, at an instant the test chooses. No cron and no relay: the sweep writes its
// events to the outbox, which is what the tests read. The file owns its schema, and each test
// starts from an empty deadlines table so that a selection sees only the rows it seeded.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTransaction } from '@smart-expertise/service-runtime';
import { testEnvironment } from '@smart-expertise/service-runtime/testing';
import { buildExpiryScheduler, sweep, type ExpiryScheduler } from '../src/index.ts';
import { claimExpiryBatch } from '../src/store/deadlines.ts';

const GRACE_SECONDS = 120;
const env = testEnvironment('expiry-scheduler', { EXPIRY_CRON_ENABLED: 'false', EXPIRY_GRACE_SECONDS: String(GRACE_SECONDS), DEADLINE_WARNING_HOURS: '24' });
let service: ExpiryScheduler;

beforeAll(async () => {
  service = await buildExpiryScheduler(env);
  await service.migrate();
});

afterAll(async () => {
  await service?.stop();
});

const db = () => service.ctx.pool;
const now = new Date('2026-03-31T12:00:00Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
const hour = 3_600_000;

interface Seed {
  missionId: string;
  deadline: Date | null;
  status?: 'awaiting_mission' | 'running' | 'settled' | 'expired';
  warnedAt?: Date;
}

async function seed(...rows: Seed[]): Promise<void> {
  for (const row of rows) {
    const status = row.status ?? 'running';
    await db().query(
      `INSERT INTO deadlines (mission_id, status, deadline, warned_at, verdict_status, verdict_at, expired_at, expired_deadline, run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        row.missionId,
        status,
        row.deadline,
        row.warnedAt ?? null,
        status === 'settled' ? 'under_analysis' : null,
        status === 'settled' ? at(-10 * hour) : null,
        status === 'expired' ? at(-hour) : null,
        status === 'expired' ? row.deadline : null,
        status === 'expired' ? '00000000-0000-4000-8000-0000000000ee' : null,
      ],
    );
  }
}

async function statuses(): Promise<Record<string, string>> {
  const { rows } = await db().query<{ mission_id: string; status: string }>('SELECT mission_id, status FROM deadlines');
  return Object.fromEntries(rows.map((r) => [r.mission_id, r.status]));
}

/** The missions an event type was written to the outbox for, in the order the relay publishes them. */
async function announced(type: string): Promise<string[]> {
  const { rows } = await db().query<{ mission_id: string }>('SELECT mission_id FROM outbox WHERE event_type = $1 AND mission_id LIKE $2 ORDER BY seq', [type, `${prefix}%`]);
  return rows.map((r) => r.mission_id.slice(prefix.length));
}

// A selection sees only this test's rows; the outbox is kept, so its rows are told apart by a
// mission id prefix unique to the test.
let prefix = '';
let testNo = 0;
beforeEach(async () => {
  await db().query('DELETE FROM deadlines');
  testNo += 1;
  prefix = `s${testNo}-`;
});
const id = (name: string) => prefix + name;

describe('what a sweep expires', () => {
  it('expires a running deadline only once it passed more than the grace period ago', async () => {
    await seed(
      { missionId: id('past-grace'), deadline: at(-GRACE_SECONDS * 1000 - 1) },
      { missionId: id('at-grace'), deadline: at(-GRACE_SECONDS * 1000) },
      { missionId: id('within-grace'), deadline: at(-5_000) },
      { missionId: id('ahead'), deadline: at(hour) },
    );
    const run = await sweep(service.ctx, now);
    expect(run).toMatchObject({ status: 'completed', expiredCount: 1 });
    expect(await statuses()).toEqual({ [id('past-grace')]: 'expired', [id('at-grace')]: 'running', [id('within-grace')]: 'running', [id('ahead')]: 'running' });
    expect(await announced('mission.expired')).toEqual(['past-grace']);
  });

  it('never expires a settled deadline, an expired one again, or one whose mission is unknown', async () => {
    const longAgo = at(-48 * hour);
    await seed(
      { missionId: id('settled'), deadline: longAgo, status: 'settled' },
      { missionId: id('expired'), deadline: longAgo, status: 'expired' },
      { missionId: id('awaiting'), deadline: null, status: 'awaiting_mission' },
    );
    const run = await sweep(service.ctx, now);
    expect(run.expiredCount).toBe(0);
    expect(await statuses()).toEqual({ [id('settled')]: 'settled', [id('expired')]: 'expired', [id('awaiting')]: 'awaiting_mission' });
    expect(await announced('mission.expired')).toEqual([]);
  });

  it('records which deadline it expired, and expires a deadline that runs again after an expiry on its new deadline', async () => {
    const first = at(-48 * hour);
    const moved = at(-hour);
    await seed({ missionId: id('once'), deadline: at(-hour) });
    // Expired once on `first`, then running again on a later deadline (an extension learned late).
    await db().query(
      `INSERT INTO deadlines (mission_id, status, deadline, expired_at, expired_deadline, run_id)
       VALUES ($1, 'running', $2, $3, $4, '00000000-0000-4000-8000-0000000000ee')`,
      [id('again'), moved, at(-47 * hour), first],
    );
    const run = await sweep(service.ctx, now);
    expect(run.expiredCount).toBe(2);
    const { rows } = await db().query<{ mission_id: string; expired_deadline: Date; run_id: string }>('SELECT mission_id, expired_deadline, run_id FROM deadlines ORDER BY mission_id');
    expect(rows).toEqual([
      { mission_id: id('again'), expired_deadline: moved, run_id: run.id },
      { mission_id: id('once'), expired_deadline: at(-hour), run_id: run.id },
    ]);
  });

  it('takes due deadlines oldest first, then by mission id, up to the batch size', async () => {
    await seed(
      { missionId: id('b'), deadline: at(-200_000) },
      { missionId: id('c'), deadline: at(-500_000) },
      { missionId: id('a'), deadline: at(-200_000) },
      { missionId: id('d'), deadline: at(-10_000) },
    );
    const cutoff = at(-GRACE_SECONDS * 1000);
    const first = await withTransaction(db(), (tx) => claimExpiryBatch(tx, cutoff, 2));
    expect(first.map((row) => row.missionId)).toEqual([id('c'), id('a')]);

    const batches: number[] = [];
    const run = await sweep(service.ctx, now, { batchSize: 2, afterBatch: ({ kind, count }) => void (kind === 'expiry' && batches.push(count)) });
    expect(batches).toEqual([2, 1]);
    expect(run).toMatchObject({ expiredCount: 3, batches: 2 });
    expect(await announced('mission.expired')).toEqual(['c', 'a', 'b']);
  });

  it('leaves the rows another sweep holds to it (SKIP LOCKED)', async () => {
    await seed({ missionId: id('a'), deadline: at(-300_000) }, { missionId: id('b'), deadline: at(-200_000) }, { missionId: id('c'), deadline: at(-150_000) });
    const cutoff = at(-GRACE_SECONDS * 1000);
    const [held, rest] = await withTransaction(db(), async (tx) => {
      const mine = await claimExpiryBatch(tx, cutoff, 2);
      const others = await withTransaction(db(), (other) => claimExpiryBatch(other, cutoff, 10));
      return [mine, others];
    });
    expect(held.map((row) => row.missionId)).toEqual([id('a'), id('b')]);
    expect(rest.map((row) => row.missionId)).toEqual([id('c')]);
  });
});

describe('what a sweep warns about', () => {
  it('warns about a running deadline ahead, up to the warning horizon included', async () => {
    await seed(
      { missionId: id('soon'), deadline: at(60_000) },
      { missionId: id('at-horizon'), deadline: at(24 * hour) },
      { missionId: id('beyond-horizon'), deadline: at(24 * hour + 1) },
      { missionId: id('now'), deadline: now },
      { missionId: id('settled'), deadline: at(hour), status: 'settled' },
    );
    const run = await sweep(service.ctx, now);
    expect(run).toMatchObject({ warnedCount: 2, expiredCount: 0 });
    expect(await announced('mission.deadline-approaching')).toEqual(['soon', 'at-horizon']);
  });

  it('warns once only', async () => {
    await seed({ missionId: id('warned'), deadline: at(hour), warnedAt: at(-hour) }, { missionId: id('fresh'), deadline: at(2 * hour) });
    expect((await sweep(service.ctx, now)).warnedCount).toBe(1);
    expect((await sweep(service.ctx, now)).warnedCount).toBe(0);
    expect(await announced('mission.deadline-approaching')).toEqual(['fresh']);
  });

  it('warns about nothing when DEADLINE_WARNING_HOURS is 0', async () => {
    const silent = await buildExpiryScheduler({ ...env, DEADLINE_WARNING_HOURS: '0' });
    try {
      await seed({ missionId: id('soon'), deadline: at(60_000) });
      expect((await sweep(silent.ctx, now)).warnedCount).toBe(0);
      expect(await announced('mission.deadline-approaching')).toEqual([]);
    } finally {
      await silent.stop();
    }
  });
});
