// Quotes (table `quotes`): the draft, its calculation, Smart frame and vehicle status.
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { MissionSnapshot } from '@smart-expertise/contracts';
import type { Calculation, CalculationTotals } from '../domain/calculation.ts';
import type { Procedure, QuoteStatus, SmartFrame, VehicleStatus } from '../domain/closing.ts';

type Db = Tx | Pool;

export interface StoredCalculation {
  calculationNumber: string;
  vatRate: number;
  lines: Calculation['lines'];
}

export interface QuoteRecord {
  id: string;
  missionId: string;
  garageId: string;
  procedure: Procedure;
  status: QuoteStatus;
  administrative: MissionSnapshot;
  calculation: StoredCalculation | null;
  calculationTotals: CalculationTotals | null;
  smartFrame: SmartFrame | null;
  vehicleStatus: VehicleStatus | null;
  vehicleStatusNote: string | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
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
}

function toQuote(row: QuoteRow | undefined): QuoteRecord | null {
  if (!row) return null;
  return {
    id: row.id,
    missionId: row.mission_id,
    garageId: row.garage_id,
    procedure: row.procedure,
    status: row.status,
    administrative: row.administrative,
    calculation: row.calculation,
    calculationTotals: row.calculation_totals,
    smartFrame: row.smart_frame,
    vehicleStatus: row.vehicle_status,
    vehicleStatusNote: row.vehicle_status_note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
  };
}

export async function findQuote(db: Db, id: string, { forUpdate = false } = {}): Promise<QuoteRecord | null> {
  const { rows } = await db.query<QuoteRow>(`SELECT * FROM quotes WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return toQuote(rows[0]);
}

/** The mission's live quote, if any (there is at most one: `quotes_one_live_per_mission`). */
export async function findLiveQuoteOfMission(db: Db, missionId: string): Promise<QuoteRecord | null> {
  const { rows } = await db.query<QuoteRow>(`SELECT * FROM quotes WHERE mission_id = $1 AND status IN ('draft', 'closed')`, [missionId]);
  return toQuote(rows[0]);
}

export async function missionIdOfQuote(db: Db, id: string): Promise<string | null> {
  const { rows } = await db.query<{ mission_id: string }>('SELECT mission_id FROM quotes WHERE id = $1', [id]);
  return rows[0]?.mission_id ?? null;
}

/** Throws the unique violation `quotes_one_live_per_mission` when a live quote already exists. */
export async function insertQuote(
  tx: Tx,
  quote: { id: string; missionId: string; garageId: string; procedure: Procedure; administrative: MissionSnapshot; now: Date },
): Promise<QuoteRecord> {
  const { rows } = await tx.query<QuoteRow>(
    `INSERT INTO quotes (id, mission_id, garage_id, procedure, status, administrative, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'draft', $5, $6, $6) RETURNING *`,
    [quote.id, quote.missionId, quote.garageId, quote.procedure, JSON.stringify(quote.administrative), quote.now],
  );
  return toQuote(rows[0])!;
}

export async function saveCalculation(tx: Tx, id: string, calculation: StoredCalculation, totals: CalculationTotals, now: Date): Promise<void> {
  await tx.query(`UPDATE quotes SET calculation = $2, calculation_totals = $3, updated_at = $4 WHERE id = $1 AND status = 'draft'`, [
    id,
    JSON.stringify(calculation),
    JSON.stringify(totals),
    now,
  ]);
}

export async function saveSmartFrame(tx: Tx, id: string, smartFrame: SmartFrame, now: Date): Promise<void> {
  await tx.query(`UPDATE quotes SET smart_frame = $2, updated_at = $3 WHERE id = $1 AND status = 'draft'`, [id, JSON.stringify(smartFrame), now]);
}

export async function saveVehicleStatus(tx: Tx, id: string, status: VehicleStatus, note: string | null, now: Date): Promise<void> {
  await tx.query(`UPDATE quotes SET vehicle_status = $2, vehicle_status_note = $3, updated_at = $4 WHERE id = $1 AND status = 'draft'`, [
    id,
    status,
    note,
    now,
  ]);
}

export async function touchQuote(tx: Tx, id: string, now: Date): Promise<void> {
  await tx.query(`UPDATE quotes SET updated_at = $2 WHERE id = $1`, [id, now]);
}

/** Closes a draft; returns false when it was not a draft any more (the caller holds the row lock, so this is a safety net). */
export async function closeQuote(tx: Tx, id: string, now: Date): Promise<boolean> {
  const result = await tx.query(`UPDATE quotes SET status = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1 AND status = 'draft'`, [id, now]);
  return result.rowCount === 1;
}
