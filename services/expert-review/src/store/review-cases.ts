// Review cases, their transmissions and their decisions.
import type { InsurerPolicy, MissionStatus } from '@smart-expertise/contracts';
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { Assessment } from '../domain/assessment.ts';
import type { ReviewCaseState, ReviewDecided, ReviewStatus, Withdrawal } from '../domain/decision.ts';
import type { Finding, SuggestedDecision } from '../domain/findings.ts';
import type { QueuePosition } from '../domain/queue-cursor.ts';
import type { CaseMission, CaseQuote } from '../domain/review-file.ts';

export interface ReviewCaseRow {
  id: string;
  quoteId: string;
  missionId: string;
  expertOfficeId: string;
  garageId: string;
  procedure: 'standard' | 'total_loss';
  status: ReviewStatus;
  version: number;
  withdrawal: Withdrawal | null;
  quote: CaseQuote;
  /** Null for a case opened from a quote.submitted that carried no reviewFile. */
  mission: CaseMission | null;
  quoteClosedAt: Date;
  totalInclVatCents: number | null;
  deadline: Date | null;
  findings: Finding[];
  findingsSummary: string;
  findingsBasis: Assessment['basis'];
  suggestedDecision: SuggestedDecision;
  openedAt: Date;
  /** The transmission the case holds (its quote, findings and totals are that one's). */
  transmission: number;
  /** The insurer's policy the quote's reviewFile carried; null for an old quote.submitted (platform defaults). */
  policy: InsurerPolicy | null;
  /** Set by a request for information: when the garage's answer is due. */
  respondBy: Date | null;
  /** When the office's decision on the current transmission is due. */
  dueAt: Date | null;
  dueKey: number;
}

export interface TransmissionRow {
  transmission: number;
  quote: CaseQuote;
  closedAt: Date;
}

export interface DecisionRow {
  sequence: number;
  decision: ReviewDecided['decision'];
  expertName: string;
  expertPhone: string;
  note: string | null;
  decidedAt: Date;
  transmission: number;
  respondBy: Date | null;
}

// The queue's order: microseconds since the epoch, exact for any instant the database stores and
// safe as a JS number; an unknown due date sorts last.
function dueKey(param: string): string {
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
    withdrawal: row.withdrawn_at === null ? null : { missionStatus: row.withdrawn_mission_status as MissionStatus, at: row.withdrawn_at },
    quote: row.quote,
    mission: row.mission,
    quoteClosedAt: row.quote_closed_at,
    totalInclVatCents: row.total_incl_vat_cents,
    deadline: row.deadline,
    findings: row.findings,
    findingsSummary: row.findings_summary,
    findingsBasis: row.findings_basis,
    suggestedDecision: row.suggested_decision,
    openedAt: row.opened_at,
    transmission: row.transmission,
    policy: row.policy,
    respondBy: row.respond_by,
    dueAt: row.due_at,
    dueKey: row.due_key,
  };
}

/** The decider's state of a stored case. */
export function stateOf(row: Pick<ReviewCaseRow, 'status' | 'version' | 'withdrawal' | 'transmission'>): ReviewCaseState {
  return { status: row.status, decisions: row.version, withdrawal: row.withdrawal, transmission: row.transmission };
}

/** A transmission of the quote as the case keeps it: the quote, what is known of the mission, and what follows from them. */
export interface CaseTransmission {
  transmission: number;
  quote: CaseQuote;
  mission: CaseMission | null;
  policy: InsurerPolicy | null;
  deadline: Date | null;
  assessment: Assessment;
  /** When the office's decision on this transmission is due. */
  dueAt: Date;
}

export interface NewCase extends CaseTransmission {
  id: string;
  missionId: string;
  openedAt: Date;
}

/** Opens the case of a quote, in the decider's initial state; returns false when that quote already has one. */
export async function openCase(tx: Tx, c: NewCase): Promise<boolean> {
  return (await openCases(tx, [c])).size === 1;
}

