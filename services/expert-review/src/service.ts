import { fileURLToPath } from 'node:url';
import { Topics } from '@smart-expertise/contracts';
import { createService, type Migrations } from '@smart-expertise/service-runtime';
import { loadExpertReviewConfig } from './config.ts';
import { reviewConsumers } from './events/consumers.ts';
import { reviewRoutes } from './http/reviews.ts';
import type { Logger } from 'pino';


/** Where this service's migrations are: `main.js migrate` runs them without building the rest. */
export const migrations: Migrations = { service: 'expert-review', dir: fileURLToPath(new URL('../migrations', import.meta.url)) };

export interface BuildOptions {
  clock?: () => Date;
  /** Tests capture the logs (redaction checks). */
  logger?: Logger;
}

/** The expert-review service: review cases, automatic pre-checks and the experts' decisions. */
export async function buildExpertReview(env: Record<string, string | undefined>, options: BuildOptions = {}) {
  const config = loadExpertReviewConfig(env);
  return createService({
    name: 'expert-review',
    description: 'Review cases opened from submitted quotes, automatic pre-checks, and the experts’ decisions.',
    config,
    migrationsDir: migrations.dir,
    topics: [Topics.quote, Topics.expertReview],
    routes: (app, ctx) => reviewRoutes(app, ctx),
    consumers: (ctx) => reviewConsumers(ctx),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
