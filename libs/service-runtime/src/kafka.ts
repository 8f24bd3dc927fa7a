import kafkajs, { type Admin, type Producer } from 'kafkajs';
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

export function createKafka({ brokers, clientId, logger }: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  return new Kafka({
    brokers,
    clientId,
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
  { partitions, replicationFactor }: { partitions: number; replicationFactor: number },
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
    });
  } catch (error) {
    // Another replica created them at the same moment: fine.
    if (!/already exists/i.test(String((error as Error).message))) throw error;
  }
}
