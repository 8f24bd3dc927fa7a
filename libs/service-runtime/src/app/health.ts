import type { Admin } from 'kafkajs';
import fp from 'fastify-plugin';
import type { Pool } from '../db.ts';
import type { Metrics } from '../metrics.ts';
import type { Phase } from './lifecycle.ts';

const Health = { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } } as const;

/**
 * Liveness, and readiness: started, not stopping, and PostgreSQL answering. A broker outage is
 * reported (`checks.kafka`, and the `kafka_reachable` gauge) but keeps the service ready: the
 * outbox holds what is to be published, consumers resume where they stopped, and every write the
 * API accepts in the meantime is published once the broker is back (api.md, "Every service").
 */
export const health = fp<{ pool: Pool; admin: Admin; phase: () => Phase; metrics: Metrics }>(
  async (app, { pool, admin, phase, metrics }) => {
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
    metrics.gauge('kafka_reachable', 'Whether the Kafka cluster answered a metadata request (1) or not (0), checked at most every 2 s', async () =>
      (await kafkaReachable()) ? 1 : 0,
    );
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
      const ready = service === 'started' && database;
      const checks = { database: database ? 'up' : 'down', kafka: broker ? 'up' : 'down', service };
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  },
  { name: 'service-runtime.health' },
);
