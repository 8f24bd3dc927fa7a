// Supplements for hidden damage, from supplement.submitted, and the expert's decision on each.
// Kept by quote: a supplement whose quote has no case yet shows on the case once it opens.
import type { EventPayload, SupplementStatus } from '@smart-expertise/contracts';
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { SupplementDecided } from '../domain/supplement.ts';

type SupplementSubmitted = EventPayload<'supplement.submitted'>;

export interface SupplementRow {
  id: string;
  quoteId: string;
  missionId: string;
  expertOfficeId: string;
  number: number;
  reason: string;
  calculation: SupplementSubmitted['calculation'];
  totalInclVatCents: number;
  photos: SupplementSubmitted['photos'];
  submittedAt: Date;
  status: SupplementStatus;
  note: string | null;
  expert: { name: string; phone: string } | null;
  decidedAt: Date | null;
}

function toRow(row: Record<string, any>): SupplementRow {
  return {
    id: row.id,
    quoteId: row.quote_id,
    missionId: row.mission_id,
    expertOfficeId: row.expert_office_id,
    number: row.number,
    reason: row.reason,
    calculation: row.calculation,
    totalInclVatCents: row.total_incl_vat_cents,
    photos: row.photos,
    submittedAt: row.submitted_at,
    status: row.status,
    note: row.note,
    expert: row.expert_name === null ? null : { name: row.expert_name, phone: row.expert_phone },
    decidedAt: row.decided_at,
  };
}

/**
 * Records a submitted supplement, keeping an explicit list of its fields; returns false when it was
 * already recorded (a redelivered or re-published supplement.submitted changes nothing, not even a
 * decision already taken on it).
 */
export async function recordSupplement(tx: Tx, missionId: string, s: SupplementSubmitted, recordedAt: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO supplements (id, quote_id, mission_id, expert_office_id, garage_id, number, reason, calculation, total_incl_vat_cents,
                              photos, submitted_at, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO NOTHING`,
    [
      s.supplementId,
      s.quoteId,
      missionId,
      s.expertOfficeId,
      s.garageId,
      s.number,
      s.reason,
      JSON.stringify(s.calculation),
      s.calculation.totalInclVatCents,
      JSON.stringify(s.photos.map((p) => ({ id: p.id, sha256: p.sha256, contentType: p.contentType, sizeBytes: p.sizeBytes, seenOnOtherMission: p.seenOnOtherMission }))),
      s.submittedAt,
      recordedAt,
    ],
  );
  return rowCount === 1;
}

/** The supplements of a quote, by number. */
export async function supplementsOfQuote(db: Pool | Tx, quoteId: string): Promise<SupplementRow[]> {
  const { rows } = await db.query('SELECT * FROM supplements WHERE quote_id = $1 ORDER BY number, id', [quoteId]);
  return rows.map(toRow);
}

/** One supplement of a quote, locked for the caller's transaction. */
export async function supplementOfQuoteForUpdate(tx: Tx, quoteId: string, supplementId: string): Promise<SupplementRow | null> {
  const { rows } = await tx.query('SELECT * FROM supplements WHERE id = $1 AND quote_id = $2 FOR UPDATE', [supplementId, quoteId]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** Records the expert's decision; conditional on the supplement still awaiting one. */
export async function recordSupplementDecision(tx: Tx, supplementId: string, event: SupplementDecided): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE supplements SET status = $2, note = $3, expert_name = $4, expert_phone = $5, decided_at = $6
      WHERE id = $1 AND status = 'submitted'`,
    [supplementId, event.status, event.note, event.expertName, event.expertPhone, event.at],
  );
  if (rowCount !== 1) throw new Error(`supplement ${supplementId} was decided while its decision was being recorded`);
}
