import type { BackgroundTask, ServiceContext } from '@smart-expertise/service-runtime';
import type { IntegrationsConfig } from './config.ts';
import { expire } from './store/feed.ts';

const EVERY_MS = 10 * 60_000;
const ROWS_PER_ROUND = 5_000;

/** Deletes feed events (and their deliveries) older than FEED_RETENTION_DAYS, a slice at a time. */
export function retentionTask(ctx: ServiceContext<IntegrationsConfig>): BackgroundTask {
  let timer: NodeJS.Timeout | null = null;
  let round: Promise<void> = Promise.resolve();
  const run = async () => {
    const before = new Date(ctx.clock().getTime() - ctx.config.FEED_RETENTION_DAYS * 86_400_000);
    try {
      for (;;) {
        const { events, pendingDropped } = await expire(ctx.pool, before, ROWS_PER_ROUND);
        if (pendingDropped > 0) ctx.logger.warn({ pendingDropped }, 'deliveries still pending at the end of the retention were dropped with their events');
        if (events < ROWS_PER_ROUND) return;
      }
    } catch (error) {
      ctx.logger.warn({ err: error }, 'feed retention round failed; next round in 10 minutes');
    }
  };
  return {
    async start() {
      timer = setInterval(() => (round = run()), EVERY_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await round;
    },
  };
}
