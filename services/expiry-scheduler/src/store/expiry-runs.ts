import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { ExpiryRun, ExpiryRunStatus, ExpiryRunTrigger } from '@smart-expertise/contracts/http/expiry-scheduler';

interface RunRow {
  id: string;
  trigger: ExpiryRunTrigger;
  status: ExpiryRunStatus;
  started_at: string;
  finished_at: string | null;
  expired_count: number;
  warned_count: number;
  batches: number;
  duration_ms: number | null;
  error: string | null;
}

const COLUMNS = 'id, trigger, status, started_at, finished_at, expired_count, warned_count, batches, duration_ms, error';

function toRun(row: RunRow): ExpiryRun {
  return {
    id: row.id,
    trigger: row.trigger,
    status: row.status,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    expiredCount: row.expired_count,
    warnedCount: row.warned_count,
    batches: row.batches,
    durationMs: row.duration_ms,
    error: row.error,
  };
}

export async function insertRun(pool: Pool, run: { id: string; trigger: ExpiryRunTrigger; startedAt: Date }): Promise<ExpiryRun> {
  const { rows } = await pool.query<RunRow>(
    `INSERT INTO expiry_runs (id, trigger, status, started_at) VALUES ($1, $2, 'running', $3) RETURNING ${COLUMNS}`,
    [run.id, run.trigger, run.startedAt],
  );
  return toRun(rows[0]!);
}

/** In the batch's own transaction: the run's counts are exactly what was committed. */
export async function recordBatch(tx: Tx, runId: string, progress: { expired: number; warned: number }): Promise<void> {
  await tx.query(
    `UPDATE expiry_runs
        SET expired_count = expired_count + $2, warned_count = warned_count + $3, batches = batches + 1, heartbeat_at = now()
      WHERE id = $1`,
    [runId, progress.expired, progress.warned],
  );
}

export async function finishRun(
  pool: Pool,
  runId: string,
  outcome: { status: 'completed' | 'failed'; finishedAt: Date; durationMs: number; error?: string },
): Promise<ExpiryRun> {
  const { rows } = await pool.query<RunRow>(
    `UPDATE expiry_runs SET status = $2, finished_at = $3, duration_ms = $4, error = $5, heartbeat_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [runId, outcome.status, outcome.finishedAt, Math.round(outcome.durationMs), outcome.error ?? null],
  );
  return toRun(rows[0]!);
}

/**
 * Runs still 'running' without a committed batch for `staleSeconds` died with their process (a
 * batch takes seconds): mark them failed so the history does not show them running forever.
 */
export async function failStaleRuns(pool: Pool, staleSeconds: number): Promise<number> {
  const result = await pool.query(
    `UPDATE expiry_runs SET status = 'failed', error = 'interrupted: no progress recorded for ' || $1::int || ' s (the process stopped mid-sweep; the next sweep finished its work)'
      WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1::int)`,
    [staleSeconds],
  );
  return result.rowCount ?? 0;
}

export async function getRun(pool: Pool, runId: string): Promise<ExpiryRun | null> {
  const { rows } = await pool.query<RunRow>(`SELECT ${COLUMNS} FROM expiry_runs WHERE id = $1`, [runId]);
  return rows[0] ? toRun(rows[0]) : null;
}

export interface RunCursor {
  startedAt: string;
  id: string;
}

/** Most recent first, keyset-paginated on (started_at, id). */
export async function listRuns(pool: Pool, { limit, after }: { limit: number; after: RunCursor | null }): Promise<{ items: ExpiryRun[]; next: RunCursor | null }> {
  const { rows } = after
    ? await pool.query<RunRow>(
        `SELECT ${COLUMNS} FROM expiry_runs WHERE (started_at, id) < ($1::timestamptz, $2::uuid) ORDER BY started_at DESC, id DESC LIMIT $3`,
        [after.startedAt, after.id, limit + 1],
      )
    : await pool.query<RunRow>(`SELECT ${COLUMNS} FROM expiry_runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit + 1]);
  const items = rows.slice(0, limit).map(toRun);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { startedAt: last.startedAt, id: last.id } : null };
}
