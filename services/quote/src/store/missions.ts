// The local copy of missions (table `missions`), written only by event consumers: the mission as
// mission.received deposited it, then mission-intake's verdict from each mission.status-changed.
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
}

interface MissionRow {
  id: string;
  received_at: Date | null;
  garage_id: string;
  insurer_id: string;
  expert_office_id: string;
  deadline: Date;
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
  const { rows } = await db.query<MissionRow>(
    `SELECT m.*,
            (SELECT q.id FROM quotes q WHERE q.mission_id = m.id AND q.status IN ('draft', 'closed')) AS live_quote_id
     FROM missions m WHERE m.id = $1`,
    [id],
  );
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
  // The first reception wins: a re-sent mission.received carries the same mission.
  await tx.query(
    `UPDATE missions SET received_at = $2, garage_id = $3, insurer_id = $4, expert_office_id = $5, deadline = $6,
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
export async function recordStatusChanged(tx: Tx, id: string, verdict: Pick<EventPayload<'mission.status-changed'>, 'status' | 'outcome'>): Promise<void> {
  await ensureRow(tx, id);
  await tx.query('UPDATE missions SET status = $2, outcome = $3, updated_at = now() WHERE id = $1', [id, verdict.status, verdict.outcome]);
}
