import { describe, expect, it } from 'vitest';
import { ConfigError } from '@smart-expertise/service-runtime';
import { loadIntegrationsConfig } from './config.ts';

const key = Buffer.alloc(32, 0x5a);
const base = {
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  KAFKA_BROKERS: 'localhost:9092',
  JWT_SECRET: 'x'.repeat(32),
  WEBHOOK_SECRETS_KEY: key.toString('base64'),
};
const production = { ...base, NODE_ENV: 'production', JWT_ISSUER: 'https://login.example/', JWT_AUDIENCE: 'smart-expertise-api' };

const HOUR = 3_600_000;

describe('integrations configuration', () => {
  it('defaults to port 3005, https:// only to public addresses, 10 s per delivery and the seven-wait schedule', () => {
    const config = loadIntegrationsConfig(base);
    expect(config).toMatchObject({
      PORT: 3005,
      WEBHOOK_ALLOWED_NETWORKS: '',
      WEBHOOK_ALLOW_HTTP: false,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_RETRY_SCHEDULE: '5s,5m,30m,2h,5h,10h,10h',
      WEBHOOK_CONCURRENCY: 32,
      WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: 4,
      WEBHOOK_POLL_MS: 500,
      WEBHOOK_MAX_SUBSCRIPTIONS: 20,
      FEED_RETENTION_DAYS: 35,
    });
    expect(config.retryDelaysMs).toEqual([5_000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
    expect(config.allowedNetworks).toEqual({ ranges: new Set(), cidrs: [] });
  });

  it('gives the secrets key as its 32 bytes', () => {
    expect(loadIntegrationsConfig(base).secretsKey).toEqual(key);
  });

  it('accepts the default configuration in production', () => {
    expect(loadIntegrationsConfig(production)).toMatchObject({ NODE_ENV: 'production', WEBHOOK_ALLOW_HTTP: false });
  });

  it('reads the allowed networks, http:// and numbers from strings', () => {
    const config = loadIntegrationsConfig({ ...base, WEBHOOK_ALLOWED_NETWORKS: 'loopback,10.20.0.0/16', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_TIMEOUT_MS: '300' });
    expect(config.WEBHOOK_ALLOW_HTTP).toBe(true);
    expect(config.WEBHOOK_TIMEOUT_MS).toBe(300);
    expect(config.allowedNetworks.ranges).toEqual(new Set(['loopback']));
    expect(config.allowedNetworks.cidrs).toHaveLength(1);
  });

  it('needs a secrets key', () => {
    const { WEBHOOK_SECRETS_KEY: _, ...withoutKey } = base;
    expect(() => loadIntegrationsConfig(withoutKey)).toThrow(ConfigError);
    expect(() => loadIntegrationsConfig(withoutKey)).toThrow(/WEBHOOK_SECRETS_KEY/);
  });

  it.each([
    ['16 bytes', Buffer.alloc(16, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
    ['32 characters of text', 'k'.repeat(32)],
    ['hex of 32 bytes', key.toString('hex')],
    ['base64url of 32 bytes', Buffer.alloc(32, 0xff).toString('base64url')],
    ['base64 without its padding', key.toString('base64').replace(/=+$/, '')],
  ])('refuses a secrets key of %s', (_, value) => {
    expect(() => loadIntegrationsConfig({ ...base, WEBHOOK_SECRETS_KEY: value })).toThrow(ConfigError);
    expect(() => loadIntegrationsConfig({ ...base, WEBHOOK_SECRETS_KEY: value })).toThrow(/WEBHOOK_SECRETS_KEY must be the base64 of 32 bytes/);
  });

  it('refuses http:// targets in production, and allows them elsewhere', () => {
    expect(() => loadIntegrationsConfig({ ...production, WEBHOOK_ALLOW_HTTP: 'true' })).toThrow(ConfigError);
    expect(() => loadIntegrationsConfig({ ...production, WEBHOOK_ALLOW_HTTP: 'true' })).toThrow(/WEBHOOK_ALLOW_HTTP is refused in production/);
    expect(loadIntegrationsConfig({ ...base, NODE_ENV: 'development', WEBHOOK_ALLOW_HTTP: 'true' }).WEBHOOK_ALLOW_HTTP).toBe(true);
  });

  it('refuses a retry schedule shorter than 24 h in all in production, and accepts it in development', () => {
    const short = { WEBHOOK_RETRY_SCHEDULE: '1s,2s' };
    expect(() => loadIntegrationsConfig({ ...production, ...short })).toThrow(ConfigError);
    expect(() => loadIntegrationsConfig({ ...production, ...short })).toThrow(/WEBHOOK_RETRY_SCHEDULE must retry for at least 24 h in production/);
    expect(() => loadIntegrationsConfig({ ...production, WEBHOOK_RETRY_SCHEDULE: '12h,11h,59m,59s,999ms' })).toThrow(/at least 24 h/);
    expect(loadIntegrationsConfig({ ...base, NODE_ENV: 'development', ...short }).retryDelaysMs).toEqual([1_000, 2_000]);
  });

  it('counts the retry period in production with every wait spread down by a tenth: 24 h of waits is not enough, 27 h is', () => {
    expect(() => loadIntegrationsConfig({ ...production, WEBHOOK_RETRY_SCHEDULE: '12h,12h' })).toThrow(/at least 24 h in production/);
    expect(loadIntegrationsConfig({ ...production, WEBHOOK_RETRY_SCHEDULE: '13h,13h,1h' }).retryDelaysMs).toEqual([13 * HOUR, 13 * HOUR, HOUR]);
  });

  it('refuses a retry schedule it cannot read, naming the variable and the part', () => {
    expect(() => loadIntegrationsConfig({ ...base, WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(ConfigError);
    expect(() => loadIntegrationsConfig({ ...base, WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE .*"soon" is not a wait/);
  });

  it('refuses allowed networks it cannot read, naming the variable and the part', () => {
    expect(() => loadIntegrationsConfig({ ...base, WEBHOOK_ALLOWED_NETWORKS: 'loopback,intranet' })).toThrow(ConfigError);
    expect(() => loadIntegrationsConfig({ ...base, WEBHOOK_ALLOWED_NETWORKS: 'loopback,intranet' })).toThrow(/WEBHOOK_ALLOWED_NETWORKS: "intranet"/);
  });

  it('refuses a delivery timeout under 100 ms and a feed kept less than 30 days', () => {
    expect(() => loadIntegrationsConfig({ ...base, WEBHOOK_TIMEOUT_MS: '50' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
    expect(() => loadIntegrationsConfig({ ...base, FEED_RETENTION_DAYS: '7' })).toThrow(/FEED_RETENTION_DAYS/);
  });
});
