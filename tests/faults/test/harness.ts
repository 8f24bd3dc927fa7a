// The system under test: a private PostgreSQL and Kafka (never the shared stack: this suite stops
// and kills them), the five services as processes behind the gateway, and the probes the suite
// reads them with (SQL on each service's schema, /metrics, the Kafka admin).
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { EventFlow, SERVICE_NAMES, topicsReadBy, type ServiceName, type TopicName } from '@smart-expertise/contracts';
import { testJwtSecret, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { startPlatform, type Platform } from '../../../scripts/platform.ts';
import { startFaultStack, type FaultStack } from '../../../tools/stack/faults.mjs';

const { Kafka, logLevel } = kafkajs;
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Each service's consumer group (without the prefix) and the topics it reads, as in its source. */
/** The fault suite's webhook retries: about 4 minutes in all, longer than any receiver outage it injects. */
export const WEBHOOK_RETRY_SCHEDULE = '1s,2s,4s,8s,16s,32s,64s,120s';

/** Each service's consumer groups and the topics it reads: the event flow of libs/contracts. */
export const CONSUMERS = Object.fromEntries(SERVICE_NAMES.map((name) => [name, { groups: EventFlow[name].groups, topics: topicsReadBy(name) }])) as Record<
  ServiceName,
  { groups: readonly { group: string; topics: readonly TopicName[] }[]; topics: TopicName[] }
>;

export interface System {
  run: string;
  stack: FaultStack;
  platform: Platform;
  prefix: string;
  schema: Record<ServiceName, string>;
  /** A pool on the private database (no search_path: every query names its schema). */
  db: pg.Pool;
  kafka: InstanceType<typeof Kafka>;
  logDir: string;
  stop(): Promise<void>;
}

export const EXPIRY_GRACE_SECONDS = 2;

export async function startSystem(log: (line: string) => void): Promise<System> {
  const run = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${uniqueSuffix().slice(0, 6)}`;
  const dir = join(root, '.stack', 'faults', run);
  const stack = await startFaultStack({ root, dir, log });
  // The helpers of service-runtime/testing (token, createEventProbe, publishRaw) read these.
  process.env.DATABASE_URL = stack.databaseUrl;
  const kafkaEnv = {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    KAFKA_SASL_MECHANISM: stack.kafkaSasl.mechanism,
    KAFKA_SASL_USERNAME: stack.kafkaSasl.username,
    KAFKA_SASL_PASSWORD: stack.kafkaSasl.password,
  };
  Object.assign(process.env, kafkaEnv);
  const prefix = `f${uniqueSuffix().slice(0, 8)}.`;
  const schema = Object.fromEntries(SERVICE_NAMES.map((n) => [n, `faults_${n.replaceAll('-', '_')}`])) as Record<ServiceName, string>;
  const logDir = join(dir, 'logs');
  let platform: Platform;
  try {
    platform = await startPlatform({
      env: {
        DATABASE_URL: stack.databaseUrl,
        // The superuser: the launcher makes the topics and gives each service its own user.
        ...kafkaEnv,
        JWT_SECRET: testJwtSecret(),
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_TOPIC_PARTITIONS: '3',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
        OUTBOX_POLL_MS: '500',
        DB_POOL_MAX: '5',
        // A SIGKILLed consumer keeps its partitions until its session times out; 10 s instead of 30 s
        // keeps the reduced variant in the CI budget (a restarted service joins its group only then).
        KAFKA_SESSION_TIMEOUT_MS: '10000',
      },
      serviceEnv: {
        'mission-intake': { DB_SCHEMA: schema['mission-intake'] },
        quote: { DB_SCHEMA: schema.quote },
        'expert-review': { DB_SCHEMA: schema['expert-review'] },
        'expiry-scheduler': { DB_SCHEMA: schema['expiry-scheduler'], EXPIRY_CRON: '*/1 * * * * *', EXPIRY_GRACE_SECONDS: String(EXPIRY_GRACE_SECONDS) },
        // Retries within the suite's time: a receiver outage of a few seconds, never given up.
        integrations: { DB_SCHEMA: schema.integrations, WEBHOOK_RETRY_SCHEDULE: WEBHOOK_RETRY_SCHEDULE, WEBHOOK_TIMEOUT_MS: '3000', WEBHOOK_POLL_MS: '200' },
      },
      logDir,
      readyTimeoutMs: 180_000,
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4, connectionTimeoutMillis: 5_000 });
  db.on('error', () => {}); // PostgreSQL restarts are part of the test
  const kafka = new Kafka({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  log(`private stack in ${dir}; services log to ${logDir}`);
  return {
    run,
    stack,
    platform,
    prefix,
    schema,
    db,
    kafka,
    logDir,
    async stop() {
      await platform.stop().catch(() => {});
      await db.end().catch(() => {});
      await stack.stop();
    },
  };
}

/** One service's Prometheus metrics, parsed to name{labels} → value. */
export async function metricsOf(sys: System, name: ServiceName): Promise<Map<string, number>> {
  const response = await fetch(`${sys.platform.upstreams[name]}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${name} /metrics answered ${response.status}`);
  const out = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

export function sumOf(metrics: Map<string, number>, name: string, labelFilter = ''): number {
  let total = 0;
  for (const [key, value] of metrics) if ((key === name || key.startsWith(`${name}{`)) && key.includes(labelFilter)) total += value;
  return total;
}

/** Consumer lag of one service's group, read from Kafka directly (works while the service is down). */
export async function lagOf(sys: System, name: ServiceName): Promise<number> {
  const admin = sys.kafka.admin();
  await admin.connect();
  try {
    let lag = 0;
    for (const { group, topics } of CONSUMERS[name].groups) {
      const committed = await admin.fetchOffsets({ groupId: sys.prefix + group, topics: topics.map((t) => sys.prefix + t) });
      for (const { topic, partitions } of committed) {
        const latest = await admin.fetchTopicOffsets(topic);
        for (const p of partitions) {
          const high = Number(latest.find((l) => l.partition === p.partition)?.high ?? 0);
          lag += Math.max(0, high - Math.max(0, Number(p.offset)));
        }
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

export async function ready(sys: System, name: ServiceName): Promise<{ status: number; body: any }> {
  try {
    const response = await fetch(`${sys.platform.upstreams[name]}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.json().catch(() => null) };
  } catch {
    return { status: 0, body: null };
  }
}

/**
 * Waits until the system is quiet: every outbox empty and every consumer group at the end of its
 * topics, as the services report it on /metrics, twice in a row.
 */
export async function settle(sys: System, { timeoutMs = 180_000, notBefore = 0 } = {}): Promise<void> {
  let quietOnce = false;
  await waitFor(
    async () => {
      if (Date.now() < notBefore) return false;
      for (const name of SERVICE_NAMES) {
        const m = await metricsOf(sys, name);
        if (sumOf(m, 'outbox_pending_events') !== 0) return (quietOnce = false);
        // The gauge has one series per topic once the group committed; before that it is not there.
        if ([...m.keys()].filter((k) => k.startsWith('kafka_consumer_lag{')).length < CONSUMERS[name].topics.length) return (quietOnce = false);
        if (sumOf(m, 'kafka_consumer_lag') !== 0) return (quietOnce = false);
      }
      if (!quietOnce) {
        quietOnce = true;
        return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 1_000, message: 'every outbox empty and every consumer lag zero' },
  );
}
