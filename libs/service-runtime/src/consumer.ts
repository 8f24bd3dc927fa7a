import type { Consumer, EachMessagePayload } from 'kafkajs';
import type { Logger } from 'pino';
import { type DomainEvent, type EventType, type TopicName, validateEvent } from '@smart-expertise/contracts';
import type { Pool, Tx } from './db.ts';
import { withTransaction } from './db.ts';
import type { Kafka } from './kafka.ts';

export type EventHandler<T extends EventType> = (tx: Tx, event: DomainEvent<T>) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface ConsumerSpec {
  /** The consumer group; also the inbox's key, so a rename means re-applying everything. */
  groupId: string;
  topics: TopicName[];
  handlers: EventHandlers;
}

export interface RunningConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly groupId: string;
}

export interface ConsumerMetrics {
  consumed(type: string, outcome: 'applied' | 'duplicate' | 'ignored' | 'parked' | 'retried'): void;
}

/** Errors that say the database or network is away for a while: retry, never park. */
export function isTransient(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (e?.code && (/^(08|57P|53)/.test(e.code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '40001', '40P01'].includes(e.code))) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connection .*(closed|ended)|Client has encountered a connection error/i.test(e?.message ?? '');
}

const MAX_ATTEMPTS = 5;

/**
 * Consumes events with an inbox: each event's effect and its inbox row commit together, so a
 * redelivered event changes nothing. An event that fails validation, or whose handler keeps
 * failing for a reason that is not transient, is parked with its reason and the consumer goes on.
 */
export function createConsumer({
  kafka,
  pool,
  spec,
  topicPrefix,
  logger,
  metrics,
  sessionTimeout = 30_000,
}: {
  kafka: Kafka;
  pool: Pool;
  spec: ConsumerSpec;
  topicPrefix: string;
  logger: Logger;
  metrics?: ConsumerMetrics;
  sessionTimeout?: number;
}): RunningConsumer {
  const log = logger.child({ consumerGroup: spec.groupId });
  let consumer: Consumer | null = null;

  async function park(payload: EachMessagePayload, reason: string): Promise<void> {
    const { topic, partition, message } = payload;
    await pool.query(
      `INSERT INTO parked_events (consumer_group, topic, partition, kafka_offset, message_key, raw, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [spec.groupId, topic, partition, message.offset, message.key?.toString('utf8') ?? null, message.value?.toString('utf8') ?? '', reason],
    );
    log.error({ topic, partition, offset: message.offset, reason }, 'event parked');
  }

  async function apply(event: DomainEvent, handler: EventHandler<EventType>): Promise<'applied' | 'duplicate'> {
    return withTransaction(pool, async (tx) => {
      const inserted = await tx.query(
        'INSERT INTO inbox (consumer_group, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [spec.groupId, event.id, event.type],
      );
      if (inserted.rowCount === 0) return 'duplicate';
      await handler(tx, event as never);
      return 'applied';
    });
  }

  async function eachMessage(payload: EachMessagePayload): Promise<void> {
    const { message } = payload;
    const validation = validateEvent(message.value ?? '');
    if (!validation.ok) {
      await park(payload, validation.reason);
      metrics?.consumed('invalid', 'parked');
      return;
    }
    const event = validation.event;
    const handler = spec.handlers[event.type] as EventHandler<EventType> | undefined;
    if (!handler) {
      metrics?.consumed(event.type, 'ignored');
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await apply(event, handler);
        metrics?.consumed(event.type, outcome);
        if (outcome === 'duplicate') log.debug({ eventId: event.id, type: event.type }, 'duplicate event ignored');
        return;
      } catch (error) {
        if (isTransient(error)) {
          // Let kafkajs restart from the last committed offset once the database is back.
          metrics?.consumed(event.type, 'retried');
          log.warn({ err: error, eventId: event.id, type: event.type }, 'transient failure applying event; will retry');
          throw error;
        }
        if (attempt >= MAX_ATTEMPTS) {
          await park(payload, `handler failed ${attempt} times: ${(error as Error).message}`);
          metrics?.consumed(event.type, 'parked');
          return;
        }
        log.warn({ err: error, eventId: event.id, type: event.type, attempt }, 'handler failed; retrying');
        await payload.heartbeat();
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  return {
    groupId: spec.groupId,
    async start() {
      consumer = kafka.consumer({
        // The prefix keeps environments sharing one broker in groups of their own.
        groupId: topicPrefix + spec.groupId,
        sessionTimeout,
        heartbeatInterval: 3_000,
        allowAutoTopicCreation: false,
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
      });
      await consumer.connect();
      await consumer.subscribe({ topics: spec.topics.map((t) => topicPrefix + t), fromBeginning: true });
      await consumer.run({ eachMessage, partitionsConsumedConcurrently: 3 });
    },
    async stop() {
      await consumer?.disconnect();
      consumer = null;
    },
  };
}
