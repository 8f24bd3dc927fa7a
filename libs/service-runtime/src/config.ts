import envSchema from 'env-schema';
import Type, { type TObject, type TProperties } from 'typebox';

/** What every service reads from its environment; a service adds its own variables. */
export const BaseConfig = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  DATABASE_URL: Type.String({ minLength: 1, pattern: '^postgres(ql)?://' }),
  /** The service's own schema in PostgreSQL; tests give each run its own. */
  DB_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
  DB_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** No statement may run longer (a handler stuck behind a lock gives up with an error). */
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  KAFKA_BROKERS: Type.String({ minLength: 1, description: 'comma-separated host:port list' }),
  KAFKA_CLIENT_ID: Type.Optional(Type.String()),
  /** Prepended to every topic name: lets tests and environments share one broker. */
  KAFKA_TOPIC_PREFIX: Type.String({ default: '' }),
  /** Create missing topics at start (local stacks); in Kubernetes Strimzi's KafkaTopic does it. */
  KAFKA_CREATE_TOPICS: Type.Boolean({ default: true }),
  KAFKA_TOPIC_PARTITIONS: Type.Integer({ minimum: 1, default: 6 }),
  KAFKA_TOPIC_REPLICATION_FACTOR: Type.Integer({ minimum: 1, default: 1 }),
  /** How long a consumer that died without leaving keeps its partitions (the broker allows 6 s and up). */
  KAFKA_SESSION_TIMEOUT_MS: Type.Integer({ minimum: 6_000, default: 30_000 }),
  /**
   * SASL authentication to the brokers (Strimzi's SCRAM-SHA-512 listener in Kubernetes); unset: none.
   * Username and password are then required: each service connects as its own KafkaUser.
   */
  KAFKA_SASL_MECHANISM: Type.Optional(Type.Union([Type.Literal('scram-sha-512'), Type.Literal('scram-sha-256'), Type.Literal('plain')])),
  KAFKA_SASL_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  KAFKA_SASL_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  /** TLS to the brokers; on by itself when KAFKA_SSL_CA is set. */
  KAFKA_SSL: Type.Boolean({ default: false }),
  /** The PEM of the CA the brokers' certificates are checked against (Strimzi's cluster CA). */
  KAFKA_SSL_CA: Type.Optional(Type.String({ minLength: 1 })),
  /** HS256 secret (at least 32 characters), for local and test use. */
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** JWKS URL of the identity provider, in production. Takes precedence over JWT_SECRET. */
  JWT_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The `iss` and `aud` every token must carry; both required when NODE_ENV=production. */
  JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  OUTBOX_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  OUTBOX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  /** Requests per minute and organisation before 429. */
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 6000 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** How long shutdown may take before the process exits anyway (keep below the pod's grace period). */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 20_000 }),
});
export type BaseConfig = Type.Static<typeof BaseConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the environment once, at start. A missing or bad variable stops the
 * service with a message naming it.
 */
export function loadConfig<P extends TProperties>(
  extra: TObject<P>,
  env: Record<string, string | undefined> = process.env,
): Type.Static<typeof BaseConfig> & Type.Static<TObject<P>> {
  const schema = Type.Object({ ...BaseConfig.properties, ...extra.properties });
  let config: Record<string, unknown>;
  try {
    config = envSchema({ schema: schema as object, data: { ...env }, dotenv: false }) as Record<string, unknown>;
  } catch (error) {
    const message = (error as Error).message.replace(/^env\b/, 'environment');
    throw new ConfigError(`invalid configuration: ${message}`);
  }
  if (config.KAFKA_SASL_MECHANISM && (!config.KAFKA_SASL_USERNAME || !config.KAFKA_SASL_PASSWORD)) {
    throw new ConfigError('invalid configuration: KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
  }
  if (!config.KAFKA_SASL_MECHANISM && (config.KAFKA_SASL_USERNAME || config.KAFKA_SASL_PASSWORD)) {
    throw new ConfigError('invalid configuration: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM');
  }
  // A token minted for another application of the same identity provider, or by another provider
  // sharing a key, must not open this API: in production the issuer and the audience are checked.
  if (config.NODE_ENV === 'production' && (!config.JWT_ISSUER || !config.JWT_AUDIENCE)) {
    throw new ConfigError('invalid configuration: JWT_ISSUER and JWT_AUDIENCE are required when NODE_ENV=production: every token is checked against them');
  }
  if (!config.JWT_SECRET && !config.JWT_JWKS_URL) {
    throw new ConfigError('invalid configuration: set JWT_JWKS_URL (production) or JWT_SECRET (local, at least 32 characters)');
  }
  return config as Type.Static<typeof BaseConfig> & Type.Static<TObject<P>>;
}
