import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { type EventEnvelope, type EventPayload, type EventType, TopicOf } from '@smart-expertise/contracts';
import type { Pool, Tx } from './db.ts';
import { afterCommit } from './db.ts';

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
  /**
   * The append as part of a larger statement the caller runs itself (a whole command in one round
   * trip): an `INSERT … SELECT` whose parameters are numbered from `firstParam`, writing its rows
   * only where the SQL condition `onlyIf` holds. Once that statement has committed, call `wake()`.
   */
  appendStatement(events: NewEvent<EventType>[], options: { firstParam: number; onlyIf?: string }): { text: string; values: unknown[]; envelopes: EventEnvelope[] };
  /** Tells the relay that events were committed (what `append` does by itself once its transaction commits). */
  wake(): void;
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

/**
 * The relay's statements, prepared once per connection (`name`): they run for every batch. The
 * claim's snapshot is taken as the statement starts, just before the lock: a batch another replica
 * marks sent and unlocks in that instant is read as pending and published again. Publication is at
 * least once anyway (a relay can die between publishing and marking sent); the inboxes absorb it.
 */
const CLAIM_SQL = `WITH lock AS (SELECT pg_try_advisory_lock(hashtext($1)) AS ok)
  SELECT lock.ok, pending.* FROM lock
  LEFT JOIN LATERAL (
    SELECT seq, topic, mission_id, envelope FROM outbox WHERE lock.ok AND sent_at IS NULL ORDER BY seq LIMIT $2
  ) pending ON true`;
const MARK_SENT_SQL = 'UPDATE outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])';
const UNLOCK_SQL = 'SELECT pg_advisory_unlock(hashtext($1))';
/** How soon a relay that found another replica publishing tries again, at first (doubling)... */
const BUSY_RETRY_MS = 20;
/**
 * ...up to this (or the poll, if shorter). Without this bound, a replica whose commits kept finding
 * the other one publishing doubled its wait up to the poll interval, and its last events waited
 * that long (a one-minute poll made a test wait past its 30 s).
 */
const BUSY_RETRY_MAX_MS = 250;

export function createOutbox(options: OutboxOptions): Outbox {
  const { pool, schema, producer, topicPrefix, logger, pollMs, batchSize } = options;
  // The advisory lock that keeps one relay at a time per service (replicas included).
  const lockKey = `outbox_${schema}`;
  let running = false;
  let wake: (() => void) | null = null;
  // A commit that appended events while a batch was being published must not be missed.
  let woken = false;
  let loop: Promise<void> | null = null;
  // relayOnce is called by the loop and by tests; one at a time in this process.
  let relaying: Promise<unknown> = Promise.resolve();

  function wakeRelay(): void {
    woken = true;
    wake?.();
  }

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

  function appendStatement(events: NewEvent<EventType>[], { firstParam, onlyIf }: { firstParam: number; onlyIf?: string }) {
    const envelopes = events.map(envelopeOf);
    const [id, topic, missionId, type, envelope] = [0, 1, 2, 3, 4].map((i) => `$${firstParam + i}`);
    // unnest keeps the array order, so seq follows the order of `events`. No NOTIFY here: a
    // notifying commit waits for every other notifying commit of the cluster; the relay of this
    // process is woken once the transaction has committed, and polls for the rest.
    const text = `INSERT INTO outbox (event_id, topic, mission_id, event_type, envelope)
       SELECT * FROM unnest(${id}::uuid[], ${topic}::text[], ${missionId}::text[], ${type}::text[], ${envelope}::jsonb[])${onlyIf ? ` WHERE ${onlyIf}` : ''}`;
    const values = [
      envelopes.map((e) => e.id),
      envelopes.map((e) => TopicOf[e.type as EventType]),
      envelopes.map((e) => e.missionId),
      envelopes.map((e) => e.type),
      envelopes.map((e) => JSON.stringify(e)),
    ];
    return { text, values, envelopes };
  }

  async function appendMany(tx: Tx, events: NewEvent<EventType>[]): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const { text, values, envelopes } = appendStatement(events, { firstParam: 1 });
    await tx.query({ name: 'outbox-append', text, values });
    afterCommit(tx, wakeRelay);
    return envelopes;
  }

  async function append<T extends EventType>(tx: Tx, event: NewEvent<T>): Promise<EventEnvelope> {
    const [envelope] = await appendMany(tx, [event as NewEvent<EventType>]);
    return envelope!;
  }

  /**
   * One batch: take the lock and read the pending events (one statement), publish them, mark them
   * sent (one autocommitted statement), let the lock go. No transaction stays open while Kafka
   * acknowledges, and the lock, held by the session, goes with the connection if the process dies.
   * `busy`: another relay (another replica) holds the lock.
   */
  async function publishBatch(): Promise<{ published: number; busy: boolean }> {
    const client = await pool.connect();
    let locked = false;
    let broken = false;
    try {
      const { rows } = await client.query<{ ok: boolean; seq: number | null; topic: string; mission_id: string; envelope: EventEnvelope }>({
        name: 'outbox-claim',
        text: CLAIM_SQL,
        values: [lockKey, batchSize],
      });
      locked = rows[0]?.ok === true;
      if (!locked) return { published: 0, busy: true };
      const pending = rows.filter((row) => row.seq !== null);
      if (pending.length === 0) return { published: 0, busy: false };
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const row of pending) {
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
      await options.afterPublish?.(pending.length);
      await client.query({ name: 'outbox-mark-sent', text: MARK_SENT_SQL, values: [pending.map((r) => r.seq)] });
      options.onPublished?.(pending.length);
      return { published: pending.length, busy: false };
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      if (locked && !broken) {
        try {
          await client.query({ name: 'outbox-unlock', text: UNLOCK_SQL, values: [lockKey] });
        } catch {
          broken = true;
        }
      }
      // A connection whose state is unknown (a failure while the lock may be held) is closed,
      // which lets the lock go with it.
      client.release(broken && locked ? true : undefined);
    }
  }

  function relayBatch(): Promise<{ published: number; busy: boolean }> {
    const next = relaying.then(publishBatch, publishBatch);
    relaying = next.catch(() => {});
    return next;
  }

  async function relayOnce(): Promise<number> {
    return (await relayBatch()).published;
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

  async function run(): Promise<void> {
    let failures = 0;
    let busyRetryMs = BUSY_RETRY_MS;
    let lastCleanup = 0;
    while (running) {
      // Whether this process committed events the relay has not read yet.
      const owed = woken;
      woken = false;
      try {
        const { published, busy } = await relayBatch();
        failures = 0;
        if (Date.now() - lastCleanup > 3_600_000) {
          lastCleanup = Date.now();
          await pool.query("DELETE FROM outbox WHERE sent_at < now() - interval '7 days'");
        }
        if (busy) {
          // Another replica is publishing; what this one committed waits for its turn, soon.
          if (owed || woken) {
            woken = true;
            if (running) await sleep(busyRetryMs);
            busyRetryMs = Math.min(pollMs, BUSY_RETRY_MAX_MS, busyRetryMs * 2);
          } else if (running) {
            await sleep(pollMs);
          }
          continue;
        }
        busyRetryMs = BUSY_RETRY_MS;
        if (published < batchSize && running && !woken) await sleep(pollMs);
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
    appendStatement,
    wake: wakeRelay,
    relayOnce,
    async start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
    },
    async backlog() {
      const { rows } = await pool.query<{ pending: number; age: number | null }>(
        'SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS age FROM outbox WHERE sent_at IS NULL',
      );
      return { pending: rows[0]?.pending ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
    },
  };
}
