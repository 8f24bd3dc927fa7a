// How a stored mission is shown: the snapshot, the projected lifecycle, the rendered tracking.
import type { Principal } from '@smart-expertise/service-runtime';
import { trackingMessage, type Language } from '@smart-expertise/contracts/tracking-messages';
import type { MissionView as ProjectedView, TrackingEntry } from '../domain/lifecycle.ts';
import type { MissionRow } from '../store/missions.ts';

/** api.md: an insurer sees what it deposited, a garage its mailbox, an expert office its designations, ops all. */
export function canSee(principal: Principal, row: Pick<MissionRow, 'insurerId' | 'garageId' | 'expertOfficeId'>): boolean {
  switch (principal.role) {
    case 'ops':
      return true;
    case 'insurer':
      return row.insurerId === principal.org;
    case 'garage':
      return row.garageId === principal.org;
    case 'expert':
      return row.expertOfficeId === principal.org;
    default:
      return false;
  }
}

export function renderTracking(entries: readonly TrackingEntry[], lang: Language) {
  return entries.map((e) => ({ at: e.at.toISOString(), code: e.code, message: trackingMessage(e.code, e.params, lang) }));
}

export function missionBody(row: MissionRow, view: ProjectedView, lang: Language) {
  const s = row.snapshot;
  return {
    id: row.id,
    insurerId: row.insurerId,
    insurerMissionRef: row.insurerMissionRef,
    garageId: row.garageId,
    expertOfficeId: row.expertOfficeId,
    claim: s.claim,
    vehicle: s.vehicle,
    owner: s.owner,
    directPayment: s.directPayment,
    status: view.status,
    section: view.section,
    outcome: view.outcome,
    deadline: row.deadline.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    policy: row.policy,
    paymentRequested: view.paymentRequested,
    payment: view.payment && {
      requestedAt: view.payment.requestedAt.toISOString(),
      invoiceNumber: view.payment.invoiceNumber,
      insurerShareCents: view.payment.insurerShareCents,
      ownerShareCents: view.payment.ownerShareCents,
      flagged: view.payment.flagged,
    },
    tracking: renderTracking(view.tracking, lang),
  };
}

export function summaryBody(row: MissionRow) {
  return {
    id: row.id,
    insurerId: row.insurerId,
    insurerMissionRef: row.insurerMissionRef,
    garageId: row.garageId,
    expertOfficeId: row.expertOfficeId,
    claimNumber: row.snapshot.claim.claimNumber,
    plate: row.snapshot.vehicle.plate,
    status: row.status,
    section: row.section,
    outcome: row.outcome,
    deadline: row.deadline.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    paymentRequested: row.paymentRequested,
  };
}
