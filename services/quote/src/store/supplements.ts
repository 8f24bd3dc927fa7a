// Supplements (tables `supplements`, `supplement_photos`): hidden damage found during repairs, as
// the garage drafted and submitted it and the expert decided it. The supplement decider's events
// are stored here, one statement each.
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { SupplementStatus } from '@smart-expertise/contracts';
import type { CalculationTotals } from '../domain/calculation.ts';
import type { PhotoRef, StoredCalculation } from '../domain/quote.ts';
import { evolveSupplement, type ExpertContact, type SupplementEvent, type SupplementState } from '../domain/supplement.ts';
import { insertPhotos, selectPhotos, SUPPLEMENT_PHOTOS, toPhoto, type PhotoRecord, type PhotoRow } from './photos.ts';

type Db = Tx | Pool;

export interface SupplementRecord extends SupplementState {
  updatedAt: Date;
}

interface SupplementRow {
  id: string;
  quote_id: string;
  mission_id: string;
  number: number;
  reason: string;
  calculation: StoredCalculation;
  calculation_totals: CalculationTotals;
  status: SupplementStatus;
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
  decided_at: Date | null;
  note: string | null;
  expert: ExpertContact | null;
  photo_refs: PhotoRef[];
}

const SELECT_SUPPLEMENT = `SELECT s.*,
    (SELECT coalesce(json_agg(json_build_object('id', p.id, 'sha256', p.sha256) ORDER BY p.uploaded_at, p.id), '[]'::json)
       FROM supplement_photos p WHERE p.supplement_id = s.id) AS photo_refs
  FROM supplements s`;

function toSupplement(row: SupplementRow): SupplementRecord {
  return {
    id: row.id,
    quoteId: row.quote_id,
    missionId: row.mission_id,
    number: row.number,
    reason: row.reason,
    calculation: row.calculation,
    calculationTotals: row.calculation_totals,
    status: row.status,
    photos: row.photo_refs,
    createdAt: row.created_at,
    submittedAt: row.submitted_at,
    decidedAt: row.decided_at,
    note: row.note,
    expert: row.expert,
    updatedAt: row.updated_at,
  };
}

/**
 * The supplement of `quoteId`, locked for the rest of the transaction when `forUpdate` (after the
 * mission and quote rows, the order every command takes them in).
 */
export async function findSupplement(db: Db, quoteId: string, supplementId: string, { forUpdate = false } = {}): Promise<SupplementRecord | null> {
  if (forUpdate) await db.query('SELECT 1 FROM supplements WHERE id = $1 AND quote_id = $2 FOR UPDATE', [supplementId, quoteId]);
  const { rows } = await db.query<SupplementRow>({ name: 'supplement-find', text: `${SELECT_SUPPLEMENT} WHERE s.id = $1 AND s.quote_id = $2`, values: [supplementId, quoteId] });
  return rows[0] ? toSupplement(rows[0]) : null;
}

/** The quote's supplements, by number. */
export async function listSupplements(db: Db, quoteId: string): Promise<SupplementRecord[]> {
  const { rows } = await db.query<SupplementRow>({ name: 'supplements-of-quote', text: `${SELECT_SUPPLEMENT} WHERE s.quote_id = $1 ORDER BY s.number`, values: [quoteId] });
  return rows.map(toSupplement);
}

/**
 * Stores what the supplement decider decided (the rows locked by the caller) and returns the
 * supplement as stored. A supplement_created may throw the unique violation on (quote_id, number).
 */
export async function storeSupplementEvents(tx: Tx, supplement: SupplementRecord | null, events: readonly SupplementEvent[]): Promise<SupplementRecord> {
  let stored = supplement;
  for (const event of events) {
    const id = event.type === 'supplement_created' ? event.supplementId : stored!.id;
    await recordSupplementEvent(tx, id, event);
    stored = { ...evolveSupplement(stored, event), updatedAt: event.at };
  }
  if (stored === null) throw new Error('no supplement to store');
  return stored;
}

async function recordSupplementEvent(tx: Tx, id: string, event: SupplementEvent): Promise<void> {
  switch (event.type) {
    case 'supplement_created':
      await tx.query(
        `INSERT INTO supplements (id, quote_id, mission_id, number, reason, calculation, calculation_totals, total_incl_vat_cents, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $9)`,
        [id, event.quoteId, event.missionId, event.number, event.reason, JSON.stringify(event.calculation), JSON.stringify(event.totals), event.totals.totalInclVatCents, event.at],
      );
      return;
    case 'supplement_photos_added':
      await insertPhotos(tx, SUPPLEMENT_PHOTOS, id, event.photos, event.at);
      return change(tx, id, event, 'draft', '', []);
    case 'supplement_submitted':
      return change(tx, id, event, 'draft', `status = 'submitted', submitted_at = $2`, []);
    case 'supplement_decided':
      return change(tx, id, event, 'submitted', 'status = $3, decided_at = $2, note = $4, expert = $5', [event.status, event.note, JSON.stringify(event.expert)]);
    default: {
      const unknown: never = event;
      throw new Error(`unknown supplement event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Changes a supplement still in `from` (the caller decided on the locked row; a miss aborts). */
async function change(tx: Tx, id: string, event: SupplementEvent, from: SupplementStatus, set: string, values: unknown[]): Promise<void> {
  const result = await tx.query({
    name: `supplement-update-${event.type}`,
    text: `UPDATE supplements SET ${set ? `${set}, ` : ''}updated_at = $2 WHERE id = $1 AND status = '${from}'`,
    values: [id, event.at, ...values],
  });
  if (result.rowCount !== 1) throw new Error(`supplement ${id} was not ${from} when ${event.type} was stored`);
}

// ---- Photos --------------------------------------------------------------------------------------

export interface SupplementPhotoRecord extends PhotoRecord {
  supplementId: string;
}

/** The photos of one supplement, or of every supplement of a quote. */
export async function listSupplementPhotos(db: Db, of: { supplementId: string } | { quoteId: string }): Promise<SupplementPhotoRecord[]> {
  const [column, value] = 'supplementId' in of ? ['supplement_id', of.supplementId] : ['quote_id', of.quoteId];
  const { rows } = await db.query<PhotoRow & { supplement_id: string }>(selectPhotos(SUPPLEMENT_PHOTOS, column), [value]);
  return rows.map((row) => ({ ...toPhoto(row), supplementId: row.supplement_id }));
}
