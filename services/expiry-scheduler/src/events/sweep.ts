import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { withTransaction, type ServiceContext } from '@smart-expertise/service-runtime';
import type { ExpiryRun, ExpiryRunTrigger } from '@smart-expertise/contracts/http/expiry-scheduler';
import type { ExpiryConfig } from '../config.ts';
import { expiryCutoff, warningHorizon } from '../domain/sweep-window.ts';
import { claimExpiryBatch, claimWarningBatch, markExpired, markWarned } from '../store/deadlines.ts';
import { failStaleRuns, finishRun, insertRun, recordBatch } from '../store/expiry-runs.ts';
import { expiryMetrics } from '../metrics.ts';

export type SchedulerContext = ServiceContext<ExpiryConfig>;

export interface SweepOptions {
  trigger?: ExpiryRunTrigger;
  /** Overrides EXPIRY_BATCH_SIZE. */
  batchSize?: number;
  /** Called once the run is recorded, before any batch: lets POST answer without waiting. */
  onStarted?: (run: ExpiryRun) => void;
  /** Test seam: runs after each batch committed (a crash here must leave nothing half done). */
  afterBatch?: (batch: { kind: 'expiry' | 'warning'; batch: number; count: number }) => Promise<void> | void;
}

/** A run without a committed batch for this long is taken for dead (a batch takes seconds). */
const STALE_RUN_SECONDS = 15 * 60;

/**
 * One sweep, decided against the instant `now`:
 * 1. expiries: repeat { one transaction: lock up to a batch of running deadlines that passed more
 *    than the grace period ago (SKIP LOCKED), write one mission.expired each to the outbox, mark
 *    them expired } until a batch comes back empty;
 * 2. warnings: the same for running deadlines within DEADLINE_WARNING_HOURS not yet warned.
 * Each batch commits its rows, its events and the run's counts together: a sweep killed midway
 * leaves whole batches only, and the next sweep takes the rest. Memory holds one batch at a time.
 */
export async function sweep(ctx: SchedulerContext, now: Date, options: SweepOptions = {}): Promise<ExpiryRun> {
  const { config, pool, outbox, logger } = ctx;
  const trigger = options.trigger ?? 'manual';
  const batchSize = options.batchSize ?? config.EXPIRY_BATCH_SIZE;
  const metrics = expiryMetrics(ctx);
  const runId = randomUUID();
  const log = logger.child({ runId, trigger });
  const started = performance.now();

  await failStaleRuns(pool, STALE_RUN_SECONDS).catch((error) => log.warn({ err: error }, 'could not close stale expiry runs'));
  const run = await insertRun(pool, { id: runId, trigger, startedAt: now });
  options.onStarted?.(run);
  log.info({ now: now.toISOString(), graceSeconds: config.EXPIRY_GRACE_SECONDS, batchSize }, 'expiry sweep started');

  let expired = 0;
  let warned = 0;
  let batch = 0;
  try {
    const cutoff = expiryCutoff(now, config.EXPIRY_GRACE_SECONDS);
    for (;;) {
      const count = await withTransaction(pool, async (tx) => {
        const due = await claimExpiryBatch(tx, cutoff, batchSize);
        if (due.length === 0) return 0;
        await outbox.appendMany(
          tx,
          due.map((row) => ({
            type: 'mission.expired' as const,
            missionId: row.missionId,
            payload: { deadline: row.deadline.toISOString(), expiredAt: now.toISOString(), runId },
            correlationId: runId,
            causationId: row.receivedEventId,
            occurredAt: now,
          })),
        );
        const updated = await markExpired(tx, due.map((r) => r.missionId), now, runId);
        // The rows are locked by this transaction: anything else means a broken invariant, not a race.
        if (updated !== due.length) throw new Error(`expired ${updated} of ${due.length} locked deadlines`);
        await recordBatch(tx, runId, { expired: due.length, warned: 0 });
        return due.length;
      });
      if (count === 0) break;
      batch += 1;
      expired += count;
      metrics.missionsExpired.inc({ trigger }, count);
      metrics.batchesCommitted.inc({ kind: 'expiry' });
      log.info({ batch, kind: 'expiry', batchCount: count, expiredSoFar: expired }, 'expiry batch committed');
      await options.afterBatch?.({ kind: 'expiry', batch, count });
    }

    if (config.DEADLINE_WARNING_HOURS > 0) {
      const horizon = warningHorizon(now, config.DEADLINE_WARNING_HOURS);
      for (;;) {
        const count = await withTransaction(pool, async (tx) => {
          const due = await claimWarningBatch(tx, now, horizon, batchSize);
          if (due.length === 0) return 0;
          await outbox.appendMany(
            tx,
            due.map((row) => ({
              type: 'mission.deadline-approaching' as const,
              missionId: row.missionId,
              payload: { deadline: row.deadline.toISOString(), notifiedAt: now.toISOString() },
              correlationId: runId,
              causationId: row.receivedEventId,
              occurredAt: now,
            })),
          );
          const updated = await markWarned(tx, due.map((r) => r.missionId), now);
          if (updated !== due.length) throw new Error(`warned ${updated} of ${due.length} locked deadlines`);
          await recordBatch(tx, runId, { expired: 0, warned: due.length });
          return due.length;
        });
        if (count === 0) break;
        batch += 1;
        warned += count;
        metrics.deadlineWarnings.inc({ trigger }, count);
        metrics.batchesCommitted.inc({ kind: 'warning' });
        log.info({ batch, kind: 'warning', batchCount: count, expiredSoFar: expired, warnedSoFar: warned }, 'warning batch committed');
        await options.afterBatch?.({ kind: 'warning', batch, count });
      }
    }
  } catch (error) {
    const durationMs = performance.now() - started;
    metrics.runDuration.observe({ trigger, status: 'failed' }, durationMs / 1000);
    log.error({ err: error, expiredSoFar: expired, warnedSoFar: warned }, 'expiry sweep failed; committed batches stand, the next sweep takes the rest');
    const failed = await finishRun(pool, runId, { status: 'failed', finishedAt: new Date(now.getTime() + durationMs), durationMs, error: (error as Error).message }).catch(() => null);
    throw Object.assign(error as Error, { run: failed });
  }

  const durationMs = performance.now() - started;
  metrics.runDuration.observe({ trigger, status: 'completed' }, durationMs / 1000);
  const finished = await finishRun(pool, runId, { status: 'completed', finishedAt: new Date(now.getTime() + durationMs), durationMs });
  log.info({ expired, warned, batches: batch, durationMs: Math.round(durationMs) }, 'expiry sweep completed');
  return finished;
}
