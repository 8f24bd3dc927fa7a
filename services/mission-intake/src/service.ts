import { fileURLToPath } from 'node:url';
import { Topics } from '@smart-expertise/contracts';
import { createService, type Migrations } from '@smart-expertise/service-runtime';
import { loadMissionIntakeConfig } from './config.ts';
import { lifecycleConsumers } from './events/consumers.ts';
import { boardRoutes } from './http/board.ts';
import { missionRoutes } from './http/missions.ts';
import { policyRoutes } from './http/policies.ts';
import { auditRoutes } from './http/audit.ts';
import type { Logger } from 'pino';


/** Where this service's migrations are: `main.js migrate` runs them without building the rest. */
export const migrations: Migrations = { service: 'mission-intake', dir: fileURLToPath(new URL('../migrations', import.meta.url)) };

export interface BuildOptions {
  /** Time comes in: tests fix it so that deadlines computed from the policy are known. */
  clock?: () => Date;
  /** Tests capture the logs (redaction checks). */
  logger?: Logger;
}

/** The mission-intake service: missions, insurer policies, the lifecycle state, board and tracking. */
export async function buildMissionIntake(env: Record<string, string | undefined>, options: BuildOptions = {}) {
  const config = loadMissionIntakeConfig(env);
  return createService({
    name: 'mission-intake',
    description: "Deposit of Smart Expertise missions, their lifecycle and tracking, the garage's board and the insurers' policies.",
    config,
    migrationsDir: migrations.dir,
    topics: [Topics.missionIntake, Topics.quote, Topics.expertReview, Topics.expiryScheduler],
    routes: (app, ctx) => {
      ctx.metrics.gauge('missions', 'Missions by lifecycle status', async () => {
        const { rows } = await ctx.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM missions GROUP BY status');
        return rows.map((r) => ({ labels: { status: r.status }, value: r.n }));
      }, ['status']);
      missionRoutes(app, ctx);
      boardRoutes(app, ctx);
      policyRoutes(app, ctx);
      auditRoutes(app, ctx);
    },
    consumers: (ctx) => lifecycleConsumers(ctx),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
