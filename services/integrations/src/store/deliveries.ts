import type { Pool } from '@smart-expertise/service-runtime';

export interface DeliveryRow {
  id: string;
  subscriptionId: string;
  feedSeq: number;
  eventId: string;
  eventType: string;
  missionId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, subscription_id, feed_seq, event_id, event_type, mission_id, status, attempts, next_attempt_at, last_attempt_at,
  last_status, last_error, delivered_at, created_at`;

function rowOf(r: Record<string, any>): DeliveryRow {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    feedSeq: r.feed_seq,
    eventId: r.event_id,
    eventType: r.event_type,
    missionId: r.mission_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
  };
}

/** A delivery the sender has claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  attempts: number;
  /** Attempts made before the last redelivery: the retry schedule counts from there. */
  retryBase: number;
  url: string;
  secretEncrypted: string;
  previousSecretEncrypted: string | null;
  previousSecretExpiresAt: Date | null;
  /** The public event as the feed holds it: the exact bytes sent and signed. */
  body: string;
}

/**
 * Claims up to `limit` due deliveries for this sender: each the oldest pending delivery of its
 * (subscription, mission), of an enabled subscription, not leased by another sender, at most
 * `perSubscription` less what this sender already has in flight for that subscription. The lease
 * (`leaseMs`) makes them invisible to the other replicas until it runs out or the result is saved.
 */
export async function claimDue(
  pool: Pool,
  { limit, perSubscription, busy, leaseMs }: { limit: number; perSubscription: number; busy: Map<string, number>; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  const { rows } = await pool.query({
    name: 'deliveries-claim',
    // The head of every (subscription, mission) chain in one pass over the pending rows, in the
    // order of the deliveries_chain index: linear in what is pending whatever the statistics say.
    // (A NOT EXISTS on an earlier pending delivery was planned as a nested loop over the whole
    // backlog when the statistics still said nothing was pending: 50 s for 20,000 rows.)
    text: `WITH heads AS (
             SELECT DISTINCT ON (d.subscription_id, d.mission_id) d.id, d.subscription_id, d.next_attempt_at, d.feed_seq, d.leased_until
             FROM deliveries d
             WHERE d.status = 'pending'
             ORDER BY d.subscription_id, d.mission_id, d.feed_seq
           ),
           due AS (
             SELECT h.id, h.subscription_id, h.next_attempt_at, h.feed_seq
             FROM heads h
             JOIN subscriptions s ON s.id = h.subscription_id AND s.status = 'enabled'
             WHERE h.next_attempt_at <= now() AND (h.leased_until IS NULL OR h.leased_until < now())
             ORDER BY h.next_attempt_at, h.feed_seq
             LIMIT $1 * 4
           ),
           ranked AS (
             SELECT due.id, row_number() OVER (PARTITION BY due.subscription_id ORDER BY due.next_attempt_at, due.feed_seq) AS rank,
                    $2::int - coalesce(b.in_flight, 0) AS room
             FROM due LEFT JOIN unnest($3::text[], $4::int[]) AS b(subscription_id, in_flight) ON b.subscription_id = due.subscription_id
           ),
           chosen AS (SELECT id FROM ranked WHERE rank <= room ORDER BY rank LIMIT $1)
           UPDATE deliveries d SET leased_until = now() + make_interval(secs => $5::double precision / 1000)
           FROM chosen, subscriptions s, feed f
           WHERE d.id = chosen.id AND s.id = d.subscription_id AND f.seq = d.feed_seq
             AND d.status = 'pending' AND (d.leased_until IS NULL OR d.leased_until < now())
           RETURNING d.id, d.subscription_id, d.event_id, d.attempts, d.retry_base, s.url, s.secret_encrypted, s.previous_secret_encrypted,
                     s.previous_secret_expires_at, f.payload::text AS body`,
    values: [limit, perSubscription, [...busy.keys()], [...busy.values()], leaseMs],
  });
  return rows.map((r) => ({
    id: r.id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    attempts: r.attempts,
    retryBase: r.retry_base,
    url: r.url,
    secretEncrypted: r.secret_encrypted,
    previousSecretEncrypted: r.previous_secret_encrypted,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    body: r.body,
  }));
}

export interface AttemptResult {
  at: Date;
  durationMs: number;
  status: number | null;
  error: string | null;
  delivered: boolean;
  /** When to try again, when not delivered; null: given up. */
  nextAttemptAt: Date | null;
}

/**
 * Saves an attempt and its outcome, and releases the lease. A delivery given up disables its
 * subscription: its other deliveries wait until the owner enables it again. Returns whether the
 * subscription was disabled by this.
 */
export async function saveAttempt(pool: Pool, d: ClaimedDelivery, result: AttemptResult): Promise<{ disabled: boolean }> {
  const attempt = d.attempts + 1;
  const status = result.delivered ? 'delivered' : result.nextAttemptAt ? 'pending' : 'failed';
  const { rows } = await pool.query({
    name: 'deliveries-save-attempt',
    text: `WITH attempt AS (
             INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, status, error) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING
           ),
           saved AS (
             UPDATE deliveries SET attempts = $2, status = $7, last_attempt_at = $3, last_status = $5, last_error = $6,
               next_attempt_at = coalesce($8, next_attempt_at), delivered_at = CASE WHEN $7 = 'delivered' THEN $3 END, leased_until = NULL
             WHERE id = $1 RETURNING subscription_id
           )
           UPDATE subscriptions s SET status = 'disabled', disabled_at = $3, updated_at = $3,
             disabled_reason = 'delivery ' || $1 || ' failed ' || $2 || ' times over the retry schedule (last: ' || coalesce($6, 'HTTP ' || $5) || ')'
           FROM saved WHERE $7 = 'failed' AND s.id = saved.subscription_id AND s.status = 'enabled'
           RETURNING s.id`,
    values: [d.id, attempt, result.at, result.durationMs, result.status, result.error, status, result.nextAttemptAt],
  });
  return { disabled: rows.length > 0 };
}

export async function listDeliveries(
  pool: Pool,
  subscriptionId: string,
  { status, beforeSeq, limit }: { status?: string; beforeSeq: number | null; limit: number },
): Promise<DeliveryRow[]> {
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM deliveries
     WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR feed_seq < $3)
     ORDER BY feed_seq DESC LIMIT $4`,
    [subscriptionId, status ?? null, beforeSeq, limit],
  );
  return rows.map(rowOf);
}

/** Sends a delivery again: pending and due now, its attempts kept in the log. Null when there is no such delivery. */
export async function redeliver(pool: Pool, subscriptionId: string, deliveryId: string, now: Date): Promise<DeliveryRow | null> {
  const { rows } = await pool.query(
    `UPDATE deliveries SET status = 'pending', next_attempt_at = $3, delivered_at = NULL, retry_base = attempts
     WHERE id = $1 AND subscription_id = $2 RETURNING ${COLUMNS}`,
    [deliveryId, subscriptionId, now],
  );
  return rows[0] ? rowOf(rows[0]) : null;
}

/** What the gauges report, for enabled subscriptions: pending deliveries and the age of the oldest due one. */
export async function backlog(pool: Pool): Promise<{ pending: number; oldestDueSeconds: number }> {
  const { rows } = await pool.query<{ pending: number; oldest: number | null }>(
    `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(d.created_at) FILTER (WHERE d.next_attempt_at <= now()))::float8 AS oldest
     FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.status = 'enabled' WHERE d.status = 'pending'`,
  );
  return { pending: rows[0]?.pending ?? 0, oldestDueSeconds: rows[0]?.oldest ?? 0 };
}
