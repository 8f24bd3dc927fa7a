import type { Admin } from 'kafkajs';
import fp from 'fastify-plugin';
import type { Pool } from '../db.ts';
import type { Phase } from './lifecycle.ts';

const Health = { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } } as const;

/** Liveness, and readiness: started, not stopping, and both PostgreSQL and Kafka answering. */
export const health = fp<{ pool: Pool; admin: Admin; phase: () => Phase }>(
  async (app, { pool, admin, phase }) => {
    let kafkaHealthy = { at: 0, ok: false };
    async function kafkaReachable(): Promise<boolean> {
      if (Date.now() - kafkaHealthy.at < 2_000) return kafkaHealthy.ok;
      let ok = false;
      try {
        await Promise.race([admin.describeCluster(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
        ok = true;
      } catch {
        ok = false;
      }
      kafkaHealthy = { at: Date.now(), ok };
      return ok;
    }
    async function databaseReachable(): Promise<boolean> {
      try {
        await Promise.race([pool.query('SELECT 1'), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
        return true;
      } catch {
        return false;
      }
    }

    app.get('/health/live', { schema: { hide: true, response: { 200: Health } } }, async () => ({ status: 'live', checks: {} }));
    app.get('/health/ready', { schema: { hide: true, response: { 200: Health, 503: Health } } }, async (_request, reply) => {
      const [database, broker] = await Promise.all([databaseReachable(), kafkaReachable()]);
      const service = phase();
      const ready = service === 'started' && database && broker;
      const checks = { database: database ? 'up' : 'down', kafka: broker ? 'up' : 'down', service };
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  },
  { name: 'service-runtime.health' },
);
