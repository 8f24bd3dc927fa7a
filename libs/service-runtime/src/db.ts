import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

export type Pool = pg.Pool;
export type Tx = pg.PoolClient;

// Instants stay strings from the database; BIGINT counts come back as numbers we can trust
// (below 2^53 for any count this platform holds).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

/** A pool whose connections work in the service's own schema. */
export function createPool({
  url,
  schema,
  max,
  logger,
  statementTimeoutMs = 30_000,
}: {
  url: string;
  schema: string;
  max: number;
  logger: Logger;
  statementTimeoutMs?: number;
}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    options: `-c search_path=${quoteIdent(schema)},public -c statement_timeout=${Math.trunc(statementTimeoutMs)}`,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: schema,
  });
  // An idle client losing its connection (database restart) must not crash the service.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
  // Nor one that is checked out between two queries (a transaction held while Kafka acknowledges
  // a batch, say): pg emits 'error' on it, and with no listener that is an uncaught exception that
  // stopped the whole process. The next query on it fails instead, and release() discards it.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error }, 'database connection lost while checked out'));
  });
  return pool;
}

const commitHooks = new WeakMap<Tx, Set<() => void>>();

/**
 * Runs `hook` once the transaction `tx` (opened by `withTransaction`) has committed; never when it
 * rolls back. The outbox wakes its relay this way, after the commit and outside it. Registering
 * the same function twice in one transaction runs it once.
 */
export function afterCommit(tx: Tx, hook: () => void): void {
  const hooks = commitHooks.get(tx);
  if (hooks) hooks.add(hook);
  else commitHooks.set(tx, new Set([hook]));
}

/** Runs `work` in one transaction; rolls back on any error. */
export async function withTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>, isolation?: 'SERIALIZABLE' | 'REPEATABLE READ'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(isolation ? `BEGIN ISOLATION LEVEL ${isolation}` : 'BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    const hooks = commitHooks.get(client);
    commitHooks.delete(client);
    // The work is committed whatever a hook does: a hook's failure must not look like the work's.
    hooks?.forEach((hook) => {
      try {
        hook();
      } catch {
        // a wake-up lost is caught up by the relay's poll
      }
    });
    return result;
  } catch (error) {
    commitHooks.delete(client);
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

// Found through the package, not relative to this file: in a service's bundle import.meta.url is
// services/<name>/dist/main.js, while the runtime's migrations stay in its own folder.
const RUNTIME_MIGRATIONS = join(dirname(createRequire(import.meta.url).resolve('@smart-expertise/service-runtime/package.json')), 'migrations');

async function schemaExists(url: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/**
 * Brings the service's schema up to date: the runtime's tables (outbox, inbox, parked events)
 * and then the service's own migrations. Replicas starting together wait for each other.
 */
export async function migrate({ url, schema, dir, logger }: { url: string; schema: string; dir: string; logger: Logger }): Promise<void> {
  const log = (message: string) => logger.debug({ migration: message.trim() }, 'migration');
  const common = {
    databaseUrl: url,
    schema,
    // node-pg-migrate creates the schema with CREATE SCHEMA IF NOT EXISTS, which PostgreSQL refuses
    // to a role without CREATE on the database even when the schema exists: a service's own role
    // (Kubernetes, the local platform) owns its schema and may create no other. Only when missing.
    createSchema: !(await schemaExists(url, schema)),
    direction: 'up' as const,
    checkOrder: true,
    advisoryLockMode: 'wait' as const,
    logger: { info: log, warn: log, error: (m: string) => logger.error(m), debug: () => {} },
    log,
  };
  await runner({ ...common, dir: RUNTIME_MIGRATIONS, migrationsTable: 'runtime_migrations' });
  await runner({ ...common, dir, migrationsTable: 'migrations' });
}
