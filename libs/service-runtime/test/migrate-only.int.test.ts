import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { stackEnv, testEnvironment } from '../src/testing.ts';

describe('main.js migrate', () => {
  it("migrates the service's schema, starts nothing else and exits 0: what the pre-rollout Job runs", async () => {
    const env = testEnvironment('demo');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/demo-main.ts', import.meta.url)), 'migrate'], {
      env: { ...process.env, DEMO_ENV: JSON.stringify(env) },
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
