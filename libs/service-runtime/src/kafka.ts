import kafkajs, { type Admin, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

const { Kafka, logLevel, CompressionTypes } = kafkajs;
export type Kafka = InstanceType<typeof Kafka>;
export { CompressionTypes };

/** kafkajs logs through the service's pino logger, as JSON like everything else. */
function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: number; log: { message: string; [key: string]: unknown } }) => {
      const { message, timestamp: _timestamp, logger: _name, ...rest } = log;
      const child = { kafka: rest };
      if (level === logLevel.ERROR) logger.error(child, `kafka: ${message}`);
      else if (level === logLevel.WARN) logger.warn(child, `kafka: ${message}`);
      else if (level === logLevel.INFO) logger.debug(child, `kafka: ${message}`);
      else logger.trace(child, `kafka: ${message}`);
    };
}

/** How a client authenticates to the brokers and checks them: SASL and TLS, both optional. */
export interface KafkaSecurity {
  readonly sasl?: { readonly mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; readonly username: string; readonly password: string };
  /** true: TLS against the system's CAs; a PEM: TLS against that CA only. */
  readonly ssl?: true | { readonly ca: string };
}

/** The security settings of the environment (config.ts validated them: SASL comes whole or not at all). */
export function kafkaSecurityOf(config: {
  KAFKA_SASL_MECHANISM?: 'scram-sha-512' | 'scram-sha-256' | 'plain' | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  KAFKA_SSL?: boolean | undefined;
  KAFKA_SSL_CA?: string | undefined;
}): KafkaSecurity {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
  return {
    ...(mechanism && username && password ? { sasl: { mechanism, username, password } } : {}),
    ...(config.KAFKA_SSL_CA ? { ssl: { ca: config.KAFKA_SSL_CA } } : config.KAFKA_SSL ? { ssl: true as const } : {}),
  };
}

export function createKafka({ brokers, clientId, logger, security = {} }: { brokers: string[]; clientId: string; logger: Logger; security?: KafkaSecurity }): Kafka {
  return new Kafka({
    brokers,
    clientId,
    // A CA given means that CA only: a broker certificate signed by anyone else is refused.
    ...(security.ssl === undefined ? {} : { ssl: security.ssl === true ? true : { ca: [security.ssl.ca], rejectUnauthorized: true } }),
    ...(security.sasl === undefined ? {} : { sasl: { ...security.sasl } as SASLOptions }),
    logLevel: logLevel.WARN,
    logCreator: logCreator(logger),
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
  });
}

/** The idempotent producer: a retried send never writes a record twice on the broker. */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
}

export async function ensureTopics(
  admin: Admin,
  topics: string[],
  { partitions, replicationFactor, leaderTimeoutMs = 60_000 }: { partitions: number; replicationFactor: number; leaderTimeoutMs?: number },
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
      });
    } catch (error) {
      // Another replica (or service) created them at the same moment: fine, once they have leaders.
      if (!isCreationRace(error)) throw error;
    }
  }
  // A topic another process has just created is listed before its partitions have leaders; a
  // consumer subscribing then gets UNKNOWN_TOPIC_OR_PARTITION, which kafkajs does not retry.
  await waitForLeaders(admin, topics, leaderTimeoutMs);
}

const RACE_ERRORS = new Set(['TOPIC_ALREADY_EXISTS', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

function isCreationRace(error: unknown): boolean {
  const e = error as { type?: string; message?: string; errors?: { type?: string }[] };
  if (/already exists/i.test(String(e?.message))) return true;
  const types = Array.isArray(e?.errors) ? e.errors.map((x) => x?.type) : [e?.type];
  return types.length > 0 && types.every((t) => t !== undefined && RACE_ERRORS.has(t));
}

/** Resolves once every partition of every topic has a leader; throws after `timeoutMs`. */
export async function waitForLeaders(admin: Pick<Admin, 'fetchTopicMetadata'>, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      last = new Error('some partitions have no leader yet');
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms: ${(last as Error).message}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
