import Type from 'typebox';
import cron from 'node-cron';
import { ConfigError, loadConfig } from '@smart-expertise/service-runtime';

/** The scheduler's own variables, on top of the runtime's BaseConfig. */
export const ExpiryConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3004 }),
  /** node-cron expression, six fields allowed (seconds first); default: at second 0 of every minute. */
  EXPIRY_CRON: Type.String({ minLength: 1, default: '0 * * * * *' }),
  /** A deadline expires only this long after it passed, so that the verdict on a quote closed just before it (mission-intake's mission.status-changed) has time to arrive. */
  EXPIRY_GRACE_SECONDS: Type.Integer({ minimum: 0, default: 120 }),
  /** Deadlines expired per transaction. */
  EXPIRY_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  /** How long before a running deadline `mission.deadline-approaching` is published; 0 disables the warning. */
  DEADLINE_WARNING_HOURS: Type.Number({ minimum: 0, maximum: 24 * 60, default: 24 }),
  /** false: no schedule in this process (sweeps only through POST /v1/expiry-runs). */
  EXPIRY_CRON_ENABLED: Type.Boolean({ default: true }),
});

export function loadExpiryConfig(env: Record<string, string | undefined>) {
  const config = loadConfig(ExpiryConfigSchema, env);
  if (!cron.validate(config.EXPIRY_CRON)) {
    throw new ConfigError(`invalid configuration: EXPIRY_CRON "${config.EXPIRY_CRON}" is not a valid node-cron expression`);
  }
  return config;
}

export type ExpiryConfig = ReturnType<typeof loadExpiryConfig>;
