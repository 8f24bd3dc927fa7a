import Type from 'typebox';
import { validateEvent, type EventType } from '@smart-expertise/contracts';
import {
  DiscardParkedEvent,
  ParkedEventDetail,
  ParkedEventListQuery,
  ParkedEventPage,
  ParkedEventParams,
  type ParkedEvent,
  type ParkedEventAction,
  type ParkedEventStatus,
} from '@smart-expertise/contracts/http/parked-events';
import type { App } from '../app.ts';
import { applyWithInbox, isTransient, type ConsumerSpec, type EventHandler } from '../consumer.ts';
import { decodeKeysetCursor, encodeKeysetCursor } from '../cursor.ts';
import { withTransaction, type Pool, type Tx } from '../db.ts';
import { problemCatalogue } from '../problems.ts';

const ProblemRef = Type.Ref('Problem');

const problems = problemCatalogue({
  parkedEventNotFound: { status: 404, title: 'No parked event with this id in this service' },
  parkedEventResolved: { status: 409, title: 'This parked event was already replayed or discarded' },
  replayFailed: { status: 422, title: 'The event failed again; it stays parked' },
  invalidCursor: { status: 400, title: 'Invalid cursor' },
});

interface Row {
  id: string;
  consumer_group: string;
  topic: string;
  partition: number;
  kafka_offset: string;
  raw: string;
  reason: string;
  status: ParkedEventStatus;
  failures: number;
  parked_at: Date;
  last_failure_at: Date | null;
  resolved_at: Date | null;
}

const COLUMNS = 'id::text, consumer_group, topic, partition, kafka_offset, raw, reason, status, failures, parked_at, last_failure_at, resolved_at';

/** The event's id, type and mission, read from the record when it is JSON with them at all. */
function identify(raw: string): { eventId: string | null; eventType: string | null; missionId: string | null } {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && v.length <= 200 ? v : null);
    return { eventId: text(value.id), eventType: text(value.type), missionId: text(value.missionId) };
  } catch {
    return { eventId: null, eventType: null, missionId: null };
  }
}

function view(row: Row): ParkedEvent {
  return {
    id: row.id,
    consumerGroup: row.consumer_group,
    topic: row.topic,
    partition: row.partition,
    offset: row.kafka_offset,
    ...identify(row.raw),
    status: row.status,
    reason: row.reason,
    failures: row.failures,
    firstFailureAt: row.parked_at.toISOString(),
    lastFailureAt: (row.last_failure_at ?? row.parked_at).toISOString(),
    resolvedAt: row.resolved_at?.toISOString() ?? null,
  };
}

async function actionsOf(db: Pool | Tx, id: string): Promise<ParkedEventAction[]> {
  const { rows } = await db.query<{ action: 'replay' | 'discard'; outcome: ParkedEventAction['outcome']; actor: string; reason: string | null; at: Date }>(
    'SELECT action, outcome, actor, reason, at FROM parked_event_actions WHERE parked_event_id = $1 ORDER BY id',
    [id],
  );
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}

async function detail(db: Pool | Tx, id: string) {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM parked_events WHERE id = $1`, [id]);
  if (!rows[0]) throw problems.parkedEventNotFound();
  return { ...view(rows[0]), actions: await actionsOf(db, id) };
}

/** The row, locked for the action; 404 when absent, 409 when no longer parked. */
async function lockParked(tx: Tx, id: string): Promise<Row> {
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM parked_events WHERE id = $1 FOR UPDATE`, [id]);
  const row = rows[0];
  if (!row) throw problems.parkedEventNotFound();
  if (row.status !== 'parked') throw problems.parkedEventResolved(`it was ${row.status} at ${row.resolved_at?.toISOString()}`);
  return row;
}

async function audit(tx: Tx, id: string, action: 'replay' | 'discard', outcome: ParkedEventAction['outcome'], actor: string, reason: string | null): Promise<void> {
  await tx.query('INSERT INTO parked_event_actions (parked_event_id, action, outcome, actor, reason) VALUES ($1, $2, $3, $4, $5)', [id, action, outcome, actor, reason]);
}

/** Why the event cannot be applied, or null once it was (or was found already applied). */
async function replay(tx: Tx, row: Row, consumers: readonly ConsumerSpec[]): Promise<{ outcome: 'applied' | 'duplicate' } | { failure: string }> {
  const spec = consumers.find((c) => c.groupId === row.consumer_group);
  if (!spec) return { failure: `no consumer group ${row.consumer_group} in this service any more` };
  const validation = validateEvent(row.raw);
  if (!validation.ok) return { failure: `still not a valid event: ${validation.reason}` };
  const handler = spec.handlers[validation.event.type as EventType] as EventHandler<EventType> | undefined;
  if (!handler) return { failure: `consumer group ${spec.groupId} no longer handles ${validation.event.type}` };
  return { outcome: await applyWithInbox(tx, spec.groupId, validation.event, handler) };
}

