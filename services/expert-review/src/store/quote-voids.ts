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
  return (await voidsOfQuotes(tx, [quoteId])).get(quoteId) ?? null;
}

/** The recorded voids of many quotes, by quote id. */
export async function voidsOfQuotes(tx: Tx, quoteIds: readonly string[]): Promise<Map<string, QuoteVoid>> {
  const { rows } = await tx.query({ name: 'quote-voids-of', text: 'SELECT * FROM quote_voids WHERE quote_id = ANY($1::text[])', values: [quoteIds] });
  return new Map(rows.map((row) => [row.quote_id, { quoteId: row.quote_id, missionId: row.mission_id, missionStatus: row.mission_status, voidedAt: row.voided_at }]));
}

/**
 * Serialises the handlers of one quote's events. quote.submitted and quote.voided share a topic
 * and a key, so they already come in order on one partition; the lock keeps "a void recorded
 * before its case withdraws the case when it opens" true even if they did not.
 */
export async function lockQuote(tx: Tx, quoteId: string): Promise<void> {
  await lockQuotes(tx, [quoteId]);
}

/** `lockQuote` for many quotes, taken in id order so that two transactions never wait on each other in a cycle. */
export async function lockQuotes(tx: Tx, quoteIds: readonly string[]): Promise<void> {
  await tx.query({
    name: 'quote-locks',
    text: "SELECT pg_advisory_xact_lock(hashtext('expert-review:quote:' || q)) FROM unnest($1::text[]) WITH ORDINALITY AS l(q, n) ORDER BY n",
    values: [[...new Set(quoteIds)].sort()],
  });
}
