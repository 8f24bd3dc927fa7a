// The local copy of missions (table `missions`), written only by event consumers.
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { EventPayload, MissionSnapshot } from '@smart-expertise/contracts';
import type { DirectPaymentTerms } from '../domain/closing.ts';
import type { ExpertDecision } from '../domain/mission-view.ts';
import type { OwnerVatPosition } from '../domain/payment-split.ts';

type Db = Tx | Pool;

/** A mission we have received (mission.received applied). */
export interface KnownMission {
  id: string;
  garageId: string;
  insurerId: string;
  expertOfficeId: string;
  deadline: Date;
  directPayment: DirectPaymentTerms | null;
  owner: OwnerVatPosition;
  minPhotos: number;
  snapshot: MissionSnapshot;
  abandonedAt: Date | null;
  expiredAt: Date | null;
  latestDecision: ExpertDecision | null;
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
  abandoned_at: Date | null;
  expired_at: Date | null;
  latest_decision: ExpertDecision | null;
}

function toMission(row: MissionRow | undefined): KnownMission | null {
  if (!row || row.received_at === null) return null;
  return {
    id: row.id,
    garageId: row.garage_id,
    insurerId: row.insurer_id,
    expertOfficeId: row.expert_office_id,
    deadline: row.deadline,
    directPayment: row.direct_payment,
    owner: {
      vatRegime: row.owner_vat_regime,
      ...(row.owner_vat_deductible_percent === null ? {} : { vatDeductiblePercent: Number(row.owner_vat_deductible_percent) }),
    },
    minPhotos: row.min_photos,
    snapshot: row.snapshot,
    abandonedAt: row.abandoned_at,
    expiredAt: row.expired_at,
    latestDecision: row.latest_decision,
  };
}

/**
 * The mission, locked for the rest of the transaction when `forUpdate`: closing, creating and
 * the consumers of abandon and expiry all lock the mission first, then the quote, so that a
 * close and an abandon are applied one after the other, never interleaved.
 */
export async function findMission(db: Db, id: string, { forUpdate = false } = {}): Promise<KnownMission | null> {
  const { rows } = await db.query<MissionRow>(`SELECT * FROM missions WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return toMission(rows[0]);
}

/** Makes sure a row exists to lock and to record facts on, whatever event arrives first. */
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
       direct_payment = $7, owner_vat_regime = $8, owner_vat_deductible_percent = $9, min_photos = $10, snapshot = $11, updated_at = now()
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
    ],
  );
}

export async function recordAbandoned(tx: Tx, id: string, at: string, reason: string): Promise<void> {
  await ensureRow(tx, id);
  await tx.query('UPDATE missions SET abandoned_at = $2, abandon_reason = $3, updated_at = now() WHERE id = $1 AND abandoned_at IS NULL', [id, at, reason]);
}

export async function recordExpired(tx: Tx, id: string, at: string): Promise<void> {
  await ensureRow(tx, id);
  await tx.query('UPDATE missions SET expired_at = $2, updated_at = now() WHERE id = $1 AND expired_at IS NULL', [id, at]);
}

/** Keeps the decision with the highest sequence: redelivered or reordered decisions change nothing. */
export async function recordDecision(
  tx: Tx,
  id: string,
  decision: { decision: ExpertDecision; sequence: number; decidedAt: string; expertName: string; expertPhone: string; note: string | null },
): Promise<void> {
  await ensureRow(tx, id);
  await tx.query(
    `UPDATE missions SET latest_decision = $2, latest_decision_sequence = $3, latest_decision_at = $4, latest_decision_expert = $5, updated_at = now()
     WHERE id = $1 AND (latest_decision_sequence IS NULL OR latest_decision_sequence < $3)`,
    [id, decision.decision, decision.sequence, decision.decidedAt, JSON.stringify({ name: decision.expertName, phone: decision.expertPhone, note: decision.note })],
  );
}
