// quote.voided as received: the first void of each quote.
import type { MissionStatus } from '@smart-expertise/contracts';
import type { Tx } from '@smart-expertise/service-runtime';

export interface QuoteVoid {
  quoteId: string;
  missionId: string;
  missionStatus: MissionStatus;
  voidedAt: Date;
}

/** Records a quote's void; a later void of the same quote keeps the first one. */
export async function recordQuoteVoid(tx: Tx, v: QuoteVoid, recordedAt: Date): Promise<void> {
  await tx.query(
    `INSERT INTO quote_voids (quote_id, mission_id, mission_status, voided_at, recorded_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (quote_id) DO NOTHING`,
    [v.quoteId, v.missionId, v.missionStatus, v.voidedAt, recordedAt],
  );
}

/** A reinstated quote stands again: its void no longer withdraws anything. */
export async function clearQuoteVoid(tx: Tx, quoteId: string): Promise<void> {
  await tx.query('DELETE FROM quote_voids WHERE quote_id = $1', [quoteId]);
}

export async function voidOfQuote(tx: Tx, quoteId: string): Promise<QuoteVoid | null> {
  const { rows } = await tx.query('SELECT * FROM quote_voids WHERE quote_id = $1', [quoteId]);
  const row = rows[0];
  if (!row) return null;
  return { quoteId: row.quote_id, missionId: row.mission_id, missionStatus: row.mission_status, voidedAt: row.voided_at };
}

/**
 * Serialises the handlers of one quote's events. quote.submitted and quote.voided share a topic
 * and a key, so they already come in order on one partition; the lock keeps "a void recorded
 * before its case withdraws the case when it opens" true even if they did not.
 */
export async function lockQuote(tx: Tx, quoteId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('expert-review:quote:' || $1))", [quoteId]);
}
