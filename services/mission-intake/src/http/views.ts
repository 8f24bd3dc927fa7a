// How a stored mission is shown: the snapshot, the projected verdict, the rendered tracking.
import type { MissionSnapshot } from '@smart-expertise/contracts';
import type { MissionView as ProjectedView, TrackingEntry } from '@smart-expertise/contracts/procedure';
import { trackingMessage, type Language } from '@smart-expertise/contracts/tracking-messages';
import type { Principal, Role } from '@smart-expertise/service-runtime';
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

/** Each entry as text in the reader's language, and its values as fields (garage software never parses the text). */
export function renderTracking(entries: readonly TrackingEntry[], lang: Language) {
  return entries.map((e) => ({ at: e.at.toISOString(), code: e.code, message: trackingMessage(e.code, e.params, lang), params: { ...e.params } }));
}

/** api.md: the owner's phone and e-mail are for the insurer and the garage (and ops), never the expert office. */
export function ownerFor(reader: Role, owner: MissionSnapshot['owner']) {
  if (reader !== 'expert') return owner;
  const { phone: _phone, email: _email, ...rest } = owner;
  return rest;
}

export function missionBody(row: MissionRow, view: ProjectedView, lang: Language, reader: Role) {
  const s = row.snapshot;
  return {
    id: row.id,
    insurerId: row.insurerId,
    insurerMissionRef: row.insurerMissionRef,
    garageId: row.garageId,
    expertOfficeId: row.expertOfficeId,
    claim: s.claim,
    vehicle: s.vehicle,
    owner: ownerFor(reader, s.owner),
    directPayment: s.directPayment,
    status: view.status,
    section: view.section,
    outcome: view.outcome,
    deadline: (view.deadline ?? row.deadline).toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    transmission: view.transmission,
    approvedTotalCents: view.approvedTotalCents,
    supplements: view.supplements.map((s) => ({
      supplementId: s.supplementId,
      number: s.number,
      status: s.status,
      totalInclVatCents: s.totalInclVatCents,
      submittedAt: s.submittedAt?.toISOString() ?? null,
      decidedAt: s.decidedAt?.toISOString() ?? null,
      note: s.note,
    })),
    policy: row.policy,
    paymentRequested: view.paymentRequested,
    payment: view.payment && {
      requestedAt: view.payment.requestedAt.toISOString(),
      invoiceNumber: view.payment.invoiceNumber,
      insurerShareCents: view.payment.insurerShareCents,
      ownerShareCents: view.payment.ownerShareCents,
      flagged: view.payment.flagged,
    },
    expert: view.expert && { name: view.expert.name, phone: view.expert.phone },
    lastDecision: view.lastDecision && { decision: view.lastDecision.decision, note: view.lastDecision.note, at: view.lastDecision.at.toISOString() },
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