/** Opens the cases of many quotes in one statement; returns the quote ids whose case it opened (not those that had one). */
export async function openCases(tx: Tx, cases: readonly NewCase[]): Promise<Set<string>> {
  if (cases.length === 0) return new Set();
  const rows = cases.map((c) => ({
    id: c.id,
    quote_id: c.quote.quoteId,
    mission_id: c.missionId,
    expert_office_id: c.quote.expertOfficeId,
    garage_id: c.quote.garageId,
    procedure: c.quote.procedure,
    quote: c.quote,
    mission: c.mission,
    quote_closed_at: c.quote.closedAt,
    total_incl_vat_cents: c.quote.calculation?.totalInclVatCents ?? null,
    deadline: c.deadline,
    findings: c.assessment.findings,
    findings_summary: c.assessment.summary,
    findings_basis: c.assessment.basis,
    suggested_decision: c.assessment.suggestedDecision,
    opened_at: c.openedAt,
    transmission: c.transmission,
    policy: c.policy,
    due_at: c.dueAt,
  }));
  // The case and its first transmission together; a quote that already has a case gets neither.
  const { rows: opened } = await tx.query<{ quote_id: string }>({
    name: 'review-cases-open',
    text: `WITH opened AS (
             INSERT INTO review_cases (id, quote_id, mission_id, expert_office_id, garage_id, procedure, quote, mission, quote_closed_at,
                                       total_incl_vat_cents, deadline, findings, findings_summary, findings_basis,
                                       suggested_decision, opened_at, updated_at, transmission, policy, due_at, due_key)
             SELECT c.id, c.quote_id, c.mission_id, c.expert_office_id, c.garage_id, c.procedure, c.quote, c.mission, c.quote_closed_at,
                    c.total_incl_vat_cents, c.deadline, c.findings, c.findings_summary, c.findings_basis,
                    c.suggested_decision, c.opened_at, c.opened_at, c.transmission, c.policy, c.due_at, ${dueKey('c.due_at')}
             FROM jsonb_to_recordset($1::jsonb) AS c(id text, quote_id text, mission_id text, expert_office_id text, garage_id text,
               procedure text, quote jsonb, mission jsonb, quote_closed_at timestamptz, total_incl_vat_cents bigint, deadline timestamptz,
               findings jsonb, findings_summary text, findings_basis text, suggested_decision text, opened_at timestamptz,
               transmission integer, policy jsonb, due_at timestamptz)
             ON CONFLICT (quote_id) DO NOTHING
             RETURNING id, quote_id, transmission, quote, quote_closed_at, opened_at
           ), transmissions AS (
             INSERT INTO review_transmissions (case_id, transmission, quote, closed_at, recorded_at)
             SELECT id, transmission, quote, quote_closed_at, opened_at FROM opened
           )
           SELECT quote_id FROM opened`,
    values: [JSON.stringify(rows)],
  });
  return new Set(opened.map((r) => r.quote_id));
}

/**
 * Records a new transmission of the quote on a case locked by the caller: its snapshot, and the
 * case's quote, findings, totals and due date from it, with the state `evolve` gave.
 */
