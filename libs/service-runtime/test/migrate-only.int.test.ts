import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { stackEnv, testEnvironment } from '../src/testing.ts';

describe('main.js migrate', () => {
  it("migrates the service's schema with nothing but the database's settings, starts nothing else and exits 0: what the pre-rollout Job runs", async () => {
    const env = testEnvironment('demo');
    // As the Job runs it: the database and the schema only; no broker, no token key, no service secret.
    const { DATABASE_URL: _d, KAFKA_BROKERS: _k, JWT_SECRET: _j, ...rest } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/demo-main.ts', import.meta.url)), 'migrate'], {
      env: { ...rest, DATABASE_URL: env.DATABASE_URL!, DB_SCHEMA: env.DB_SCHEMA!, KAFKA_SASL_MECHANISM: 'scram-sha-512', DEMO_ENV: '{}' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const code = await new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(0);

    const client = new pg.Client({ connectionString: stackEnv().DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [env.DB_SCHEMA],
      );
      // The runtime's tables and the service's own (the demo's `abandons`, `effects`).
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['abandons', 'effects', 'inbox', 'migrations', 'outbox', 'parked_events', 'runtime_migrations']));
      await client.query(`DROP SCHEMA "${env.DB_SCHEMA}" CASCADE`);
    } finally {
      await client.end();
    }
  });
});
