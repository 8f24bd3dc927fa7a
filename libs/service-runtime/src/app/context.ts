import type { BaseConfig } from '../config.ts';
import { createPool } from '../db.ts';
import { createKafka, createProducer, kafkaSecurityOf } from '../kafka.ts';
import { createMetrics } from '../metrics.ts';
import { createOutbox } from '../outbox.ts';
import type { ServiceContext, ServiceDefinition } from '../app.ts';
import { createLogger } from './logging.ts';

/**
 * What routes, consumers and background tasks are given (`ctx`), plus the Kafka producer and
 * admin client that only the runtime itself uses.
 */
export function createContext<C extends BaseConfig>(def: ServiceDefinition<C>) {
  const { config } = def;
  const logger = def.logger ?? createLogger(def.name, config.LOG_LEVEL);
  const schema = config.DB_SCHEMA ?? def.name.replaceAll('-', '_');
  const pool = createPool({ url: config.DATABASE_URL, schema, max: config.DB_POOL_MAX, logger, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS });
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    clientId: config.KAFKA_CLIENT_ID ?? def.name,
    logger,
    security: kafkaSecurityOf(config),
  });
  const producer = createProducer(kafka);
  const admin = kafka.admin();
  const metrics = createMetrics(def.name);
  const outbox = createOutbox({
    pool,
    schema,
    producer,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    logger,
    pollMs: config.OUTBOX_POLL_MS,
    batchSize: config.OUTBOX_BATCH_SIZE,
    afterPublish: def.outbox?.afterPublish,
    onPublished: (n) => metrics.eventsPublished.inc(n),
  });
  const ctx: ServiceContext<C> = { name: def.name, config, logger, pool, schema, kafka, outbox, metrics, clock: def.clock ?? (() => new Date()) };
  return { ctx, producer, admin };
}
