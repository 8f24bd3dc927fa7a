// The local copy of missions (table `missions`), written only by event consumers: the mission as
// mission.received deposited it, then mission-intake's verdict from each mission.status-changed.
// `deadline` is the one that holds: the deposit's until a verdict says one, then the latest verdict's
// (a verdict always carries one).
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { EventPayload, InsurerPolicy, MissionSnapshot, MissionStatus, Outcome } from '@smart-expertise/contracts';
import type { DirectPaymentTerms, MissionCopy } from '../domain/quote.ts';
import type { OwnerVatPosition } from '../domain/payment-split.ts';

type Db = Tx | Pool;

/** A mission we have received (mission.received applied). */
export interface KnownMission extends MissionCopy {
  insurerId: string;
  expertOfficeId: string;
  /** The insurer's policy in force; null for a mission received before the copy kept it. */
  policy: InsurerPolicy | null;
  /** The transmission of the quote the latest verdict rests on; null when no verdict said. */
  transmission: number | null;
  /** The validated quote plus approved supplements, incl. VAT, as mission-intake's latest verdict says. */
  approvedTotalCents: number | null;
}

/** What this copy keeps of a verdict (`mission.status-changed`). */
export type VerdictFields = Pick<EventPayload<'mission.status-changed'>, 'status' | 'outcome' | 'deadline' | 'transmission' | 'approvedTotalCents'>;

interface MissionRow {
  id: string;
  received_at: Date | null;
  garage_id: string;
  insurer_id: string;
  expert_office_id: string;
  deadline: Date;
  transmission: number | null;
  approved_total_cents: string | null;
  direct_payment: DirectPaymentTerms | null;
  owner_vat_regime: OwnerVatPosition['vatRegime'];
  owner_vat_deductible_percent: string | null;
  min_photos: number;
  snapshot: MissionSnapshot;
  policy: InsurerPolicy | null;
  status: MissionStatus;
  outcome: Outcome | null;
  live_quote_id: string | null;
}

function toMission(row: MissionRow | undefined): KnownMission | null {
  if (!row || row.received_at === null) return null;
  return {
    id: row.id,
    garageId: row.garage_id,
    insurerId: row.insurer_id,
    expertOfficeId: row.expert_office_id,
    status: row.status,
    outcome: row.outcome,
    deadline: row.deadline,
    directPayment: row.direct_payment,
    owner: {
      vatRegime: row.owner_vat_regime,
      ...(row.owner_vat_deductible_percent === null ? {} : { vatDeductiblePercent: Number(row.owner_vat_deductible_percent) }),
    },
    minPhotos: row.min_photos,
    snapshot: row.snapshot,
    policy: row.policy,
    liveQuoteId: row.live_quote_id,
    transmission: row.transmission,
    approvedTotalCents: row.approved_total_cents === null ? null : Number(row.approved_total_cents),
  };
}

/**
 * The mission, locked for the rest of the transaction when `forUpdate`: every command on a quote
 * and the verdict consumer lock the mission first, then the quote, so that a close and a verdict
 * voiding it are applied one after the other, never interleaved.
 */
export async function findMission(db: Db, id: string, { forUpdate = false } = {}): Promise<KnownMission | null> {
  // Lock, then read in a statement of its own: its snapshot is taken once the lock is held, so it
  // sees what the previous holder committed (a quote it created, discarded or voided) too.
  if (forUpdate) await db.query('SELECT 1 FROM missions WHERE id = $1 FOR UPDATE', [id]);
  const { rows } = await db.query<MissionRow>({
    name: 'quote-mission-find',
    text: `SELECT m.*,
            (SELECT q.id FROM quotes q WHERE q.mission_id = m.id AND q.status IN ('draft', 'closed', 'returned')) AS live_quote_id
     FROM missions m WHERE m.id = $1`,
    values: [id],
  });
  return toMission(rows[0]);
}