/**
 * Ops' routes for the events this service's consumers parked: the list, one with its audit, a
 * replay (the consumer group's own handler, with its inbox, so an event applied meanwhile is only
 * marked) and a discard with a reason. Every action is recorded with its actor and logged.
 */
export function parkedEventRoutes(app: App, { pool, consumers }: { pool: Pool; consumers: readonly ConsumerSpec[] }): void {
  const actorOf = (principal: { org: string; sub?: string }) => (principal.sub ? `${principal.sub}@${principal.org}` : principal.org);

  app.get(
    '/v1/parked-events',
    {
      config: { roles: ['ops'] },
      schema: {
        tags: ['operations'],
        summary: "This service's parked events (status parked by default), oldest first: where they were read, why they failed, when",
        querystring: ParkedEventListQuery,
        response: { 200: ParkedEventPage, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef },
      },
    },
    async (request) => {
      const { status = 'parked', limit = 50, cursor } = request.query;
      let after = '0';
      if (cursor) {
        const [id] = decodeKeysetCursor(cursor, 1) ?? [];
        if (typeof id !== 'string' || !/^[0-9]{1,18}$/.test(id)) {
          throw problems.invalidCursor('cursor is not one this service issued; start again without it', { errors: [{ path: '/query/cursor', message: 'is invalid' }] });
        }
        after = id;
      }
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM parked_events WHERE status = $1 AND id > $2 ORDER BY id LIMIT $3`, [status, after, limit + 1]);
      const items = rows.slice(0, limit).map(view);
      return { items, nextCursor: rows.length > limit ? encodeKeysetCursor([items.at(-1)!.id]) : null };
    },
  );

  app.get(
    '/v1/parked-events/:id',
    {
      config: { roles: ['ops'] },
      schema: {
        tags: ['operations'],
        summary: 'One parked event and every action taken on it',
        params: ParkedEventParams,
        response: { 200: ParkedEventDetail, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => detail(pool, request.params.id),
  );

  app.post(
    '/v1/parked-events/:id/replay',
    {
      config: { roles: ['ops'] },
      bodyLimit: 1024,
      schema: {
        tags: ['operations'],
        summary: "Applies the event again through its consumer group's handler (after a fix); an event applied meanwhile is only marked replayed",
        params: ParkedEventParams,
        response: { 200: ParkedEventDetail, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request) => {
      const { id } = request.params;
      const actor = actorOf(request.principal);
      let failure: string | null = null;
      try {
        await withTransaction(pool, async (tx) => {
          const row = await lockParked(tx, id);
          const result = await replay(tx, row, consumers);
          if ('failure' in result) {
            failure = result.failure;
            throw new Error(result.failure);
          }
          await tx.query("UPDATE parked_events SET status = 'replayed', replayed_at = now(), resolved_at = now() WHERE id = $1", [id]);
          await audit(tx, id, 'replay', result.outcome, actor, null);
          request.log.warn({ parkedEventId: id, outcome: result.outcome, actor }, 'parked event replayed');
        });
      } catch (error) {
        if (failure === null && (isTransient(error) || (error as { status?: number }).status !== undefined)) throw error;
        const reason = failure ?? `handler failed: ${(error as Error).message}`;
        // The handler's work is rolled back; the failure and who tried are kept.
        await withTransaction(pool, async (tx) => {
          await lockParked(tx, id);
          await tx.query("UPDATE parked_events SET failures = failures + 1, last_failure_at = now(), reason = $2 WHERE id = $1", [id, reason]);
          await audit(tx, id, 'replay', 'failed', actor, reason);
        });
        request.log.warn({ parkedEventId: id, reason, actor }, 'parked event replay failed; it stays parked');
        throw problems.replayFailed(reason, { parkedEvent: id });
      }
      return detail(pool, id);
    },
  );

  app.post(
    '/v1/parked-events/:id/discard',
    {
      config: { roles: ['ops'] },
      bodyLimit: 2048,
      schema: {
        tags: ['operations'],
        summary: 'Sets the event aside for good, with the reason (kept in the audit)',
        params: ParkedEventParams,
        body: DiscardParkedEvent,
        response: { 200: ParkedEventDetail, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef, 409: ProblemRef },
      },
    },
    async (request) => {
      const { id } = request.params;
      const actor = actorOf(request.principal);
      await withTransaction(pool, async (tx) => {
        await lockParked(tx, id);
        await tx.query("UPDATE parked_events SET status = 'discarded', resolved_at = now() WHERE id = $1", [id]);
        await audit(tx, id, 'discard', 'discarded', actor, request.body.reason);
      });
      request.log.warn({ parkedEventId: id, actor, reason: request.body.reason }, 'parked event discarded');
      return detail(pool, id);
    },
  );
}
