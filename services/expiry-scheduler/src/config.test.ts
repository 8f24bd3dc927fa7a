import { describe, expect, it } from 'vitest';
import { ConfigError } from '@smart-expertise/service-runtime';
import { loadExpiryConfig } from './config.ts';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/db', KAFKA_BROKERS: 'localhost:9092', JWT_SECRET: 'x'.repeat(32) };

describe('expiry-scheduler configuration', () => {
  it('defaults to port 3004, a sweep every minute, 2 minutes of grace, batches of 500 and a 24-hour warning', () => {
    expect(loadExpiryConfig(base)).toMatchObject({
      PORT: 3004,
      EXPIRY_CRON: '0 * * * * *',
      EXPIRY_GRACE_SECONDS: 120,
      EXPIRY_BATCH_SIZE: 500,
      DEADLINE_WARNING_HOURS: 24,
      EXPIRY_CRON_ENABLED: true,
    });
  });

  it('accepts a cron in seconds and reads booleans and numbers from strings', () => {
    expect(loadExpiryConfig({ ...base, EXPIRY_CRON: '*/1 * * * * *', EXPIRY_CRON_ENABLED: 'false', EXPIRY_BATCH_SIZE: '50' })).toMatchObject({
      EXPIRY_CRON: '*/1 * * * * *',
      EXPIRY_CRON_ENABLED: false,
      EXPIRY_BATCH_SIZE: 50,
    });
  });

  it('refuses an invalid cron expression, naming the variable', () => {
    expect(() => loadExpiryConfig({ ...base, EXPIRY_CRON: 'every minute' })).toThrow(ConfigError);
    expect(() => loadExpiryConfig({ ...base, EXPIRY_CRON: 'every minute' })).toThrow(/EXPIRY_CRON/);
  });

  it('refuses a batch size of zero', () => {
    expect(() => loadExpiryConfig({ ...base, EXPIRY_BATCH_SIZE: '0' })).toThrow(/EXPIRY_BATCH_SIZE/);
  });
});
