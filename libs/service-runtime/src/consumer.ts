import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
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
  /**
   * Applies the new events of a batch together, in their order, instead of one handler call each:
   * for a service that can do in a few statements what its handlers do in a few per event. It must
   * have the effect of the handlers applied one after the other. The handlers still apply an event
   * alone when a batch fails, so retries and parking concern the failing event only.
   */
  applyBatch?: (tx: Tx, events: DomainEvent[]) => Promise<void>;
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
 * How often a consumer commits its Kafka positions. The inbox, not the offset, is what makes an
 * event apply once: a position committed late only means that, after a crash or a rebalance, up
 * to this much is delivered again and found in the inbox. Committing after every small batch cost
 * a broker round trip per event at a steady pace.
 */
export const OFFSET_COMMIT_INTERVAL_MS = 1_000;
/** Events applied in one transaction at most: bounds how long row locks are held. */
export const DEFAULT_CONSUMER_BATCH = 200;

interface Delivery {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/**
 * Applies one event in `tx` unless the group's inbox already holds it: the event's effect and its
 * inbox row commit together. The consumer does this for an event alone, and ops' replay of a
 * parked event does the same.
 */
export async function applyWithInbox(tx: Tx, groupId: string, event: DomainEvent, handler: EventHandler<EventType>): Promise<'applied' | 'duplicate'> {
  const inserted = await tx.query({
    name: 'inbox-insert',
    text: 'INSERT INTO inbox (consumer_group, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    values: [groupId, event.id, event.type],
  });
  if (inserted.rowCount === 0) return 'duplicate';
  await handler(tx, event as never);
  return 'applied';
}

/**
 * Consumes events with an inbox: each event's effect and its inbox row commit together, so a
 * redelivered event changes nothing. An event that fails validation, or whose handler keeps
 * failing for a reason that is not transient, is parked with its reason and the consumer goes on.
 *
 * Events are applied in batches: the events Kafka hands over for one partition, in order, up to
 * `batchSize` per transaction, with one inbox statement for the batch. A commit costs a WAL flush,
 * so this is what lets a consumer keep up with a sweep of 100,000 expiries. When a handler fails
 * inside a batch, the batch is rolled back and its events are applied again one per transaction,
 * so retries and parking concern the failing event alone.
 */
export function createConsumer({
  kafka,
  pool,
  spec,
  topicPrefix,
  logger,
  metrics,
  sessionTimeout = 30_000,
  batchSize = DEFAULT_CONSUMER_BATCH,
}: {
  kafka: Kafka;
  pool: Pool;
  spec: ConsumerSpec;
  topicPrefix: string;
  logger: Logger;
  metrics?: ConsumerMetrics;
  sessionTimeout?: number;
  batchSize?: number;
}): RunningConsumer {
  const log = logger.child({ consumerGroup: spec.groupId });
  let consumer: Consumer | null = null;
  let commitTimer: NodeJS.Timeout | null = null;
  // The next offset to commit, per topic and partition, of what has been applied since the last commit.
  const positions = new Map<string, { topic: string; partition: number; offset: string }>();
  let lastCommit = Date.now();
  // One commit at a time, so that an older position never lands after a newer one.
  let committing: Promise<void> = Promise.resolve();

  function applied(topic: string, partition: number, offset: string, resolveOffset: (offset: string) => void): void {
    resolveOffset(offset);
    positions.set(`${topic}:${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
  }

  /** Takes the positions to commit, grouped as Kafka's offset commit wants them. */
  function takePositions(): { topic: string; partitions: { partition: number; offset: string }[] }[] {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of positions.values()) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
    positions.clear();
    lastCommit = Date.now();
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  /**
   * Commits what was applied: `commit` is the batch's own (it works while the consumer stops, so
   * the last positions are committed on the way out) or the consumer's (the timer, between batches).
   */
  function commitPositions(commit: (topics: ReturnType<typeof takePositions>) => Promise<unknown>): Promise<void> {
    committing = committing.then(async () => {
      if (positions.size === 0) return;
      try {
        await commit(takePositions());
      } catch (error) {
        // A rebalance under way, say: those events are delivered again and found in the inbox.
        log.debug({ err: error }, 'offsets not committed');
      }
    });
    return committing;
  }

  async function park({ topic, partition, message }: Delivery, reason: string): Promise<void> {
    await pool.query(
      `INSERT INTO parked_events (consumer_group, topic, partition, kafka_offset, message_key, raw, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [spec.groupId, topic, partition, message.offset, message.key?.toString('utf8') ?? null, message.value?.toString('utf8') ?? '', reason],
    );
    log.error({ topic, partition, offset: message.offset, reason }, 'event parked');
  }

  async function apply(event: DomainEvent, handler: EventHandler<EventType>): Promise<'applied' | 'duplicate'> {
    return withTransaction(pool, (tx) => applyWithInbox(tx, spec.groupId, event, handler));
  }

  /** Applies events in order in one transaction; the outcome of each, by position. */
  async function applyAll(events: DomainEvent[]): Promise<Array<'applied' | 'duplicate'>> {
    return withTransaction(pool, async (tx) => {
      // Prepared once per connection, like every statement a consumer runs for each batch.
      const { rows } = await tx.query<{ event_id: string }>({
        name: 'inbox-insert-batch',
        text: `INSERT INTO inbox (consumer_group, event_id, event_type)
         SELECT $1, id, type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        values: [spec.groupId, events.map((e) => e.id), events.map((e) => e.type)],
      });
      // A set: the same event twice in one batch (a duplicated copy on the topic) applies once.
      const fresh = new Set(rows.map((r) => r.event_id));
      const outcomes = events.map((event): 'applied' | 'duplicate' => (fresh.delete(event.id) ? 'applied' : 'duplicate'));
      const toApply = events.filter((_, i) => outcomes[i] === 'applied');
      if (spec.applyBatch) {
        if (toApply.length > 0) await spec.applyBatch(tx, toApply);
      } else {
        for (const event of toApply) await (spec.handlers[event.type] as EventHandler<EventType>)(tx, event as never);
      }
      return outcomes;
    });
  }

  /** One event in a transaction of its own, with retries; parks it when it keeps failing. */
  async function applyOne(delivery: Delivery, event: DomainEvent, heartbeat: () => Promise<void>): Promise<void> {
    const handler = spec.handlers[event.type] as EventHandler<EventType>;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await apply(event, handler);
        metrics?.consumed(event.type, outcome);
        if (outcome === 'duplicate') log.debug({ eventId: event.id, type: event.type }, 'duplicate event ignored');
        return;
      } catch (error) {
        if (isTransient(error)) throw retryLater(error, event);
        if (attempt >= MAX_ATTEMPTS) {
          await park(delivery, `handler failed ${attempt} times: ${(error as Error).message}`);
          metrics?.consumed(event.type, 'parked');
          return;
        }
        log.warn({ err: error, eventId: event.id, type: event.type, attempt }, 'handler failed; retrying');
        await heartbeat();
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  function retryLater(error: unknown, event: DomainEvent | null): unknown {
    // Thrown back to kafkajs, which fetches again from the last resolved offset once the
    // database is back; nothing past that offset was committed.
    if (event) metrics?.consumed(event.type, 'retried');
    log.warn({ err: error, eventId: event?.id, type: event?.type }, 'transient failure applying events; will retry');
    return error;
  }

  /** Parks what is invalid, skips what no handler wants, and returns what is left to apply. */
  async function sort(deliveries: Delivery[]): Promise<Array<{ delivery: Delivery; event: DomainEvent }>> {
    const runnable: Array<{ delivery: Delivery; event: DomainEvent }> = [];
    for (const delivery of deliveries) {
      const validation = validateEvent(delivery.message.value ?? '');
      if (!validation.ok) {
        await park(delivery, validation.reason);
        metrics?.consumed('invalid', 'parked');
      } else if (!spec.handlers[validation.event.type]) {
        metrics?.consumed(validation.event.type, 'ignored');
      } else {
        runnable.push({ delivery, event: validation.event });
      }
    }
    return runnable;
  }

  /** Through the consumer, which commits only while it runs. */
  async function commitBetweenBatches(): Promise<void> {
    const running = consumer;
    if (!running) return;
    await commitPositions((topics) => running.commitOffsets(topics.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, ...p })))));
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { isRunning, commitOffsetsIfNecessary } = payload;
    try {
      await applyBatch(payload);
    } finally {
      if (!isRunning() || Date.now() - lastCommit >= OFFSET_COMMIT_INTERVAL_MS) {
        await commitPositions((topics) => commitOffsetsIfNecessary({ topics }));
      }
    }
  }

  async function applyBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    for (let start = 0; start < batch.messages.length; start += batchSize) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + batchSize).map((message) => ({ topic, partition, message }));
      const runnable = await sort(chunk);
      if (runnable.length > 0) {
        let outcomes: Array<'applied' | 'duplicate'> | null = null;
        try {
          outcomes = await applyAll(runnable.map((r) => r.event));
        } catch (error) {
          if (isTransient(error)) throw retryLater(error, null);
          log.warn({ err: error, topic, partition, events: runnable.length }, 'a handler failed in a batch; applying its events one at a time');
        }
        if (outcomes) {
          outcomes.forEach((outcome, i) => metrics?.consumed(runnable[i]!.event.type, outcome));
        } else {
          for (const { delivery, event } of runnable) {
            await applyOne(delivery, event, heartbeat);
            applied(topic, partition, delivery.message.offset, resolveOffset);
          }
        }
      }
      applied(topic, partition, chunk.at(-1)!.message.offset, resolveOffset);
      await heartbeat();
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
        // What one fetch may bring back, and so hold in memory at once (kafkajs defaults: 1 MB per
        // partition, 10 MB in all). A backlog of 100,000 events otherwise arrives in fetches of
        // several MB, decoded at once; a few thousand events per fetch keep the chunks of
        // `batchSize` busy just as well.
        maxBytesPerPartition: 256 * 1024,
        maxBytes: 1024 * 1024,
        allowAutoTopicCreation: false,
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
      });
      // Positions applied before a rebalance may belong to another member now: it starts from
      // the last committed ones and finds those events in its inbox.
      consumer.on(consumer.events.GROUP_JOIN, () => positions.clear());
      await consumer.connect();
      await consumer.subscribe({ topics: spec.topics.map((t) => topicPrefix + t), fromBeginning: true });
      await consumer.run({ eachBatch, eachBatchAutoResolve: false, autoCommit: false, partitionsConsumedConcurrently: 3 });
      // A pace too slow to reach the interval within batches is committed between them.
      commitTimer = setInterval(() => {
        if (Date.now() - lastCommit >= OFFSET_COMMIT_INTERVAL_MS) void commitBetweenBatches();
      }, OFFSET_COMMIT_INTERVAL_MS);
      commitTimer.unref();
    },
    async stop() {
      if (commitTimer) clearInterval(commitTimer);
      commitTimer = null;
      // What was applied so far, then (stopping waits for it) what the batch in hand applies.
      await commitBetweenBatches();
      await consumer?.disconnect();
      consumer = null;
    },
  };
}
