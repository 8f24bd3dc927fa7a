import { fileURLToPath } from 'node:url';
import { Topics } from '@smart-expertise/contracts';
import { createService } from '@smart-expertise/service-runtime';
import { loadExpertReviewConfig } from './config.ts';
import { reviewConsumers } from './events/consumers.ts';
import { reviewRoutes } from './http/reviews.ts';
import type { Logger } from 'pino';

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
    migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
    topics: [Topics.quote, Topics.expertReview],
    routes: (app, ctx) => reviewRoutes(app, ctx),
    consumers: (ctx) => reviewConsumers(ctx),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
