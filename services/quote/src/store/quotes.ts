// Quotes (table `quotes`): the draft, its calculation, Smart frame and vehicle status, and what
// became of it (closed, discarded, voided). The decider's events are stored here, one statement each.
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { MissionSnapshot, MissionStatus, Procedure, QuoteStatus, VehicleStatus } from '@smart-expertise/contracts';
import type { CalculationTotals } from '../domain/calculation.ts';
import {
  evolve,
  type MissionCopy,
  type PaymentRequest,
  type PhotoRef,
  type QuoteEvent,
  type QuoteState,
  type SmartFrame,
  type StoredCalculation,
  type SupplementSummary,
} from '../domain/quote.ts';
import { insertPaymentRequest } from './payment-requests.ts';
import { insertPhotos, QUOTE_PHOTOS } from './photos.ts';

type Db = Tx | Pool;

export interface QuoteRecord extends QuoteState {
  /** Every administrative field copied from the mission when the quote was created. */
  administrative: MissionSnapshot;
  createdAt: Date;
  updatedAt: Date;
}

interface QuoteRow {
  id: string;
  mission_id: string;
  garage_id: string;
  procedure: Procedure;
  status: QuoteStatus;
  administrative: MissionSnapshot;
  calculation: StoredCalculation | null;
  calculation_totals: CalculationTotals | null;
  smart_frame: SmartFrame | null;
  vehicle_status: VehicleStatus | null;
  vehicle_status_note: string | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  transmissions: number;
  discarded_at: Date | null;
  discard_reason: string | null;
  voided_at: Date | null;
  voided_by: MissionStatus | null;
  photo_refs: PhotoRef[];
  payment_request: (Omit<PaymentRequest, 'approvedTotalCents' | 'aboveApprovedCents'> & Partial<PaymentRequest>) | null;
  supplement_refs: SupplementSummary[];
}

// The quote with what the decider needs of its photos, payment request and supplements, in one round trip.
const SELECT_QUOTE = `SELECT q.*,
    (SELECT coalesce(json_agg(json_build_object('id', p.id, 'sha256', p.sha256) ORDER BY p.uploaded_at, p.id), '[]'::json)
       FROM photos p WHERE p.quote_id = q.id) AS photo_refs,
    (SELECT r.answer FROM payment_requests r WHERE r.quote_id = q.id) AS payment_request,
    (SELECT coalesce(json_agg(json_build_object('id', s.id, 'number', s.number, 'status', s.status, 'totalInclVatCents', s.total_incl_vat_cents)
       ORDER BY s.number), '[]'::json)
       FROM supplements s WHERE s.quote_id = q.id) AS supplement_refs
  FROM quotes q`;

/** A request answered before the approved total was kept had no cap: nothing above it was left to the owner. */
function paymentRequestOf(stored: QuoteRow['payment_request']): PaymentRequest | null {
  if (stored === null) return null;
  return { ...stored, approvedTotalCents: stored.approvedTotalCents ?? null, aboveApprovedCents: stored.aboveApprovedCents ?? 0 };
}

