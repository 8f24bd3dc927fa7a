// The local copy of missions, built from mission.received.
import type { EventPayload, InsurerPolicy } from '@smart-expertise/contracts';
import type { Pool, Tx } from '@smart-expertise/service-runtime';

export type MissionReceived = EventPayload<'mission.received'>;
type Claim = MissionReceived['mission']['claim'];
type Vehicle = MissionReceived['mission']['vehicle'];
type DirectPayment = MissionReceived['mission']['directPayment'];

export interface MissionCopy {
  missionId: string;
  insurerId: string;
  insurerMissionRef: string;
  garageId: string;
  expertOfficeId: string;
  deadline: Date;
  receivedAt: Date;
  claim: Claim;
  vehicle: Vehicle;
  ownerName: string;
  directPayment: DirectPayment;
  minPhotos: number;
  reviewThresholds: InsurerPolicy['reviewThresholds'];
}

/** Records the mission; a redelivered or re-sent mission.received leaves one row with its data. */
export async function saveMission(tx: Tx, missionId: string, payload: MissionReceived): Promise<void> {
  const m = payload.mission;
  await tx.query(
    `INSERT INTO missions (mission_id, insurer_id, insurer_mission_ref, garage_id, expert_office_id, deadline, received_at,
                           claim, vehicle, owner_name, direct_payment, min_photos, review_thresholds)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (mission_id) DO UPDATE SET
       insurer_id = EXCLUDED.insurer_id, insurer_mission_ref = EXCLUDED.insurer_mission_ref, garage_id = EXCLUDED.garage_id,
       expert_office_id = EXCLUDED.expert_office_id, deadline = EXCLUDED.deadline, received_at = EXCLUDED.received_at,
       claim = EXCLUDED.claim, vehicle = EXCLUDED.vehicle, owner_name = EXCLUDED.owner_name,
       direct_payment = EXCLUDED.direct_payment, min_photos = EXCLUDED.min_photos, review_thresholds = EXCLUDED.review_thresholds`,
    [
      missionId,
      m.insurerId,
      m.insurerMissionRef,
      m.garageId,
      m.expertOfficeId,
      payload.deadline,
      payload.receivedAt,
      JSON.stringify(m.claim),
      JSON.stringify(m.vehicle),
      // Only the owner's name: the expert needs to know whose car it is, not how to reach them.
      m.owner.name,
      m.directPayment === null ? null : JSON.stringify(m.directPayment),
      payload.policy.minPhotos,
      JSON.stringify(payload.policy.reviewThresholds),
    ],
  );
}

export async function findMission(db: Pool | Tx, missionId: string): Promise<MissionCopy | null> {
  const { rows } = await db.query('SELECT * FROM missions WHERE mission_id = $1', [missionId]);
  const row = rows[0];
  if (!row) return null;
  return {
    missionId: row.mission_id,
    insurerId: row.insurer_id,
    insurerMissionRef: row.insurer_mission_ref,
    garageId: row.garage_id,
    expertOfficeId: row.expert_office_id,
    deadline: row.deadline,
    receivedAt: row.received_at,
    claim: row.claim,
    vehicle: row.vehicle,
    ownerName: row.owner_name,
    directPayment: row.direct_payment,
    minPhotos: row.min_photos,
    reviewThresholds: row.review_thresholds,
  };
}

/**
 * Serialises the handlers of one mission's events across topics (mission.received and
 * quote.submitted arrive in any order, possibly at the same time), so that whichever commits
 * second sees the other's rows.
 */
export async function lockMission(tx: Tx, missionId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('expert-review:mission:' || $1))", [missionId]);
}
