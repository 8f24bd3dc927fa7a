import type { DomainEvent } from '@smart-expertise/contracts';
import type { MissionParties, PublicDelivery } from '@smart-expertise/contracts/public-events';
import type { Pool, Tx } from '@smart-expertise/service-runtime';

/**
 * Every transaction that writes the feed holds this lock until it commits, so feed rows commit in
 * the order of their `seq`: a reader that has seen seq n never finds a smaller one appear later
 * (which concurrent writers would otherwise allow, and the feed's cursor would skip). Keyed by the
 * schema, so environments sharing one database do not wait for each other.
 */
export async function lockFeedWriter(tx: Tx): Promise<void> {
  await tx.query({ name: 'feed-writer-lock', text: "SELECT pg_advisory_xact_lock(hashtextextended('integrations.feed:' || current_schema(), 0))" });
}

export async function knownMissions(tx: Tx, missionIds: string[]): Promise<Map<string, MissionParties>> {
  if (missionIds.length === 0) return new Map();
  const { rows } = await tx.query<{ mission_id: string; insurer_id: string; garage_id: string; expert_office_id: string }>({
    name: 'missions-known',
    text: 'SELECT mission_id, insurer_id, garage_id, expert_office_id FROM missions WHERE mission_id = ANY($1::text[])',
    values: [missionIds],
  });
  return new Map(rows.map((r) => [r.mission_id, { id: r.mission_id, insurerId: r.insurer_id, garageId: r.garage_id, expertOfficeId: r.expert_office_id }]));
}

export async function heldEvents(tx: Tx, missionIds: string[]): Promise<Map<string, DomainEvent[]>> {
  const held = new Map<string, DomainEvent[]>();
  if (missionIds.length === 0) return held;
  const { rows } = await tx.query<{ mission_id: string; event: DomainEvent }>({
    name: 'held-events',
    text: 'SELECT mission_id, event FROM held_events WHERE mission_id = ANY($1::text[]) ORDER BY seq',
    values: [missionIds],
  });
  for (const r of rows) held.set(r.mission_id, [...(held.get(r.mission_id) ?? []), r.event]);
  return held;
}

export async function recordMissions(tx: Tx, missions: MissionParties[], receivedAt: Map<string, string>): Promise<void> {
  if (missions.length === 0) return;
  await tx.query({
    name: 'missions-insert',
    text: `INSERT INTO missions (mission_id, insurer_id, garage_id, expert_office_id, received_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) ON CONFLICT DO NOTHING`,
    values: [missions.map((m) => m.id), missions.map((m) => m.insurerId), missions.map((m) => m.garageId), missions.map((m) => m.expertOfficeId), missions.map((m) => receivedAt.get(m.id))],
  });
}

export async function hold(tx: Tx, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query({
    name: 'held-insert',
    text: 'INSERT INTO held_events (mission_id, event) SELECT m, e FROM unnest($1::text[], $2::jsonb[]) WITH ORDINALITY AS h(m, e, n) ORDER BY n',
    values: [events.map((e) => e.missionId), events.map((e) => JSON.stringify(e))],
  });
}

export async function release(tx: Tx, missionIds: string[]): Promise<void> {
  if (missionIds.length === 0) return;
  await tx.query({ name: 'held-delete', text: 'DELETE FROM held_events WHERE mission_id = ANY($1::text[])', values: [missionIds] });
}

/**
 * Appends the public events to the feed, in order, and makes one delivery per subscription of the
 * receiving organisation that wants the type (a disabled subscription too: its deliveries wait
 * for it to be enabled again). A public event already in the feed (the same internal event under
 * another copy) adds nothing. Returns the number of deliveries made.
 */
export async function appendToFeed(tx: Tx, deliveries: PublicDelivery[]): Promise<number> {
  if (deliveries.length === 0) return 0;
  const { rowCount } = await tx.query({
    name: 'feed-append',
    text: `WITH appended AS (
             INSERT INTO feed (organisation, role, event_id, event_type, mission_id, occurred_at, payload)
             SELECT o, r, i, t, m, a, p FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::json[])
               WITH ORDINALITY AS e(o, r, i, t, m, a, p, n)
             ORDER BY n
             ON CONFLICT (event_id, organisation) DO NOTHING
             RETURNING seq, organisation, role, event_id, event_type, mission_id
           )
           INSERT INTO deliveries (id, subscription_id, feed_seq, event_id, event_type, mission_id)
           SELECT 'dlv_' || replace(gen_random_uuid()::text, '-', ''), s.id, f.seq, f.event_id, f.event_type, f.mission_id
           FROM appended f
           JOIN subscriptions s ON s.organisation = f.organisation AND s.role = f.role
             AND ('*' = ANY (s.event_types) OR f.event_type = ANY (s.event_types))
           ORDER BY f.seq, s.id`,
    values: [
      deliveries.map((d) => d.organisation),
      deliveries.map((d) => d.role),
      deliveries.map((d) => d.event.id),
      deliveries.map((d) => d.event.type),
      deliveries.map((d) => d.event.missionId),
      deliveries.map((d) => d.event.occurredAt),
      deliveries.map((d) => JSON.stringify(d.event)),
    ],
  });
  return rowCount ?? 0;
}

export interface FeedRow {
  seq: number;
  recordedAt: Date;
  payload: unknown;
}

/** The organisation's events after `afterSeq`, oldest first. */
export async function feedPage(pool: Pool, organisation: string, role: string, afterSeq: number, limit: number): Promise<FeedRow[]> {
  const { rows } = await pool.query<{ seq: number; recorded_at: Date; payload: unknown }>({
    name: 'feed-page',
    text: 'SELECT seq, recorded_at, payload FROM feed WHERE organisation = $1 AND role = $2 AND seq > $3 ORDER BY seq LIMIT $4',
    values: [organisation, role, afterSeq, limit],
  });
  return rows.map((r) => ({ seq: r.seq, recordedAt: r.recorded_at, payload: r.payload }));
}

/**
 * Deletes what is older than the retention: feed rows, and the deliveries of those rows whatever
 * their state (a delivery still pending after the retention is dropped with its event, and the
 * count is returned so it is logged). At most `limit` feed rows per call.
 */
export async function expire(pool: Pool, before: Date, limit: number): Promise<{ events: number; pendingDropped: number }> {
  const { rows } = await pool.query<{ events: number; pending: number }>({
    text: `WITH old AS (SELECT seq FROM feed WHERE recorded_at < $1 ORDER BY seq LIMIT $2),
           gone_deliveries AS (DELETE FROM deliveries d USING old WHERE d.feed_seq = old.seq RETURNING d.status),
           gone AS (DELETE FROM feed f USING old WHERE f.seq = old.seq RETURNING 1)
           SELECT (SELECT count(*) FROM gone)::int AS events, (SELECT count(*) FROM gone_deliveries WHERE status = 'pending')::int AS pending`,
    values: [before, limit],
  });
  return { events: rows[0]?.events ?? 0, pendingDropped: rows[0]?.pending ?? 0 };
}
