import client, { type Registry } from 'prom-client';

/** How long one gauge's collector may take during a scrape before the gauge keeps its last value. */
const COLLECT_TIMEOUT_MS = 3_000;

/** One registry per service, so tests running several services in one process stay apart. */
export function createMetrics(service: string) {
  const registry: Registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });

  const httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const httpInFlight = new client.Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests received and not yet answered, by route and method',
    labelNames: ['method', 'route'],
    registers: [registry],
  });
  const eventsPublished = new client.Counter({
    name: 'outbox_events_published_total',
    help: 'Events the outbox relay published to Kafka',
    registers: [registry],
  });
  const eventsConsumed = new client.Counter({
    name: 'events_consumed_total',
    help: 'Events consumed, by type and outcome (applied, duplicate, ignored, parked, retried)',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });

  return {
    registry,
    httpDuration,
    httpInFlight,
    eventsPublished,
    eventsConsumed,
    /** A gauge whose value is read when Prometheus scrapes. */
    gauge(name: string, help: string, collect: () => Promise<number | Array<{ labels: Record<string, string>; value: number }>>, labelNames: string[] = []) {
      return new client.Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          try {
            // A collector waiting on a database or a broker that is away must not hold the scrape
            // past Prometheus's timeout (10 s by default): after 3 s it reports the last value.
            const value = await Promise.race([
              collect(),
              new Promise<never>((_, reject) => setTimeout(() => reject(new Error('collect timed out')), COLLECT_TIMEOUT_MS).unref()),
            ]);
            this.reset();
            if (typeof value === 'number') this.set(value);
            else for (const { labels, value: v } of value) this.set(labels, v);
          } catch {
            // A scrape during a database or broker outage reports the last value rather than failing.
          }
        },
      });
    },
    counter(name: string, help: string, labelNames: string[] = []) {
      return new client.Counter({ name, help, labelNames, registers: [registry] });
    },
    histogram(name: string, help: string, buckets: number[], labelNames: string[] = []) {
      return new client.Histogram({ name, help, buckets, labelNames, registers: [registry] });
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
