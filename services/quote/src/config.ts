import Type from 'typebox';
import { loadConfig } from '@smart-expertise/service-runtime';

/** The quote service's own variables, beside the runtime's (PORT, DATABASE_URL, KAFKA_BROKERS, ...). */
export const QuoteConfig = Type.Object({
  /** Largest photo accepted, in bytes (413 above). */
  PHOTO_MAX_BYTES: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
  /** Most photos one quote may carry (422 above). */
  PHOTO_MAX_COUNT: Type.Integer({ minimum: 1, maximum: 500, default: 30 }),
  /** Most files in one upload request (413 above). */
  PHOTO_MAX_FILES_PER_REQUEST: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
});

export type QuoteServiceConfig = ReturnType<typeof loadQuoteConfig>;

export function loadQuoteConfig(env: Record<string, string | undefined>) {
  return loadConfig(QuoteConfig, env);
}
