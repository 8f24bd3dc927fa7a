import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { stackEnv, testEnvironment, uniqueSuffix } from '../src/testing.ts';

/** `demo-main.ts migrate` as the pre-rollout Job runs it: the database and the schema only; no broker, no token key, no service secret. */
async function runMigrateJob(databaseUrl: string, schema: string): Promise<number | null> {
  const { DATABASE_URL: _d, KAFKA_BROKERS: _k, JWT_SECRET: _j, ...rest } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/demo-main.ts', import.meta.url)), 'migrate'], {
    env: { ...rest, DATABASE_URL: databaseUrl, DB_SCHEMA: schema, KAFKA_SASL_MECHANISM: 'scram-sha-512', DEMO_ENV: '{}' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
}

async function asSuperuser<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: stackEnv().DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const tablesOf = (client: pg.Client, schema: string) =>
  client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]).then((r) => r.rows.map((row) => row.table_name));

// The runtime's tables and the service's own (the demo's `abandons`, `effects`).
const DEMO_TABLES = ['abandons', 'effects', 'inbox', 'migrations', 'outbox', 'parked_event_actions', 'parked_events', 'runtime_migrations'];

describe('main.js migrate', () => {
  it("migrates the service's schema with nothing but the database's settings, starts nothing else and exits 0: what the pre-rollout Job runs", async () => {
    const env = testEnvironment('demo');
    expect(await runMigrateJob(env.DATABASE_URL!, env.DB_SCHEMA!)).toBe(0);
    await asSuperuser(async (client) => {
      expect(await tablesOf(client, env.DB_SCHEMA!)).toEqual(expect.arrayContaining(DEMO_TABLES));
      await client.query(`DROP SCHEMA "${env.DB_SCHEMA}" CASCADE`);
    });
  });

  it('migrates as a role that owns its schema and may create no other, as each service connects in Kubernetes and on the local platform', async () => {
    const suffix = uniqueSuffix();
    const role = `t_role_${suffix}`;
    const schema = `t_demo_${suffix}`;
    const password = `pw-${suffix}`;
    await asSuperuser((client) => client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'; CREATE SCHEMA ${schema} AUTHORIZATION ${role}`));
    try {
      const url = new URL(stackEnv().DATABASE_URL);
      url.username = role;
      url.password = password;
      // Twice: a fresh schema, then one already up to date (a restart).
      expect(await runMigrateJob(url.toString(), schema)).toBe(0);
      expect(await runMigrateJob(url.toString(), schema)).toBe(0);
      await asSuperuser(async (client) => expect(await tablesOf(client, schema)).toEqual(expect.arrayContaining(DEMO_TABLES)));
    } finally {
      await asSuperuser((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP ROLE ${role}`));
    }
  });
});
