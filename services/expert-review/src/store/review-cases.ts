// Review cases and their decisions.
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { Assessment, QuoteSubmitted } from '../domain/assessment.ts';
import type { ReviewDecided, ReviewStatus } from '../domain/decision.ts';
import type { Finding, SuggestedDecision } from '../domain/findings.ts';
import type { QueuePosition } from '../domain/queue-cursor.ts';

export interface ReviewCaseRow {
  id: string;
  quoteId: string;
  missionId: string;
  expertOfficeId: string;
  garageId: string;
  procedure: 'standard' | 'total_loss';
  status: ReviewStatus;
  version: number;
  quote: QuoteSubmitted;
  quoteClosedAt: Date;
  totalInclVatCents: number | null;
  deadline: Date | null;
  deadlineKey: number;
  findings: Finding[];
  findingsSummary: string;
  findingsBasis: Assessment['basis'];
  suggestedDecision: SuggestedDecision;
  openedAt: Date;
}

export interface DecisionRow {
  sequence: number;
  decision: ReviewDecided['decision'];
  expertName: string;
  expertPhone: string;
  note: string | null;
  decidedAt: Date;
}

// Microseconds since the epoch: exact for any deadline the database stores, safe as a JS number.
function deadlineKey(param: string): string {
  return `COALESCE((extract(epoch FROM ${param}::timestamptz) * 1000000)::bigint, 9007199254740991)`;
}

function toRow(row: Record<string, any>): ReviewCaseRow {
  return {
    id: row.id,
    quoteId: row.quote_id,
    missionId: row.mission_id,
    expertOfficeId: row.expert_office_id,
    garageId: row.garage_id,
    procedure: row.procedure,
    status: row.status,
    version: row.version,
    quote: row.quote,
    quoteClosedAt: row.quote_closed_at,
    totalInclVatCents: row.total_incl_vat_cents,
    deadline: row.deadline,
    deadlineKey: row.deadline_key,
    findings: row.findings,
    findingsSummary: row.findings_summary,
    findingsBasis: row.findings_basis,
    suggestedDecision: row.suggested_decision,
    openedAt: row.opened_at,
  };
}

export interface NewCase {
  id: string;
  missionId: string;
  quote: QuoteSubmitted;
  deadline: Date | null;
  assessment: Assessment;
  openedAt: Date;
}

/** Opens the case of a quote; returns false when that quote already has one. */
export async function openCase(tx: Tx, c: NewCase): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO review_cases (id, quote_id, mission_id, expert_office_id, garage_id, procedure, quote, quote_closed_at,
                               total_incl_vat_cents, deadline, deadline_key, findings, findings_summary, findings_basis,
                               suggested_decision, opened_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${deadlineKey('$10')}, $11, $12, $13, $14, $15, $15)
     ON CONFLICT (quote_id) DO NOTHING`,
    [
      c.id,
      c.quote.quoteId,
      c.missionId,
      c.quote.expertOfficeId,
      c.quote.garageId,
      c.quote.procedure,
      JSON.stringify(c.quote),
      c.quote.closedAt,
      c.quote.calculation?.totalInclVatCents ?? null,
      c.deadline,
      JSON.stringify(c.assessment.findings),
      c.assessment.summary,
      c.assessment.basis,
      c.assessment.suggestedDecision,
      c.openedAt,
    ],
  );
  return rowCount === 1;
}

export async function casesOfMission(tx: Tx, missionId: string): Promise<ReviewCaseRow[]> {
  const { rows } = await tx.query('SELECT * FROM review_cases WHERE mission_id = $1 ORDER BY id FOR UPDATE', [missionId]);
  return rows.map(toRow);
}

export async function reassess(tx: Tx, id: string, deadline: Date, assessment: Assessment, at: Date): Promise<void> {
  await tx.query(
    `UPDATE review_cases SET deadline = $2, deadline_key = ${deadlineKey('$2')},
            findings = $3, findings_summary = $4, findings_basis = $5, suggested_decision = $6, updated_at = $7
      WHERE id = $1`,
    [id, deadline, JSON.stringify(assessment.findings), assessment.summary, assessment.basis, assessment.suggestedDecision, at],
  );
}

export type QueueFilter = 'open' | 'validated' | 'all';

const FILTERS: Record<QueueFilter, string> = {
  open: "AND c.status <> 'validated'",
  validated: "AND c.status = 'validated'",
  all: '',
};

export interface QueueItemRow extends ReviewCaseRow {
  vehicle: { plate: string; make: string; model: string } | null;
  claimNumber: string | null;
}

/** One page of an office's queue: oldest deadline first (unknown deadlines last), then id. */
export async function queuePage(pool: Pool, expertOfficeId: string, filter: QueueFilter, after: QueuePosition | null, limit: number): Promise<QueueItemRow[]> {
  const params: unknown[] = [expertOfficeId, limit];
  let keyset = '';
  if (after) {
    params.push(after.deadlineKey, after.id);
    keyset = 'AND (c.deadline_key, c.id) > ($3::bigint, $4::text)';
  }
  const { rows } = await pool.query(
    `SELECT c.*, m.vehicle AS mission_vehicle, m.claim AS mission_claim
       FROM review_cases c LEFT JOIN missions m ON m.mission_id = c.mission_id
      WHERE c.expert_office_id = $1 ${FILTERS[filter]} ${keyset}
      ORDER BY c.deadline_key, c.id
      LIMIT $2`,
    params,
  );
  return rows.map((row) => ({
    ...toRow(row),
    vehicle: row.mission_vehicle ? { plate: row.mission_vehicle.plate, make: row.mission_vehicle.make, model: row.mission_vehicle.model } : null,
    claimNumber: row.mission_claim?.claimNumber ?? null,
  }));
}

/** The case if it belongs to the office; another office's case is indistinguishable from none. */
export async function findCase(db: Pool | Tx, id: string, expertOfficeId: string, { lock = false } = {}): Promise<ReviewCaseRow | null> {
  const { rows } = await db.query(`SELECT * FROM review_cases WHERE id = $1 AND expert_office_id = $2${lock ? ' FOR UPDATE' : ''}`, [id, expertOfficeId]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function decisionsOf(db: Pool | Tx, caseId: string): Promise<DecisionRow[]> {
  const { rows } = await db.query('SELECT * FROM review_decisions WHERE case_id = $1 ORDER BY sequence', [caseId]);
  return rows.map((row) => ({
    sequence: row.sequence,
    decision: row.decision,
    expertName: row.expert_name,
    expertPhone: row.expert_phone,
    note: row.note,
    decidedAt: row.decided_at,
  }));
}

/**
 * Records a decision on a case locked by the caller. The version condition is a second guard: it
 * makes a lost lock or a stale state fail loudly instead of recording twice.
 */
export async function recordDecision(tx: Tx, caseId: string, status: ReviewStatus, event: ReviewDecided): Promise<void> {
  const { rowCount } = await tx.query(
    'UPDATE review_cases SET status = $2, version = $3, updated_at = $4 WHERE id = $1 AND version = $3 - 1',
    [caseId, status, event.sequence, event.at],
  );
  if (rowCount !== 1) throw new Error(`review case ${caseId} changed while a decision was being recorded`);
  await tx.query(
    `INSERT INTO review_decisions (case_id, sequence, decision, expert_name, expert_phone, note, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [caseId, event.sequence, event.decision, event.expertName, event.expertPhone, event.note, event.at],
  );
}
