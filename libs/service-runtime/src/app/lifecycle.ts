import type { Admin, Producer } from 'kafkajs';
import { ALL_TOPICS } from '@smart-expertise/contracts';
import type { App, BackgroundTask, ServiceContext, ServiceDefinition } from '../app.ts';
import type { BaseConfig } from '../config.ts';
import { createConsumer, type ConsumerSpec, type RunningConsumer } from '../consumer.ts';
import { migrate } from '../db.ts';
import { ensureTopics } from '../kafka.ts';

export type Phase = 'starting' | 'started' | 'stopping';

/**
 * Start and stop of everything around the HTTP server: migrations, topics, the producer, the outbox
 * relay, consumers and background tasks. Not fastify onClose hooks: stop() closes the HTTP server
 * first and the connections last, and `app.close()` alone still closes only the HTTP server.
 */
export function createLifecycle<C extends BaseConfig>({ app, def, ctx, producer, admin }: { app: App; def: ServiceDefinition<C>; ctx: ServiceContext<C>; producer: Producer; admin: Admin }) {
  const { config, logger, kafka, pool, schema, outbox, metrics } = ctx;
  let started = false;
  let stopping = false;
  const consumers: RunningConsumer[] = [];
  const tasks: BackgroundTask[] = [];
  const runMigrations = () => migrate({ url: config.DATABASE_URL, schema, dir: def.migrationsDir, logger });

  return {
    phase: (): Phase => (stopping ? 'stopping' : started ? 'started' : 'starting'),
    migrate: runMigrations,
    async start(consumerSpecs: ConsumerSpec[]): Promise<string> {
      await runMigrations();
      await admin.connect();
      if (config.KAFKA_CREATE_TOPICS) {
        const topics = (def.topics ?? ALL_TOPICS).map((t) => config.KAFKA_TOPIC_PREFIX + t);
        await ensureTopics(admin, topics, { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR });
      }
      if (def.publishes !== false) {
        await producer.connect();
        await outbox.start();
      }
      for (const spec of consumerSpecs) {
        const consumer = createConsumer({
          kafka,
          pool,
          spec,
          topicPrefix: config.KAFKA_TOPIC_PREFIX,
          logger,
          metrics: { consumed: (type, outcome) => metrics.eventsConsumed.inc({ type, outcome }) },
          sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
        });
        await consumer.start();
        consumers.push(consumer);
      }
      for (const task of def.background?.(ctx) ?? []) {
        await task.start();
        tasks.push(task);
      }
      const url = await app.listen({ host: config.HOST, port: config.PORT });
      started = true;
      logger.info({ url }, `${def.name} ready`);
      return url;
    },
    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      // Stop taking requests and let in-flight ones finish, then stop producing work.
      await app.close();
      for (const task of tasks.splice(0)) await task.stop();
      for (const consumer of consumers.splice(0)) await consumer.stop();
      await outbox.stop();
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await pool.end().catch(() => {});
      logger.info(`${def.name} stopped`);
    },
  };
}