/** Makes sure a row exists to lock and to record the verdict on, whatever event arrives first. */
async function ensureRow(tx: Tx, id: string): Promise<void> {
  await tx.query('INSERT INTO missions (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [id]);
  await tx.query('SELECT 1 FROM missions WHERE id = $1 FOR UPDATE', [id]);
}

export async function recordReceived(tx: Tx, payload: EventPayload<'mission.received'>): Promise<void> {
  const { mission, deadline, receivedAt, policy } = payload;
  await ensureRow(tx, mission.id);
  // The first reception wins: a re-sent mission.received carries the same mission. A verdict
  // applied before it (its row made by `ensureRow`) already wrote the deadline that holds.
  await tx.query(
    `UPDATE missions SET received_at = $2, garage_id = $3, insurer_id = $4, expert_office_id = $5, deadline = COALESCE(deadline, $6),
       direct_payment = $7, owner_vat_regime = $8, owner_vat_deductible_percent = $9, min_photos = $10, snapshot = $11,
       policy = $12, updated_at = now()
     WHERE id = $1 AND received_at IS NULL`,
    [
      mission.id,
      receivedAt,
      mission.garageId,
      mission.insurerId,
      mission.expertOfficeId,
      deadline,
      mission.directPayment === null ? null : JSON.stringify(mission.directPayment),
      mission.owner.vatRegime,
      mission.owner.vatDeductiblePercent ?? null,
      policy.minPhotos,
      JSON.stringify(mission),
      JSON.stringify(policy),
    ],
  );
}

/**
 * Keeps mission-intake's latest verdict. mission-intake publishes the verdicts of one mission in
 * the order it reached them, on one partition (the key is the mission id), and the inbox drops a
 * redelivered one: the verdict applied last is the newest. (`changedAt` is no order: a close
 * learned late changes the verdict at an earlier instant.)
 */
export async function recordStatusChanged(tx: Tx, id: string, verdict: VerdictFields): Promise<void> {
  await ensureRow(tx, id);
  await tx.query(
    `UPDATE missions SET status = $2, outcome = $3, deadline = $4, transmission = $5, approved_total_cents = $6, updated_at = now()
     WHERE id = $1`,
    [id, verdict.status, verdict.outcome, verdict.deadline, verdict.transmission ?? null, verdict.approvedTotalCents ?? null],
  );
}

// ---- A consumed batch at once --------------------------------------------------------------------

/**
 * Makes sure each mission has a row, then locks them in id order: two batches (or a batch and an
 * HTTP command, which locks its one mission) never wait on each other in a cycle.
 */
export async function lockMissions(tx: Tx, ids: readonly string[]): Promise<void> {
  const sorted = [...ids].sort();
  await tx.query({
    name: 'quote-missions-ensure',
    text: 'INSERT INTO missions (id) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT (id) DO NOTHING',
    values: [sorted],
  });
  await tx.query({ name: 'quote-missions-lock', text: 'SELECT 1 FROM missions WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', values: [sorted] });
}

/** `recordReceived` for many missions (rows locked), one statement. The first reception wins; a verdict's deadline stays. */
export async function recordReceivedMany(tx: Tx, payloads: readonly EventPayload<'mission.received'>[]): Promise<void> {
  if (payloads.length === 0) return;
  const rows = payloads.map(({ mission, deadline, receivedAt, policy }) => ({
    id: mission.id,
    received_at: receivedAt,
    garage_id: mission.garageId,
    insurer_id: mission.insurerId,
    expert_office_id: mission.expertOfficeId,
    deadline,
    direct_payment: mission.directPayment,
    owner_vat_regime: mission.owner.vatRegime,
    owner_vat_deductible_percent: mission.owner.vatDeductiblePercent ?? null,
    min_photos: policy.minPhotos,
    snapshot: mission,
    policy,
  }));
  await tx.query({
    name: 'quote-missions-received',
    text: `UPDATE missions m SET received_at = r.received_at, garage_id = r.garage_id, insurer_id = r.insurer_id,
             expert_office_id = r.expert_office_id, deadline = COALESCE(m.deadline, r.deadline), direct_payment = r.direct_payment,
             owner_vat_regime = r.owner_vat_regime, owner_vat_deductible_percent = r.owner_vat_deductible_percent,
             min_photos = r.min_photos, snapshot = r.snapshot, policy = r.policy, updated_at = now()
           FROM jsonb_to_recordset($1::jsonb) AS r(id text, received_at timestamptz, garage_id text, insurer_id text,
             expert_office_id text, deadline timestamptz, direct_payment jsonb, owner_vat_regime text,
             owner_vat_deductible_percent numeric, min_photos integer, snapshot jsonb, policy jsonb)
           WHERE m.id = r.id AND m.received_at IS NULL`,
    values: [JSON.stringify(rows)],
  });
}

/** `recordStatusChanged` for many missions (rows locked): each one's latest verdict, one statement. */
export async function recordVerdicts(tx: Tx, verdicts: readonly ({ id: string } & VerdictFields)[]): Promise<void> {
  if (verdicts.length === 0) return;
  await tx.query({
    name: 'quote-missions-verdicts',
    text: `UPDATE missions m SET status = v.status, outcome = v.outcome, deadline = v.deadline, transmission = v.transmission,
             approved_total_cents = v.approved_total_cents, updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::integer[], $6::bigint[])
             AS v(id, status, outcome, deadline, transmission, approved_total_cents)
           WHERE m.id = v.id`,
    values: [
      verdicts.map((v) => v.id),
      verdicts.map((v) => v.status),
      verdicts.map((v) => v.outcome),
      verdicts.map((v) => v.deadline),
      verdicts.map((v) => v.transmission ?? null),
      verdicts.map((v) => v.approvedTotalCents ?? null),
    ],
  });
}