function toQuote(row: QuoteRow): QuoteRecord {
  return {
    id: row.id,
    missionId: row.mission_id,
    garageId: row.garage_id,
    procedure: row.procedure,
    status: row.status,
    administrative: row.administrative,
    calculation: row.calculation,
    calculationTotals: row.calculation_totals,
    photos: row.photo_refs,
    smartFrame: row.smart_frame,
    vehicleStatus: row.vehicle_status,
    vehicleStatusNote: row.vehicle_status_note,
    closedAt: row.closed_at,
    transmissions: row.transmissions,
    discardedAt: row.discarded_at,
    discardReason: row.discard_reason,
    voidedAt: row.voided_at,
    voidedBy: row.voided_by,
    paymentRequest: paymentRequestOf(row.payment_request),
    supplements: row.supplement_refs,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// Rows are locked first (`lockQuoteAndMission`, `forUpdate`) and read by a statement of their own,
// whose snapshot then sees what the previous lock holder committed (its photos and payment request included).

export async function findQuote(db: Db, id: string): Promise<QuoteRecord | null> {
  const { rows } = await db.query<QuoteRow>({ name: 'quote-find', text: `${SELECT_QUOTE} WHERE q.id = $1`, values: [id] });
  return rows[0] ? toQuote(rows[0]) : null;
}

/** Every quote of a mission, oldest first; locked in that order when `forUpdate` (after the mission row). */
export async function listQuotesOfMission(db: Db, missionId: string, { forUpdate = false } = {}): Promise<QuoteRecord[]> {
  if (forUpdate) await db.query('SELECT 1 FROM quotes WHERE mission_id = $1 ORDER BY created_at, id FOR UPDATE', [missionId]);
  const { rows } = await db.query<QuoteRow>(`${SELECT_QUOTE} WHERE q.mission_id = $1 ORDER BY q.created_at, q.id`, [missionId]);
  return rows.map(toQuote);
}

export interface QuoteStatusRow {
  id: string;
  status: QuoteRecord['status'];
  closed: boolean;
  transmissions: number;
}

/** What a verdict is decided on, for the quotes of many missions (their mission rows locked by the caller). */
export async function quoteStatusesOfMissions(db: Db, missionIds: readonly string[]): Promise<Map<string, QuoteStatusRow[]>> {
  const { rows } = await db.query<QuoteStatusRow & { mission_id: string }>({
    name: 'quote-statuses-of-missions',
    text: 'SELECT id, mission_id, status, closed_at IS NOT NULL AS closed, transmissions FROM quotes WHERE mission_id = ANY($1::text[])',
    values: [missionIds],
  });
  const byMission = new Map<string, QuoteStatusRow[]>();
  for (const { mission_id, ...quote } of rows) byMission.set(mission_id, [...(byMission.get(mission_id) ?? []), quote]);
  return byMission;
}

/**
 * Locks a quote and its mission in one statement, the mission first (`OF m, q`: the order every
 * command and the verdict consumer take them in), and returns the mission's id; null when there
 * is no such quote. The caller reads them afterwards, in statements that see the last holder's work.
 */
export async function lockQuoteAndMission(db: Db, id: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>({
    name: 'quote-lock-with-mission',
    text: 'SELECT m.id FROM missions m JOIN quotes q ON q.mission_id = m.id WHERE q.id = $1 FOR UPDATE OF m, q',
    values: [id],
  });
  return rows[0]?.id ?? null;
}

export async function missionIdOfQuote(db: Db, id: string): Promise<string | null> {
  const { rows } = await db.query<{ mission_id: string }>('SELECT mission_id FROM quotes WHERE id = $1', [id]);
  return rows[0]?.mission_id ?? null;
}

/** Events whose whole effect on the stored row is `evolve`'s plus `updated_at = event.at` (`recordQuoteEvent`). */
const EVOLVED_EXACTLY = new Set<QuoteEvent['type']>(['quote_closed', 'smart_frame_set', 'vehicle_status_set', 'quote_discarded', 'quote_returned', 'quote_return_ended']);

/**
 * Stores what the decider decided on `quote` (its row and its mission's locked by the caller) and
 * returns the quote as stored: computed from the row and the events when their effect is exactly
 * `evolve`'s, read again otherwise.
 */
export async function storeQuoteEvents(tx: Tx, quote: QuoteRecord, mission: MissionCopy, events: readonly QuoteEvent[]): Promise<QuoteRecord> {
  await recordQuoteEvents(tx, quote.id, events);
  let stored = quote;
  for (const event of events) {
    if (!EVOLVED_EXACTLY.has(event.type)) return (await findQuote(tx, quote.id))!;
    stored = { ...stored, ...evolve({ mission, quote: stored }, event).quote, updatedAt: event.at };
  }
  return stored;
}

/**
 * Stores what the decider decided, in the caller's transaction (which holds the mission and quote
 * row locks). A quote_created may throw the unique violation `quotes_one_live_per_mission`.
 */
export async function recordQuoteEvents(tx: Tx, quoteId: string, events: readonly QuoteEvent[]): Promise<void> {
  for (const event of events) await recordQuoteEvent(tx, quoteId, event);
}

async function recordQuoteEvent(tx: Tx, id: string, event: QuoteEvent): Promise<void> {
  switch (event.type) {
    case 'quote_created':
      await tx.query(
        `INSERT INTO quotes (id, mission_id, garage_id, procedure, status, administrative, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $6)`,
        [event.quoteId, event.missionId, event.garageId, event.procedure, JSON.stringify(event.administrative), event.at],
      );
      return;
    case 'calculation_set':
      return updateDraft(tx, id, event, 'calculation = $3, calculation_totals = $4', [JSON.stringify(event.calculation), JSON.stringify(event.totals)]);
    case 'photos_added':
      await insertPhotos(tx, QUOTE_PHOTOS, id, event.photos, event.at);
      return updateDraft(tx, id, event, '', []);
    case 'smart_frame_set':
      return updateDraft(tx, id, event, 'smart_frame = $3', [JSON.stringify(event.smartFrame)]);
    case 'vehicle_status_set':
      return updateDraft(tx, id, event, 'vehicle_status = $3, vehicle_status_note = $4', [event.vehicleStatus, event.note]);
    case 'quote_closed':
      return updateDraft(tx, id, event, `status = 'closed', closed_at = $2, transmissions = $3`, [event.transmission]);
    case 'quote_returned':
      return changeStatus(tx, id, event.at, 'closed', 'returned');
    case 'quote_return_ended':
      return changeStatus(tx, id, event.at, 'returned', 'closed');
    case 'quote_discarded':
      return updateDraft(tx, id, event, `status = 'discarded', discarded_at = $2, discard_reason = $3`, [event.reason]);
    case 'payment_requested':
      await insertPaymentRequest(tx, event.request);
      return;
    case 'quote_voided': {
      const result = await tx.query(
        `UPDATE quotes SET status = 'voided', voided_at = $2, voided_by = $3, updated_at = $2 WHERE id = $1 AND status = $4`,
        [id, event.at, event.missionStatus, event.previousStatus],
      );
      if (result.rowCount !== 1) throw new Error(`quote ${id} was no longer ${event.previousStatus} when it was voided`);
      return;
    }
    case 'quote_reinstated': {
      const result = await tx.query(
        `UPDATE quotes SET status = 'closed', voided_at = NULL, voided_by = NULL, updated_at = $2 WHERE id = $1 AND status = 'voided' AND closed_at IS NOT NULL`,
        [id, event.at],
      );
      if (result.rowCount !== 1) throw new Error(`quote ${id} was no longer a voided close when it was reinstated`);
      return;
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown quote event ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Changes a draft, or a quote the expert returned (which changes like one). The caller decided on
 * the locked row, so it is still open: a miss means the lock was not held, and the transaction is
 * aborted rather than store a lost update.
 */
async function updateDraft(tx: Tx, id: string, event: QuoteEvent, set: string, values: unknown[]): Promise<void> {
  const result = await tx.query({
    name: `quote-update-${event.type}`,
    text: `UPDATE quotes SET ${set ? `${set}, ` : ''}updated_at = $2 WHERE id = $1 AND status IN ('draft', 'returned')`,
    values: [id, event.at, ...values],
  });
  if (result.rowCount !== 1) throw new Error(`quote ${id} was not open to the garage when ${event.type} was stored`);
}

async function changeStatus(tx: Tx, id: string, at: Date, from: QuoteStatus, to: QuoteStatus): Promise<void> {
  const result = await tx.query('UPDATE quotes SET status = $3, updated_at = $2 WHERE id = $1 AND status = $4', [id, at, to, from]);
  if (result.rowCount !== 1) throw new Error(`quote ${id} was no longer ${from} when it became ${to}`);
}
