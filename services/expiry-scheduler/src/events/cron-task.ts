import cron, { type ScheduledTask } from 'node-cron';
import type { BackgroundTask } from '@smart-expertise/service-runtime';
import type { ExpiryRun } from '@smart-expertise/contracts/http/expiry-scheduler';
import { sweep, type SchedulerContext, type SweepOptions } from './sweep.ts';

/**
 * Sweeps in flight in this process (cron and POST), so that stopping the service waits for them
 * rather than cutting a batch (which would be harmless, but noisier).
 */
export class SweepRunner {
  private readonly inFlight = new Set<Promise<unknown>>();
  constructor(private readonly ctx: SchedulerContext) {}

  run(options: SweepOptions): Promise<ExpiryRun> {
    const running = sweep(this.ctx, this.ctx.clock(), options);
    const tracked = running.catch(() => {}).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return running;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * The schedule: EXPIRY_CRON (seconds allowed). noOverlap: a tick while this process is still
 * sweeping is skipped. Other replicas ticking at the same moment are safe: batches lock their rows
 * with SKIP LOCKED, so each deadline is expired by exactly one of them.
 */
export function expiryCronTask(ctx: SchedulerContext, runner: SweepRunner): BackgroundTask {
  let task: ScheduledTask | null = null;
  return {
    async start() {
      if (!ctx.config.EXPIRY_CRON_ENABLED) {
        ctx.logger.info('expiry cron disabled (EXPIRY_CRON_ENABLED=false)');
        return;
      }
      task = cron.schedule(
        ctx.config.EXPIRY_CRON,
        async () => {
          try {
            await runner.run({ trigger: 'cron' });
          } catch {
            // Logged and recorded by the sweep; the next tick tries again.
          }
        },
        { name: `expiry-sweep-${ctx.schema}`, noOverlap: true, suppressMissedWarning: true },
      );
      ctx.logger.info({ cron: ctx.config.EXPIRY_CRON }, 'expiry cron scheduled');
    },
    async stop() {
      const scheduled = task;
      task = null;
      if (scheduled) {
        await scheduled.stop();
        await scheduled.destroy();
      }
      await runner.drain();
    },
  };
}
