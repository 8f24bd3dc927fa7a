import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { type EventEnvelope, type EventPayload, type EventType, TopicOf } from '@smart-expertise/contracts';
import type pg from 'pg';
import type { Pool, Tx } from './db.ts';
import { quoteIdent } from './db.ts';

export interface NewEvent<T extends EventType> {
  /** Only for a caller that must know the event's id before appending it; a fresh UUID otherwise. */
  id?: string;
  type: T;
  missionId: string;
  payload: EventPayload<T>;
  correlationId: string;
  causationId?: string | null;
  occurredAt?: Date;
  version?: number;
}

export interface Outbox {
  /** Writes the event in the caller's transaction: it is published only if that transaction commits. */
  append<T extends EventType>(tx: Tx, event: NewEvent<T>): Promise<EventEnvelope>;
  /** The same for many events in one statement (batches of a sweep, say), in the given order. */
  appendMany(tx: Tx, events: NewEvent<EventType>[]): Promise<EventEnvelope[]>;
  /** Publishes what is pending now; returns how many events were published. */
  relayOnce(): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Events not yet published, and the age in seconds of the oldest one. */
  backlog(): Promise<{ pending: number; oldestAgeSeconds: number }>;
}

export interface OutboxOptions {
  pool: Pool;
  schema: string;
  producer: Producer;
  topicPrefix: string;
  logger: Logger;
  pollMs: number;
  batchSize: number;
  /** Test seam: runs after Kafka acknowledged a batch and before it is marked sent. */
  afterPublish?: (count: number) => Promise<void> | void;
  onPublished?: (count: number) => void;
}

export function createOutbox(options: OutboxOptions): Outbox {
  const { pool, schema, producer, topicPrefix, logger, pollMs, batchSize } = options;
  const channel = `outbox_${schema}`;
  let running = false;
  let wake: (() => void) | null = null;
  // A notification that arrives while a batch is being published must not be lost.
  let notified = false;
  let loop: Promise<void> | null = null;
  let listener: pg.PoolClient | null = null;

  function envelopeOf(event: NewEvent<EventType>): EventEnvelope {
    return {
      id: event.id ?? randomUUID(),
      type: event.type,
      version: event.version ?? 1,
      occurredAt: (event.occurredAt ?? new Date()).toISOString(),
      missionId: event.missionId,
      correlationId: event.correlationId,
      causationId: event.causationId ?? null,
      payload: event.payload,
    };
  }

  async function appendMany(tx: Tx, events: NewEvent<EventType>[]): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const envelopes = events.map(envelopeOf);
    // unnest keeps the array order, so seq follows the order of `events`.
    // One statement, one round trip: the notification is delivered at commit only, so the relay
    // never wakes for a rolled-back change.
    await tx.query(
      `WITH appended AS (
         INSERT INTO outbox (event_id, topic, mission_id, event_type, envelope)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
       )
       SELECT pg_notify($6, '')`,
      [
        envelopes.map((e) => e.id),
        envelopes.map((e) => TopicOf[e.type as EventType]),
        envelopes.map((e) => e.missionId),
        envelopes.map((e) => e.type),
        envelopes.map((e) => JSON.stringify(e)),
        channel,
      ],
    );
    return envelopes;
  }

  async function append<T extends EventType>(tx: Tx, event: NewEvent<T>): Promise<EventEnvelope> {
    const [envelope] = await appendMany(tx, [event as NewEvent<EventType>]);
    return envelope!;
  }

  async function relayOnce(): Promise<number> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // One relay at a time per service keeps the publication order of the outbox.
      const { rows: lock } = await client.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [channel]);
      if (!lock[0].ok) {
        await client.query('COMMIT');
        return 0;
      }
      const { rows } = await client.query<{ seq: number; topic: string; mission_id: string; envelope: EventEnvelope }>(
        'SELECT seq, topic, mission_id, envelope FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1',
        [batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const row of rows) {
        const topic = topicPrefix + row.topic;
        const messages = byTopic.get(topic) ?? [];
        messages.push({
          key: row.mission_id,
          value: JSON.stringify(row.envelope),
          headers: { 'event-type': row.envelope.type, 'event-id': row.envelope.id, 'correlation-id': row.envelope.correlationId },
        });
        byTopic.set(topic, messages);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      await options.afterPublish?.(rows.length);
      await client.query('UPDATE outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
      await client.query('COMMIT');
      options.onPublished?.(rows.length);
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  async function listen(): Promise<void> {
    try {
      const client = await pool.connect();
      listener = client;
      client.on('notification', () => {
        notified = true;
        wake?.();
      });
      client.on('error', (error: Error) => {
        logger.warn({ err: error }, 'outbox listener lost its connection; polling until it is back');
        client.release(true);
        listener = null;
      });
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (error) {
      listener?.release(true);
      listener = null;
      logger.warn({ err: error }, 'outbox listener could not start; polling');
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    let lastCleanup = 0;
    while (running) {
      try {
        if (!listener) await listen();
        notified = false;
        const published = await relayOnce();
        failures = 0;
        if (Date.now() - lastCleanup > 3_600_000) {
          lastCleanup = Date.now();
          await pool.query("DELETE FROM outbox WHERE sent_at < now() - interval '7 days'");
        }
        if (published < batchSize && running && !notified) await sleep(pollMs);
      } catch (error) {
        failures += 1;
        logger.warn({ err: error, failures }, 'outbox relay failed; will retry');
        if (running) await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  return {
    append,
    appendMany,
    relayOnce,
    async start() {
      if (running) return;
      running = true;
      await listen();
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
      const client = listener as pg.PoolClient | null;
      listener = null;
      if (client) {
        await client.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
        client.release();
      }
    },
    async backlog() {
      const { rows } = await pool.query<{ pending: number; age: number | null }>(
        'SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS age FROM outbox WHERE sent_at IS NULL',
      );
      return { pending: rows[0]?.pending ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
    },
  };
}
