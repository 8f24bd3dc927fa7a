// Regression (found by tests/faults, PostgreSQL restart under load): a client checked out between
// two queries — the outbox relay holds its transaction open while Kafka acknowledges a batch —
// got 'terminating connection due to administrator command' as an 'error' event with no
// listener: an uncaught exception, and the quote service exited. The pool now listens on every
// client; the next query fails and the pool goes on with new connections.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { createPool } from '../src/db.ts';
import { stackEnv, waitFor } from '../src/testing.ts';

describe('a pool whose checked-out connection is terminated by the server', () => {
  it('does not throw an uncaught exception; the next query fails and the pool recovers', async () => {
    const url = stackEnv().DATABASE_URL;
    const pool = createPool({ url, schema: 'public', max: 2, logger: pino({ level: 'silent' }) });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const client = await pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      // The server's termination arrives while the client sits idle, checked out (no listener of ours).
      await waitFor(() => (client as unknown as { _queryable: boolean })._queryable === false, { timeoutMs: 10_000, message: 'the termination to reach the client' });
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
      expect(uncaught).toEqual([]);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      await admin.end();
      await pool.end();
    }
  });
});
