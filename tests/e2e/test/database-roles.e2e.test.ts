// PostgreSQL least privilege, on the real server: each service process connects as its own role,
// which owns its schema and nothing else (scripts/local-db-roles.ts, as in Kubernetes), so that
// one service cannot read or change another's tables. The test connects as the services do, with
// the DATABASE_URL each was given, and as the superuser to see who is connected.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, type ServiceName } from '@smart-expertise/contracts';
import { stackEnv } from '@smart-expertise/service-runtime/testing';
import { roleUrl, serviceRole } from '../../../scripts/local-db-roles.ts';
import { platformForTests, waitFor } from './support.ts';

const { databases, start, stop, deposit } = platformForTests();

beforeAll(start, 180_000);
afterAll(stop);

async function connected<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a statement fails with, or undefined when it succeeds. */
async function sqlState(client: pg.Client, sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const table = (name: ServiceName, relation: string) => `${pg.escapeIdentifier(databases[name].schema)}.${relation}`;

describe('PostgreSQL: each service connects as its own role, owner of its schema only', () => {
  it("refuses quote's role mission-intake's missions, to read and to write (insufficient_privilege)", async () => {
    await deposit();
    const missions = table('mission-intake', 'missions');
    await connected(databases.quote.url, async (client) => {
      expect(await sqlState(client, `SELECT count(*) FROM ${missions}`)).toBe('42501');
      expect(await sqlState(client, `INSERT INTO ${missions} (id) VALUES ('intruder')`)).toBe('42501');
      expect(await sqlState(client, `UPDATE ${missions} SET status = 'closed'`)).toBe('42501');
      expect(await sqlState(client, `DELETE FROM ${missions}`)).toBe('42501');
      expect(await sqlState(client, `CREATE TABLE ${table('mission-intake', 'intruder')} (id text)`)).toBe('42501');
    });
    await connected(databases['mission-intake'].url, async (client) => {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${missions}`);
      expect(rows[0]!.n).toBeGreaterThanOrEqual(1);
    });
  });

  it("lets each role read its own tables and no other service's, nor make a schema", async () => {
    for (const name of SERVICE_NAMES) {
      await connected(databases[name].url, async (client) => {
        for (const other of SERVICE_NAMES) {
          // The runtime's outbox is in every service's schema.
          expect(await sqlState(client, `SELECT count(*) FROM ${table(other, 'outbox')}`), `${name} reading ${other}'s outbox`).toBe(other === name ? undefined : '42501');
        }
        expect(await sqlState(client, `CREATE SCHEMA ${pg.escapeIdentifier(`${databases[name].schema}_more`)}`), `${name} making a schema`).toBe('42501');
      });
    }
  });

  it('has every service connected as its role, none as the superuser', async () => {
    await connected(stackEnv().DATABASE_URL, async (client) => {
      const roles = await client.query<{ rolname: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
        'SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
        [SERVICE_NAMES.map(serviceRole)],
      );
      expect(roles.rows).toEqual(
        SERVICE_NAMES.map(serviceRole)
          .sort()
          .map((rolname) => ({ rolname, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false, rolcanlogin: true })),
      );
      const owners = await client.query<{ nspname: string; owner: string }>('SELECT nspname, nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = ANY($1)', [
        SERVICE_NAMES.map((name) => databases[name].schema),
      ]);
      expect(Object.fromEntries(owners.rows.map((r) => [r.nspname, r.owner]))).toEqual(Object.fromEntries(SERVICE_NAMES.map((name) => [databases[name].schema, serviceRole(name)])));

      // A service's pool names its connections after its schema (application_name); the outbox
      // relay polls, so each service has a connection open while it runs.
      const sessions = await waitFor(
        async () => {
          const { rows } = await client.query<{ application_name: string; usename: string }>(
            'SELECT application_name, usename FROM pg_stat_activity WHERE datname = current_database() AND application_name = ANY($1)',
            [SERVICE_NAMES.map((name) => databases[name].schema)],
          );
          return SERVICE_NAMES.every((name) => rows.some((r) => r.application_name === databases[name].schema)) ? rows : undefined;
        },
        { message: 'a connection of each of the five services in pg_stat_activity', timeoutMs: 30_000, intervalMs: 200 },
      );
      for (const name of SERVICE_NAMES) {
        const users = new Set(sessions.filter((s) => s.application_name === databases[name].schema).map((s) => s.usename));
        expect([...users], `${name}'s connections`).toEqual([serviceRole(name)]);
      }
    });
  });

  it('refuses a service role with a wrong password (invalid_password)', async () => {
    const wrong = roleUrl(stackEnv().DATABASE_URL, serviceRole('quote'), 'not-the-password');
    const client = new pg.Client({ connectionString: wrong, connectionTimeoutMillis: 5_000 });
    await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
    await client.end().catch(() => {});
  });
});
