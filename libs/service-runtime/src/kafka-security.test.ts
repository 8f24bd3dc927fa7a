import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { kafkaSecurityOf } from './kafka.ts';
import Type from 'typebox';

const base = { PORT: '3000', DATABASE_URL: 'postgres://localhost/db', KAFKA_BROKERS: 'localhost:9092', JWT_SECRET: 'x'.repeat(32) };
const load = (env: Record<string, string>) => loadConfig(Type.Object({}), { ...base, ...env });
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Kafka security from the environment', () => {
  // env-schema reads the process's environment too, where `npm test` puts the stack's superuser.
  beforeEach(() => {
    for (const name of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL', 'KAFKA_SSL_CA']) vi.stubEnv(name, undefined);
  });
  afterEach(() => vi.unstubAllEnvs());

  it('is none by default: a plaintext listener without authentication', () => {
    expect(kafkaSecurityOf(load({}))).toEqual({});
  });

  it("connects with SCRAM-SHA-512 as the service's own user, over TLS checked against the cluster CA", () => {
    const config = load({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'quote', KAFKA_SASL_PASSWORD: 'secret', KAFKA_SSL_CA: CA });
    expect(kafkaSecurityOf(config)).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'quote', password: 'secret' }, ssl: { ca: CA } });
  });

  it('turns TLS on against the system CAs with KAFKA_SSL alone', () => {
    expect(kafkaSecurityOf(load({ KAFKA_SSL: 'true' }))).toEqual({ ssl: true });
  });

  it('refuses to start with a mechanism but no credentials, or credentials without a mechanism', () => {
    expect(() => load({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'quote' })).toThrow(ConfigError);
    expect(() => load({ KAFKA_SASL_USERNAME: 'quote', KAFKA_SASL_PASSWORD: 'secret' })).toThrow(/need KAFKA_SASL_MECHANISM/);
    expect(() => load({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'quote', KAFKA_SASL_PASSWORD: 'secret' })).toThrow(ConfigError);
  });
});