export async function recordTransmission(
  tx: Tx,
  caseId: string,
  before: ReviewCaseState,
  after: ReviewCaseState,
  t: CaseTransmission,
  at: Date,
): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE review_cases
        SET status = $3, transmission = $4, quote = $5, quote_closed_at = $6, total_incl_vat_cents = $7, mission = COALESCE($8, mission),
            policy = COALESCE($9, policy), deadline = COALESCE($10, deadline),
            findings = $11, findings_summary = $12, findings_basis = $13, suggested_decision = $14,
            due_at = $15, due_key = ${dueKey('$15')}, respond_by = NULL, updated_at = $16
      WHERE id = $1 AND version = $2 AND transmission = $17`,
    [
      caseId,
      before.decisions,
      after.status,
      after.transmission,
      JSON.stringify(t.quote),
      t.quote.closedAt,
      t.quote.calculation?.totalInclVatCents ?? null,
      t.mission === null ? null : JSON.stringify(t.mission),
      t.policy === null ? null : JSON.stringify(t.policy),
      t.deadline,
      JSON.stringify(t.assessment.findings),
      t.assessment.summary,
      t.assessment.basis,
      t.assessment.suggestedDecision,
      t.dueAt,
      at,
      before.transmission,
    ],
  );
  if (rowCount !== 1) throw new Error(`review case ${caseId} changed while its transmission ${t.transmission} was being recorded`);
  await tx.query(
    `INSERT INTO review_transmissions (case_id, transmission, quote, closed_at, recorded_at) VALUES ($1, $2, $3, $4, $5)`,
    [caseId, t.transmission, JSON.stringify(t.quote), t.quote.closedAt, at],
  );
}

/** Every transmission of a case, oldest first. */
export async function transmissionsOf(db: Pool | Tx, caseId: string): Promise<TransmissionRow[]> {
  const { rows } = await db.query('SELECT transmission, quote, closed_at FROM review_transmissions WHERE case_id = $1 ORDER BY transmission', [caseId]);
  return rows.map((row) => ({ transmission: row.transmission, quote: row.quote, closedAt: row.closed_at }));
}

/** The case of a quote, locked for the caller's transaction. */
export async function caseOfQuoteForUpdate(tx: Tx, quoteId: string): Promise<ReviewCaseRow | null> {
  const { rows } = await tx.query('SELECT * FROM review_cases WHERE quote_id = $1 FOR UPDATE', [quoteId]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** One page of an office's queue: the expert's answer due first (unknown due dates last), then id. */
export async function queuePage(
  pool: Pool,
  expertOfficeId: string,
  /** The statuses listed (`statusesListed` of the queue filter). */
  statuses: readonly ReviewStatus[],
  after: QueuePosition | null,
  limit: number,
): Promise<ReviewCaseRow[]> {
  const params: unknown[] = [expertOfficeId, limit, statuses];
  let keyset = '';
  if (after) {
    params.push(after.dueKey, after.id);
    keyset = 'AND (c.due_key, c.id) > ($4::bigint, $5::text)';
  }
  const { rows } = await pool.query(
    `SELECT c.* FROM review_cases c
      WHERE c.expert_office_id = $1 AND c.status = ANY($3::text[]) ${keyset}
      ORDER BY c.due_key, c.id
      LIMIT $2`,
    params,
  );
  return rows.map(toRow);
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
    transmission: row.transmission,
    respondBy: row.respond_by,
  }));
}

/**
 * Stores the state `evolve` gave for a case locked by the caller. The version condition is a second
 * guard: it makes a lost lock or a stale state fail loudly instead of recording twice.
 */
async function saveState(tx: Tx, caseId: string, before: ReviewCaseState, after: ReviewCaseState, at: Date): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE review_cases SET status = $3, version = $4, withdrawn_mission_status = $5, withdrawn_at = $6, updated_at = $7
      WHERE id = $1 AND version = $2`,
    [caseId, before.decisions, after.status, after.decisions, after.withdrawal?.missionStatus ?? null, after.withdrawal?.at ?? null, at],
  );
  if (rowCount !== 1) throw new Error(`review case ${caseId} changed while its state was being recorded`);
}

/** Records a decision and the state it led to; a request for information sets the answer's due date. */
export async function recordDecision(tx: Tx, caseId: string, before: ReviewCaseState, after: ReviewCaseState, event: ReviewDecided): Promise<void> {
  await saveState(tx, caseId, before, after, event.at);
  await tx.query('UPDATE review_cases SET respond_by = $2 WHERE id = $1', [caseId, event.respondBy]);
  await tx.query(
    `INSERT INTO review_decisions (case_id, sequence, decision, expert_name, expert_phone, note, decided_at, transmission, respond_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [caseId, event.sequence, event.decision, event.expertName, event.expertPhone, event.note, event.at, event.transmission, event.respondBy],
  );
}

/** Records a withdrawal or a reinstatement: the state carries its cause (or none). `at` is when this service learned it. */
export async function recordWithdrawal(tx: Tx, caseId: string, before: ReviewCaseState, after: ReviewCaseState, at: Date): Promise<void> {
  await saveState(tx, caseId, before, after, at);
}
