import type { MissionStatus } from '@smart-expertise/contracts';
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { DeadlineState, DeadlineStatus } from '../domain/deadline.ts';
import { initialState } from '../domain/deadline.ts';

interface DeadlineRow {
  mission_id: string;
  status: DeadlineStatus;
  deadline: string | null;
  received_event_id: string | null;
  verdict_status: MissionStatus | null;
  verdict_at: string | null;
  verdict_sequence: number | null;
  warned_at: string | null;
  expired_at: string | null;
  expired_deadline: string | null;
}

const STATE_COLUMNS = 'mission_id, status, deadline, received_event_id, verdict_status, verdict_at, verdict_sequence, warned_at, expired_at, expired_deadline';

const date = (value: string | null) => (value === null ? null : new Date(value));

/**
 * The mission's row, locked for the rest of the transaction; created blank when the mission was
 * never heard of. Replicas handing a partition over may apply two events of one mission at once:
 * they serialise on the insert and the lock.
 */
export async function lockDeadline(tx: Tx, missionId: string): Promise<DeadlineState> {
  await tx.query("INSERT INTO deadlines (mission_id, status) VALUES ($1, 'awaiting_mission') ON CONFLICT (mission_id) DO NOTHING", [missionId]);
  const { rows } = await tx.query<DeadlineRow>(
    `SELECT ${STATE_COLUMNS} FROM deadlines WHERE mission_id = $1 FOR UPDATE`,
    [missionId],
  );
  const row = rows[0];
  return row ? stateOf(row) : initialState(missionId);
}

/**
 * lockDeadline for many missions in two statements: the rows created blank where missing, then all
 * locked in mission id order (two batches never wait on each other in a cycle).
 */
export async function lockDeadlines(tx: Tx, missionIds: readonly string[]): Promise<Map<string, DeadlineState>> {
  const ids = [...new Set(missionIds)].sort();
  await tx.query(
    "INSERT INTO deadlines (mission_id, status) SELECT id, 'awaiting_mission' FROM unnest($1::text[]) AS m(id) ORDER BY id ON CONFLICT (mission_id) DO NOTHING",
    [ids],
  );
  const { rows } = await tx.query<DeadlineRow>(
    `SELECT ${STATE_COLUMNS} FROM deadlines WHERE mission_id = ANY($1::text[]) ORDER BY mission_id FOR UPDATE`,
    [ids],
  );
  const states = new Map<string, DeadlineState>(ids.map((id) => [id, initialState(id)]));
  for (const row of rows) states.set(row.mission_id, stateOf(row));
  return states;
}

function stateOf(row: DeadlineRow): DeadlineState {
  return {
    missionId: row.mission_id,
    status: row.status,
    deadline: date(row.deadline),
    receivedEventId: row.received_event_id,
    verdictStatus: row.verdict_status,
    verdictAt: date(row.verdict_at),
    verdictSequence: row.verdict_sequence,
    warnedAt: date(row.warned_at),
    expiredAt: date(row.expired_at),
    expiredDeadline: date(row.expired_deadline),
  };
}

/**
 * The columns the consumer writes. Of the sweep's, only `warned_at`, which a new deadline clears
 * (the row is locked: no sweep warns in between); never expired_at, expired_deadline or run_id.
 */
const FACT_COLUMNS: ReadonlyArray<readonly [column: string, value: (state: DeadlineState) => string | number | Date | null]> = [
  ['status', (s) => s.status],
  ['deadline', (s) => s.deadline],
  ['received_event_id', (s) => s.receivedEventId],
  ['verdict_status', (s) => s.verdictStatus],
  ['verdict_at', (s) => s.verdictAt],
  ['verdict_sequence', (s) => s.verdictSequence],
  ['warned_at', (s) => s.warnedAt],
];

const same = (a: string | number | Date | null, b: string | number | Date | null) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

/**
 * Writes what the domain changed, and only that: `status` and `deadline` are indexed, and a
 * redelivery or a verdict after the expiry should cost no write at all (issue 18).
 */
export async function saveDeadline(tx: Tx, before: DeadlineState, after: DeadlineState): Promise<void> {
  const changed = FACT_COLUMNS.filter(([, value]) => !same(value(before), value(after)));
  if (changed.length === 0) return;
  const assignments = changed.map(([column], i) => `${column} = $${i + 2}`).join(', ');
  await tx.query(`UPDATE deadlines SET ${assignments}, updated_at = now() WHERE mission_id = $1`, [after.missionId, ...changed.map(([, value]) => value(after))]);
}

