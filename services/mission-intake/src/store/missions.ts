// missions: the deposited snapshot and the projected lifecycle columns the board and lists query.
import type { BoardSection, InsurerPolicy, MissionSnapshot, MissionStatus, Outcome } from '@smart-expertise/contracts';
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { ListPosition } from '../domain/cursor.ts';
import type { MissionView, TrackingEntry } from '@smart-expertise/contracts/procedure';

type Db = Pool | Tx;

export interface MissionRow {
  id: string;
  insurerId: string;
  insurerMissionRef: string;
  garageId: string;
  expertOfficeId: string;
  snapshot: MissionSnapshot;
  requestHash: string;
  deadline: Date;
  receivedAt: Date;
  policy: InsurerPolicy;
  status: MissionStatus;
  section: BoardSection;
  outcome: Outcome | null;
  paymentRequested: boolean;
  updatedAt: Date;
  /** The newest tracking entry of the projection; null on rows projected before it was kept. */
  lastTracking: TrackingEntry | null;
}

interface Raw {
  id: string;
  insurer_id: string;
  insurer_mission_ref: string;
  garage_id: string;
  expert_office_id: string;
  snapshot: MissionSnapshot;
  request_hash: string;
  deadline: Date;
  received_at: Date;
  policy: InsurerPolicy;
  status: MissionStatus;
  section: BoardSection;
  outcome: Outcome | null;
  payment_requested: boolean;
  updated_at: Date;
  last_tracking: StoredTracking | null;
}

/** A tracking entry as JSON keeps it: the instant as an ISO string. */
interface StoredTracking {
  at: string;
  code: TrackingEntry['code'];
  params: Record<string, string>;
}

function reviveTracking(stored: StoredTracking | null): TrackingEntry | null {
  return stored ? { at: new Date(stored.at), code: stored.code, params: stored.params } : null;
}

function fromRaw(r: Raw): MissionRow {
  return {
    id: r.id,
    insurerId: r.insurer_id,
    insurerMissionRef: r.insurer_mission_ref,
    garageId: r.garage_id,
    expertOfficeId: r.expert_office_id,
    snapshot: r.snapshot,
    requestHash: r.request_hash,
    deadline: r.deadline,
    receivedAt: r.received_at,
    policy: r.policy,
    status: r.status,
    section: r.section,
    outcome: r.outcome,
    paymentRequested: r.payment_requested,
    updatedAt: r.updated_at,
    lastTracking: reviveTracking(r.last_tracking),
  };
}

/**
 * The mission's insert, unless (insurer, insurerMissionRef) is already taken, as part of the
 * deposit's one statement (its parameters are $1 to $16). A concurrent identical deposit waits on
 * the unique index and then finds the other's row.
 */
export function insertMissionStatement(row: MissionRow): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO missions (id, insurer_id, insurer_mission_ref, garage_id, expert_office_id, snapshot, request_hash, deadline,
                           received_at, policy, status, section, outcome, payment_requested, updated_at, last_tracking)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT ON CONSTRAINT missions_insurer_ref_key DO NOTHING`,
    values: [
      row.id,
      row.insurerId,
      row.insurerMissionRef,
      row.garageId,
      row.expertOfficeId,
      JSON.stringify(row.snapshot),
      row.requestHash,
      row.deadline,
      row.receivedAt,
      JSON.stringify(row.policy),
      row.status,
      row.section,
      row.outcome,
      row.paymentRequested,
      row.updatedAt,
      row.lastTracking && JSON.stringify(row.lastTracking),
    ],
  };
}

/**
 * What a deposit reads first, in one round trip: the insurer's policy (null: none saved) and the
 * mission already deposited under that reference, if any.
 */
export async function depositContext(db: Db, insurerId: string, insurerMissionRef: string): Promise<{ policy: InsurerPolicy | null; existing: MissionRow | null }> {
  const { rows } = await db.query<Raw & { insurer_policy: InsurerPolicy | null }>({
    name: 'missions-deposit-context',
    text: `SELECT m.*, p.policy AS insurer_policy
           FROM (SELECT 1) AS one
           LEFT JOIN missions m ON m.insurer_id = $1 AND m.insurer_mission_ref = $2
           LEFT JOIN insurer_policies p ON p.insurer_id = $1`,
    values: [insurerId, insurerMissionRef],
  });
  const row = rows[0]!;
  return { policy: row.insurer_policy, existing: row.id === null ? null : fromRaw(row) };
}

export async function findMission(db: Db, id: string, options: { lock?: boolean } = {}): Promise<MissionRow | null> {
  const { rows } = await db.query<Raw>(`SELECT * FROM missions WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? fromRaw(rows[0]) : null;
}

