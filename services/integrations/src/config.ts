import Type from 'typebox';
import { ConfigError, loadConfig } from '@smart-expertise/service-runtime';
import { parseRetrySchedule, shortestRetryPeriod } from './domain/retry.ts';
import { parseAllowedNetworks } from './domain/target.ts';

/** The integrations service's own variables, on top of the runtime's BaseConfig. */
export const IntegrationsConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3005 }),
  /** Base64 of 32 random bytes: the AES-256-GCM key that encrypts integrators' signing secrets at rest. */
  WEBHOOK_SECRETS_KEY: Type.String({ minLength: 1 }),
  /**
   * Networks a webhook may target although they are not public (loopback, private, link-local…):
   * CIDRs (`10.20.0.0/16`) or range names (`loopback`, `private`), comma-separated. Empty: public
   * addresses only.
   */
  WEBHOOK_ALLOWED_NETWORKS: Type.String({ default: '' }),
  /** Accept `http://` targets. Refused in production, where only `https://` is. */
  WEBHOOK_ALLOW_HTTP: Type.Boolean({ default: false }),
  /** How long one delivery may take, connection included, before it counts as failed. */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  /** The waits between attempts, after the first: at least 24 h in all in production. */
  WEBHOOK_RETRY_SCHEDULE: Type.String({ default: '5s,5m,30m,2h,5h,10h,10h' }),
  /** Deliveries in flight at once in this process, and per subscription (a slow receiver never takes more). */
  WEBHOOK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 32 }),
  WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
  /** How often the sender looks for due deliveries when nothing woke it. */
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 10, default: 500 }),
  /** Subscriptions an organisation may hold. */
  WEBHOOK_MAX_SUBSCRIPTIONS: Type.Integer({ minimum: 1, default: 20 }),
  /** Days the feed keeps an event (api.md: at least 30). */
  FEED_RETENTION_DAYS: Type.Integer({ minimum: 30, default: 35 }),
});

const MIN_PRODUCTION_RETRY_MS = 24 * 3600_000;

export function loadIntegrationsConfig(env: Record<string, string | undefined>) {
  const config = loadConfig(IntegrationsConfig, env);
  const key = Buffer.from(config.WEBHOOK_SECRETS_KEY, 'base64');
  if (key.length !== 32 || key.toString('base64') !== config.WEBHOOK_SECRETS_KEY) {
    throw new ConfigError('invalid configuration: WEBHOOK_SECRETS_KEY must be the base64 of 32 bytes (openssl rand -base64 32)');
  }
  let retryDelaysMs: number[];
  let allowedNetworks: ReturnType<typeof parseAllowedNetworks>;
  try {
    retryDelaysMs = parseRetrySchedule(config.WEBHOOK_RETRY_SCHEDULE);
    allowedNetworks = parseAllowedNetworks(config.WEBHOOK_ALLOWED_NETWORKS);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
  }
  const production = config.NODE_ENV === 'production';
  if (production && config.WEBHOOK_ALLOW_HTTP) {
    throw new ConfigError('invalid configuration: WEBHOOK_ALLOW_HTTP is refused in production: webhooks go to https:// targets only');
  }
  if (production && shortestRetryPeriod(retryDelaysMs) < MIN_PRODUCTION_RETRY_MS) {
    throw new ConfigError('invalid configuration: WEBHOOK_RETRY_SCHEDULE must retry for at least 24 h in production, with every wait spread down by a tenth');
  }
  return { ...config, secretsKey: key, retryDelaysMs, allowedNetworks };
}

export type IntegrationsConfig = ReturnType<typeof loadIntegrationsConfig>;
