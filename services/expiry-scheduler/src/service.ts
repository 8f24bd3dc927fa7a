import { fileURLToPath } from 'node:url';
import { Topics } from '@smart-expertise/contracts';
import { createService, type Migrations } from '@smart-expertise/service-runtime';
import type { Logger } from 'pino';
import { loadExpiryConfig } from './config.ts';
import { deadlineConsumer } from './events/consumers.ts';
import { SweepRunner, expiryCronTask } from './events/cron-task.ts';
import { expiryRunRoutes } from './http/expiry-runs.ts';
import { expiryMetrics } from './metrics.ts';


/** Where this service's migrations are: `main.js migrate` runs them without building the rest. */
export const migrations: Migrations = { service: 'expiry-scheduler', dir: fileURLToPath(new URL('../migrations', import.meta.url)) };

export interface BuildOptions {
  clock?: () => Date;
  logger?: Logger;
}

/** The expiry-scheduler: keeps the running deadlines and expires the missed ones exactly once. */
export async function buildExpiryScheduler(env: Record<string, string | undefined>, options: BuildOptions = {}) {
  const config = loadExpiryConfig(env);
  let runner: SweepRunner | undefined;
  return createService({
    name: 'expiry-scheduler',
    description:
      'Keeps the deadlines of Smart Expertise missions still running, warns before they pass, and turns a missed one into a classic expertise (mission.expired), exactly once however many replicas tick.',
    config,
    migrationsDir: migrations.dir,
    topics: [Topics.missionIntake, Topics.expiryScheduler],
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    routes(app, ctx) {
      expiryMetrics(ctx);
      runner = new SweepRunner(ctx);
      expiryRunRoutes(app, ctx, runner);
    },
    consumers: (ctx) => [deadlineConsumer(ctx.logger)],
    background: (ctx) => [expiryCronTask(ctx, runner ?? new SweepRunner(ctx))],
  });
}

export type ExpiryScheduler = Awaited<ReturnType<typeof buildExpiryScheduler>>;
