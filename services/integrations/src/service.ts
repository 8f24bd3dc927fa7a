import { fileURLToPath } from 'node:url';
import { Topics } from '@smart-expertise/contracts';
import { createService, type Migrations } from '@smart-expertise/service-runtime';
import type { Logger } from 'pino';
import { loadIntegrationsConfig } from './config.ts';
import { createPoster, type Poster } from './delivery/post.ts';
import { DeliverySender } from './delivery/sender.ts';
import { integrationsConsumer } from './events/consumers.ts';
import { feedRoutes } from './http/feed.ts';
import { subscriptionRoutes } from './http/subscriptions.ts';
import { retentionTask } from './retention.ts';
import { backlog } from './store/deliveries.ts';


/** Where this service's migrations are: `main.js migrate` runs them without building the rest. */
export const migrations: Migrations = { service: 'integrations', dir: fileURLToPath(new URL('../migrations', import.meta.url)) };

export interface BuildOptions {
  clock?: () => Date;
  logger?: Logger;
  /** Tests observe or replace what goes over the network. */
  poster?: Poster;
}

/** The integrations service: webhook subscriptions, signed deliveries, and the feed of public events. */
export async function buildIntegrations(env: Record<string, string | undefined>, options: BuildOptions = {}) {
  const config = loadIntegrationsConfig(env);
  let sender: DeliverySender | undefined;
  const wake = () => sender?.wake();
  return createService({
    name: 'integrations',
    description:
      'Pushes the public events of the Smart Expertise procedure to integrators: webhook subscriptions per organisation, deliveries signed to the Standard Webhooks specification with retries, and a replayable feed.',
    config,
    migrationsDir: migrations.dir,
    topics: [Topics.missionIntake, Topics.quote, Topics.expertReview],
    // It tells integrators over HTTPS, never another service: its Kafka user reads only.
    publishes: false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    routes(app, ctx) {
      const outcomes = ctx.metrics.counter('webhook_deliveries_total', 'Webhook delivery attempts by outcome (delivered, retry, given_up)', ['outcome']);
      sender = new DeliverySender({
        pool: ctx.pool,
        logger: ctx.logger,
        poster: options.poster ?? createPoster({ allowed: config.allowedNetworks, timeoutMs: config.WEBHOOK_TIMEOUT_MS, perOrigin: config.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION }),
        secretsKey: config.secretsKey,
        retryDelaysMs: config.retryDelaysMs,
        concurrency: config.WEBHOOK_CONCURRENCY,
        perSubscription: config.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        pollMs: config.WEBHOOK_POLL_MS,
        clock: ctx.clock,
        onOutcome: (outcome) => outcomes.inc({ outcome }),
      });
      ctx.metrics.gauge('webhook_deliveries_pending', 'Deliveries of enabled subscriptions not yet delivered', async () => (await backlog(ctx.pool)).pending);
      ctx.metrics.gauge('webhook_oldest_pending_seconds', 'Age of the oldest delivery due and not yet delivered, enabled subscriptions', async () => (await backlog(ctx.pool)).oldestDueSeconds);
      subscriptionRoutes(app, ctx, wake);
      feedRoutes(app, ctx);
    },
    consumers: () => [integrationsConsumer(wake)],
    background: (ctx) => [sender!, retentionTask(ctx)],
  });
}

export type Integrations = Awaited<ReturnType<typeof buildIntegrations>>;
