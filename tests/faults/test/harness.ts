// The system under test: a private PostgreSQL and Kafka (never the shared stack: this suite stops
// and kills them), the five services as processes behind the gateway, and the probes the suite
// reads them with (SQL on each service's schema, /metrics, the Kafka admin).
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { SERVICE_NAMES, Topics, type ServiceName, type TopicName } from '@smart-expertise/contracts';
import { testJwtSecret, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { startPlatform, type Platform } from '../../../scripts/platform.ts';
import { startFaultStack, type FaultStack } from '../../../tools/stack/faults.mjs';

const { Kafka, logLevel } = kafkajs;
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Each service's consumer group (without the prefix) and the topics it reads, as in its source. */
/** The fault suite's webhook retries: about 4 minutes in all, longer than any receiver outage it injects. */
export const WEBHOOK_RETRY_SCHEDULE = '1s,2s,4s,8s,16s,32s,64s,120s';

export const CONSUMERS: Record<ServiceName, { groups: { group: string; topics: TopicName[] }[]; topics: TopicName[] }> = {
  'mission-intake': { groups: [{ group: 'mission-intake', topics: [Topics.quote, Topics.expertReview, Topics.expiryScheduler] }], topics: [Topics.quote, Topics.expertReview, Topics.expiryScheduler] },
  // quote reads the verdicts (group quote) and the expert's supplement decisions (group quote-supplements).
  quote: {
    groups: [
      { group: 'quote', topics: [Topics.missionIntake] },
      { group: 'quote-supplements', topics: [Topics.expertReview] },
    ],
    topics: [Topics.missionIntake, Topics.expertReview],
  },
  'expert-review': { groups: [{ group: 'expert-review', topics: [Topics.quote] }], topics: [Topics.quote] },
  'expiry-scheduler': { groups: [{ group: 'expiry-scheduler.deadlines', topics: [Topics.missionIntake] }], topics: [Topics.missionIntake] },
  integrations: {
    groups: [{ group: 'integrations', topics: [Topics.missionIntake, Topics.quote, Topics.expertReview] }],
    topics: [Topics.missionIntake, Topics.quote, Topics.expertReview],
  },
};

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
  process.env.KAFKA_BROKERS = stack.kafkaBrokers.join(',');
  const prefix = `f${uniqueSuffix().slice(0, 8)}.`;
  const schema = Object.fromEntries(SERVICE_NAMES.map((n) => [n, `faults_${n.replaceAll('-', '_')}`])) as Record<ServiceName, string>;
  const logDir = join(dir, 'logs');
  let platform: Platform;
  try {
    platform = await startPlatform({
      env: {
        DATABASE_URL: stack.databaseUrl,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
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
  const kafka = new Kafka({ brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
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
