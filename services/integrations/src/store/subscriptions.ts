import type { Pool, Tx } from '@smart-expertise/service-runtime';

export interface SubscriptionRow {
  id: string;
  organisation: string;
  role: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  secretEncrypted: string;
  previousSecretEncrypted: string | null;
  previousSecretExpiresAt: Date | null;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, organisation, role, url, event_types, description, secret_encrypted, previous_secret_encrypted,
  previous_secret_expires_at, status, disabled_reason, disabled_at, created_at`;

function rowOf(r: Record<string, any>): SubscriptionRow {
  return {
    id: r.id,
    organisation: r.organisation,
    role: r.role,
    url: r.url,
    eventTypes: r.event_types,
    description: r.description,
    secretEncrypted: r.secret_encrypted,
    previousSecretEncrypted: r.previous_secret_encrypted,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    status: r.status,
    disabledReason: r.disabled_reason,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
  };
}

export interface Owner {
  organisation: string;
  role: string;
}

/**
 * Inserts the subscription unless the owner already holds `max`: the count and the insert in one
 * statement, under a lock on the owner so two creations at once cannot both pass. Null when full.
 */
export async function insertSubscription(
  tx: Tx,
  s: { id: string; owner: Owner; url: string; eventTypes: string[]; description: string | null; secretEncrypted: string; now: Date },
  max: number,
): Promise<SubscriptionRow | null> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`subscriptions:${s.owner.role}:${s.owner.organisation}`]);
  const { rows } = await tx.query(
    `INSERT INTO subscriptions (id, organisation, role, url, event_types, description, secret_encrypted, created_at, updated_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8
     WHERE (SELECT count(*) FROM subscriptions WHERE organisation = $2 AND role = $3) < $9
     RETURNING ${COLUMNS}`,
    [s.id, s.owner.organisation, s.owner.role, s.url, s.eventTypes, s.description, s.secretEncrypted, s.now, max],
  );
  return rows[0] ? rowOf(rows[0]) : null;
}

export async function listSubscriptions(pool: Pool, owner: Owner): Promise<SubscriptionRow[]> {
  const { rows } = await pool.query(`SELECT ${COLUMNS} FROM subscriptions WHERE organisation = $1 AND role = $2 ORDER BY created_at, id`, [owner.organisation, owner.role]);
  return rows.map(rowOf);
}

/** The owner's subscription; another organisation's is as absent as a missing one. */
export async function findSubscription(db: Pool | Tx, id: string, owner: Owner, options: { lock?: boolean } = {}): Promise<SubscriptionRow | null> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM subscriptions WHERE id = $1 AND organisation = $2 AND role = $3${options.lock ? ' FOR UPDATE' : ''}`,
    [id, owner.organisation, owner.role],
  );
  return rows[0] ? rowOf(rows[0]) : null;
}

export async function deleteSubscription(pool: Pool, id: string, owner: Owner): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM subscriptions WHERE id = $1 AND organisation = $2 AND role = $3', [id, owner.organisation, owner.role]);
  return (rowCount ?? 0) > 0;
}

export async function rotateSecret(tx: Tx, id: string, secretEncrypted: string, previousEncrypted: string, previousExpiresAt: Date, now: Date): Promise<SubscriptionRow> {
  const { rows } = await tx.query(
    `UPDATE subscriptions SET secret_encrypted = $2, previous_secret_encrypted = $3, previous_secret_expires_at = $4, updated_at = $5
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, secretEncrypted, previousEncrypted, previousExpiresAt, now],
  );
  return rowOf(rows[0]!);
}

export async function enableSubscription(pool: Pool, id: string, owner: Owner, now: Date): Promise<SubscriptionRow | null> {
  const { rows } = await pool.query(
    `UPDATE subscriptions SET status = 'enabled', disabled_reason = NULL, disabled_at = NULL, updated_at = $4
     WHERE id = $1 AND organisation = $2 AND role = $3 RETURNING ${COLUMNS}`,
    [id, owner.organisation, owner.role, now],
  );
  return rows[0] ? rowOf(rows[0]) : null;
}