/** saveDeadline for many rows in one statement; rows the domain did not change are not written. */
export async function saveDeadlines(tx: Tx, changes: ReadonlyArray<{ before: DeadlineState; after: DeadlineState }>): Promise<void> {
  const changed = changes.filter(({ before, after }) => FACT_COLUMNS.some(([, value]) => !same(value(before), value(after)))).map((c) => c.after);
  if (changed.length === 0) return;
  await tx.query(
    `UPDATE deadlines d
        SET status = c.status, deadline = c.deadline, received_event_id = c.received_event_id,
            verdict_status = c.verdict_status, verdict_at = c.verdict_at, verdict_sequence = c.verdict_sequence,
            warned_at = c.warned_at, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::integer[])
            AS c(mission_id, status, deadline, received_event_id, verdict_status, verdict_at, warned_at, verdict_sequence)
      WHERE d.mission_id = c.mission_id`,
    [
      changed.map((s) => s.missionId),
      changed.map((s) => s.status),
      changed.map((s) => s.deadline),
      changed.map((s) => s.receivedEventId),
      changed.map((s) => s.verdictStatus),
      changed.map((s) => s.verdictAt),
      changed.map((s) => s.warnedAt),
      changed.map((s) => s.verdictSequence),
    ],
  );
}

export interface DueDeadline {
  missionId: string;
  deadline: Date;
  receivedEventId: string | null;
}

/**
 * Locks up to `limit` running deadlines before `cutoff`, oldest first. SKIP LOCKED: rows another
 * replica's batch holds are left to it, so replicas ticking together share the work and never
 * announce the same expiry twice (the row is 'expired' once that batch commits).
 */
export async function claimExpiryBatch(tx: Tx, cutoff: Date, limit: number): Promise<DueDeadline[]> {
  const { rows } = await tx.query<{ mission_id: string; deadline: string; received_event_id: string | null }>(
    `SELECT mission_id, deadline, received_event_id FROM deadlines
      WHERE status = 'running' AND deadline < $1
      ORDER BY deadline, mission_id
      LIMIT $2
      FOR UPDATE SKIP LOCKED`,
    [cutoff, limit],
  );
  return rows.map((r) => ({ missionId: r.mission_id, deadline: new Date(r.deadline), receivedEventId: r.received_event_id }));
}

/**
 * The rows' running deadline is expired: `expired_deadline` records which one, so that only a
 * verdict on another deadline makes the row run again (the fold's 'expired' fact, in SQL).
 */
export async function markExpired(tx: Tx, missionIds: string[], expiredAt: Date, runId: string): Promise<number> {
  const result = await tx.query(
    "UPDATE deadlines SET status = 'expired', expired_at = $2, expired_deadline = deadline, run_id = $3, updated_at = now() WHERE mission_id = ANY($1::text[]) AND status = 'running'",
    [missionIds, expiredAt, runId],
  );
  return result.rowCount ?? 0;
}

/** Running, not yet warned, deadline in (now, horizon]: same locking as the expiry batch. */
export async function claimWarningBatch(tx: Tx, now: Date, horizon: Date, limit: number): Promise<DueDeadline[]> {
  const { rows } = await tx.query<{ mission_id: string; deadline: string; received_event_id: string | null }>(
    `SELECT mission_id, deadline, received_event_id FROM deadlines
      WHERE status = 'running' AND warned_at IS NULL AND deadline > $1 AND deadline <= $2
      ORDER BY deadline, mission_id
      LIMIT $3
      FOR UPDATE SKIP LOCKED`,
    [now, horizon, limit],
  );
  return rows.map((r) => ({ missionId: r.mission_id, deadline: new Date(r.deadline), receivedEventId: r.received_event_id }));
}

export async function markWarned(tx: Tx, missionIds: string[], warnedAt: Date): Promise<number> {
  const result = await tx.query(
    "UPDATE deadlines SET warned_at = $2, updated_at = now() WHERE mission_id = ANY($1::text[]) AND status = 'running' AND warned_at IS NULL",
    [missionIds, warnedAt],
  );
  return result.rowCount ?? 0;
}

export async function countRunning(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM deadlines WHERE status = 'running'");
  return rows[0]?.n ?? 0;
}