/** What the command handler needs of every mission it changes: who it concerns and its deadline. */
export type MissionKeys = Pick<MissionRow, 'id' | 'insurerId' | 'garageId' | 'expertOfficeId' | 'deadline'>;

/**
 * Locks the missions that exist among `ids`, in id order (two batches never wait on each other in
 * a cycle). Only their keys are read, not the snapshot: the batch path never needs it.
 */
export async function lockMissions(tx: Tx, ids: readonly string[]): Promise<Map<string, MissionKeys>> {
  const { rows } = await tx.query<Pick<Raw, 'id' | 'insurer_id' | 'garage_id' | 'expert_office_id' | 'deadline'>>({
    name: 'missions-lock-many',
    text: 'SELECT id, insurer_id, garage_id, expert_office_id, deadline FROM missions WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
    values: [ids],
  });
  return new Map(
    rows.map((r) => [r.id, { id: r.id, insurerId: r.insurer_id, garageId: r.garage_id, expertOfficeId: r.expert_office_id, deadline: r.deadline }]),
  );
}

export async function findMissionByRef(db: Db, insurerId: string, insurerMissionRef: string): Promise<MissionRow | null> {
  const { rows } = await db.query<Raw>('SELECT * FROM missions WHERE insurer_id = $1 AND insurer_mission_ref = $2', [insurerId, insurerMissionRef]);
  return rows[0] ? fromRaw(rows[0]) : null;
}

/**
 * Writes the projected columns the board and lists read, for many missions in one statement;
 * updated_at is when the last fact was applied; `deadline` is the one that holds (an extension, the
 * due date of an answer to the expert's request). A change of section moves the mission between the
 * board's counts (triggers, migration 0003).
 */
export async function saveProjections(tx: Tx, views: ReadonlyMap<string, MissionView>, at: Date): Promise<void> {
  if (views.size === 0) return;
  const entries = [...views];
  const column = <T>(pick: (view: MissionView) => T) => entries.map(([, view]) => pick(view));
  await tx.query({
    name: 'missions-save-projections',
    text: `UPDATE missions AS m
        SET status = v.status, section = v.section, outcome = v.outcome, payment_requested = v.payment_requested, updated_at = $7,
            last_tracking = v.last_tracking, deadline = coalesce(v.deadline, m.deadline)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::jsonb[], $8::timestamptz[])
            AS v(id, status, section, outcome, payment_requested, last_tracking, deadline)
      WHERE m.id = v.id`,
    values: [
      entries.map(([id]) => id),
      column((view) => view.status),
      column((view) => view.section),
      column((view) => view.outcome),
      column((view) => view.paymentRequested),
      column((view) => {
        const last = view.tracking.at(-1);
        return last ? JSON.stringify(last) : null;
      }),
      at,
      column((view) => view.deadline),
    ],
  });
}

export interface MissionListFilter {
  /** null: every insurer (ops). */
  insurerId: string | null;
  status: MissionStatus | null;
  after: ListPosition | null;
  limit: number;
}

export async function listMissions(db: Db, filter: MissionListFilter): Promise<MissionRow[]> {
  // Only the conditions that apply, so the planner sees a plain keyset walk of an index.
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.insurerId !== null) conditions.push(`insurer_id = ${param(filter.insurerId)}`);
  if (filter.status !== null) conditions.push(`status = ${param(filter.status)}`);
  if (filter.after !== null) conditions.push(`(received_at, id) < (${param(filter.after.receivedAt)}::timestamptz, ${param(filter.after.id)}::text)`);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await db.query<Raw>(`SELECT * FROM missions ${where} ORDER BY received_at DESC, id DESC LIMIT ${param(filter.limit)}`, params);
  return rows.map(fromRaw);
}

