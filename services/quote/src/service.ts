import { fileURLToPath } from 'node:url';
import { Topics } from '@smart-expertise/contracts';
import { createService, type App, type Migrations } from '@smart-expertise/service-runtime';
import { loadQuoteConfig } from './config.ts';
import { quoteConsumers } from './events/consumers.ts';
import { paymentRequestRoutes } from './http/payment-requests.ts';
import { photoRoutes } from './http/photos.ts';
import { quoteRoutes } from './http/quotes.ts';
import { supplementRoutes } from './http/supplements.ts';
import type { Logger } from 'pino';

export interface BuildQuoteOptions {
  /** Tests move time: deadlines and invoice dates are judged against this clock. */
  clock?: () => Date;
  /** Tests capture the logs (redaction checks). */
  logger?: Logger;
}

/** The quote service: quotes, calculations, photos and direct-payment requests. */

/** Where this service's migrations are: `main.js migrate` runs them without building the rest. */
export const migrations: Migrations = { service: 'quote', dir: fileURLToPath(new URL('../migrations', import.meta.url)) };

export async function buildQuote(env: Record<string, string | undefined>, options: BuildQuoteOptions = {}) {
  const config = loadQuoteConfig(env);
  return createService({
    name: 'quote',
    description:
      'Quotes of Smart Expertise missions (standard and total-loss procedures), calculations, photos, their re-transmission after a request for information, supplements for hidden damage and direct-payment requests.',
    config,
    migrationsDir: migrations.dir,
    // It reads mission-intake's and expert-review's topics and writes its own.
    topics: [Topics.missionIntake, Topics.expertReview, Topics.quote],
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    async routes(app, ctx) {
      // One encapsulated plugin per resource; multipart parsing lives in the photos plugin only.
      await app.register(async (scope) => quoteRoutes(scope as unknown as App, ctx));
      await app.register(async (scope) => photoRoutes(scope as unknown as App, ctx));
      await app.register(async (scope) => paymentRequestRoutes(scope as unknown as App, ctx));
      await app.register(async (scope) => supplementRoutes(scope as unknown as App, ctx));
    },
    consumers: (ctx) => quoteConsumers(ctx),
  });
}
