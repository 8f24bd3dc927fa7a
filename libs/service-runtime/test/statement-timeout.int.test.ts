import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createPool } from '../src/db.ts';
import { stackEnv } from '../src/testing.ts';

describe('database statement timeout', () => {
  it('cancels a statement that runs longer than the configured timeout', async () => {
    const pool = createPool({ url: stackEnv().DATABASE_URL, schema: 'public', max: 1, logger: pino({ level: 'silent' }), statementTimeoutMs: 200 });
    try {
      await expect(pool.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
      const { rows } = await pool.query('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