/** What a board line shows: no owner, no policy, only four fields of the snapshot. */
export interface BoardRow {
  id: string;
  insurerMissionRef: string;
  claimNumber: string;
  plate: string;
  make: string;
  model: string;
  status: MissionStatus;
  section: BoardSection;
  deadline: Date;
  receivedAt: Date;
  paymentRequested: boolean;
  lastTracking: TrackingEntry | null;
}

const BOARD_COLUMNS = `id, insurer_mission_ref, snapshot->'claim'->>'claimNumber' AS claim_number,
       snapshot->'vehicle'->>'plate' AS plate, snapshot->'vehicle'->>'make' AS make, snapshot->'vehicle'->>'model' AS model,
       status, section, deadline, received_at, payment_requested, last_tracking`;

/**
 * One section of the garage's board, newest first. The row comparison on (received_at, id) walks
 * missions_board_idx (garage_id, section, received_at DESC, id DESC) from the cursor on, so a page
 * costs the same on the first and the thousandth page. Exported for the query-plan test.
 */
export const BOARD_FIRST_PAGE_SQL = `SELECT ${BOARD_COLUMNS} FROM missions
     WHERE garage_id = $1 AND section = $2
     ORDER BY received_at DESC, id DESC
     LIMIT $3`;

export const BOARD_NEXT_PAGE_SQL = `SELECT ${BOARD_COLUMNS} FROM missions
     WHERE garage_id = $1 AND section = $2 AND (received_at, id) < ($3::timestamptz, $4::text)
     ORDER BY received_at DESC, id DESC
     LIMIT $5`;

/** The counts ($1 is the garage in both) and a page, in one statement; exported for the query-plan test. */
const boardViewSql = (page: string) => `SELECT counts.counts, page.*
       FROM (SELECT coalesce(json_object_agg(section, n), '{}') AS counts
               FROM (SELECT section, sum(n)::int AS n FROM board_counts WHERE garage_id = $1 GROUP BY section) AS by_section) AS counts
       LEFT JOIN LATERAL (${page}) AS page ON true`;
export const BOARD_FIRST_VIEW_SQL = boardViewSql(BOARD_FIRST_PAGE_SQL);
export const BOARD_NEXT_VIEW_SQL = boardViewSql(BOARD_NEXT_PAGE_SQL);

interface RawBoardRow {
  id: string;
  insurer_mission_ref: string;
  claim_number: string;
  plate: string;
  make: string;
  model: string;
  status: MissionStatus;
  section: BoardSection;
  deadline: Date;
  received_at: Date;
  payment_requested: boolean;
  last_tracking: StoredTracking | null;
}

/**
 * The board in one statement: the garage's counts per section, and one page of `section`. One
 * round trip instead of two was a fifth less CPU per board read (bench/notes.md). The page is the
 * plan-tested page statement as it is, joined laterally, so a section with no mission still
 * brings back its counts (one row of nulls).
 */
export async function boardView(
  db: Db,
  garageId: string,
  section: BoardSection,
  after: ListPosition | null,
  limit: number,
): Promise<{ counts: Map<BoardSection, number>; rows: BoardRow[] }> {
  const params = after ? [garageId, section, after.receivedAt, after.id, limit] : [garageId, section, limit];
  // Prepared once per connection: the board is the most frequent read, and planning its statement
  // cost about as much as running it.
  const { rows } = await db.query<RawBoardRow & { counts: Record<string, number> }>(
    after ? { name: 'board-next-page', text: BOARD_NEXT_VIEW_SQL, values: params } : { name: 'board-first-page', text: BOARD_FIRST_VIEW_SQL, values: params },
  );
  const counts = new Map(Object.entries(rows[0]?.counts ?? {}) as Array<[BoardSection, number]>);
  return {
    counts,
    rows: rows
      .filter((r) => r.id !== null)
      .map((r) => ({
        id: r.id,
        insurerMissionRef: r.insurer_mission_ref,
        claimNumber: r.claim_number,
        plate: r.plate,
        make: r.make,
        model: r.model,
        status: r.status,
        section: r.section,
        deadline: r.deadline,
        receivedAt: r.received_at,
        paymentRequested: r.payment_requested,
        lastTracking: reviveTracking(r.last_tracking),
      })),
  };
}
