import type { Admin } from 'kafkajs';
import fp from 'fastify-plugin';
import type { ConsumerSpec } from '../consumer.ts';
import type { Pool } from '../db.ts';
import type { Metrics } from '../metrics.ts';
import type { Outbox } from '../outbox.ts';

/** Requests in flight and request durations, by method and route. */
export const httpMetrics = fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    // Counted from the headers' arrival, so a drain on shutdown can be watched (and tested) as it happens.
    const inFlight = new WeakSet<object>();
    const settle = (request: { method: string; routeOptions: { url?: string } }) => {
      if (!inFlight.delete(request)) return;
      metrics.httpInFlight.dec({ method: request.method, route: request.routeOptions.url ?? 'unmatched' });
    };
    app.addHook('onRequest', async (request) => {
      inFlight.add(request);
      metrics.httpInFlight.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched' });
    });
    app.addHook('onRequestAbort', async (request) => settle(request));
    app.addHook('onResponse', async (request, reply) => {
      settle(request);
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  },
  { name: 'service-runtime.http-metrics' },
);

/** GET /metrics, for Prometheus. */
export const metricsRoute = fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  },
  { name: 'service-runtime.metrics-route' },
);

/** The outbox backlog and the parked events, read at each scrape. */
export function watchOutbox(metrics: Metrics, { outbox, pool }: { outbox: Outbox; pool: Pool }): void {
  metrics.gauge('outbox_pending_events', 'Events written but not yet published to Kafka', async () => (await outbox.backlog()).pending);
  metrics.gauge('outbox_oldest_pending_age_seconds', 'Age of the oldest unpublished event', async () => (await outbox.backlog()).oldestAgeSeconds);
  metrics.gauge('parked_events', 'Events parked for ops (invalid or repeatedly failing)', async () => {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM parked_events WHERE status = 'parked'");
    return rows[0]?.n ?? 0;
  });
}

/** How far the service's consumers are behind, per topic and group, read at each scrape. */
export function watchConsumerLag(metrics: Metrics, { admin, consumers, topicPrefix }: { admin: Admin; consumers: ConsumerSpec[]; topicPrefix: string }): void {
  metrics.gauge(
    'kafka_consumer_lag',
    'Messages on the topic not yet consumed by this service, per topic and consumer group',
    async () => {
      const out: Array<{ labels: Record<string, string>; value: number }> = [];
      for (const spec of consumers) {
        const groupId = topicPrefix + spec.groupId;
        const topics = spec.topics.map((t) => topicPrefix + t);
        const committed = await admin.fetchOffsets({ groupId, topics });
        for (const { topic, partitions } of committed) {
          const latest = await admin.fetchTopicOffsets(topic);
          let lag = 0;
          for (const p of partitions) {
            const high = Number(latest.find((l) => l.partition === p.partition)?.high ?? 0);
            const done = Number(p.offset) < 0 ? 0 : Number(p.offset);
            lag += Math.max(0, high - done);
          }
          out.push({ labels: { topic, group: groupId }, value: lag });
        }
      }
      return out;
    },
    ['topic', 'group'],
  );
}
