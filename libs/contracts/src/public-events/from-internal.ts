/**
 * From an internal event to the public events it announces, one copy per organisation of the
 * mission that receives it, each in the view its role reads through the API. Pure: no clock, no
 * randomness, no I/O; what it needs to know of the mission comes in as `MissionFacts`.
 */
import { createHash } from 'node:crypto';
import type { DomainEvent, EventPayload, MissionSnapshot, SubmittedCalculation } from '../events.ts';
import { evolve, initialState, project, type TrackingEntry } from '../procedure/mission.ts';
import { trackingMessage, type TrackingCode } from '../tracking-messages.ts';
import type Type from 'typebox';
import { publicEventCatalogue, type AudienceRole, type PublicEvent, type PublicEventData, type PublicEventType } from './catalogue.ts';

/** Who the mission concerns. The snapshot of mission.received, or mission-intake's mission row, will do. */
export interface MissionParties {
  readonly id: string;
  readonly insurerId: string;
  readonly garageId: string;
  readonly expertOfficeId: string;
}

export interface MissionFacts {
  readonly mission: MissionParties;
  /**
   * The mission's tracking as the verdict announced by a `mission.status-changed` left it, oldest
   * first (`project(state).tracking` at that change, as mission-intake holds it when it publishes).
   * The internal event names the entry that made the change only by its code (`reason`); its
   * params (the reason of a cancel, the expert's phone, the new deadline…) are read here.
   * Only mission.status-changed needs it, and only when the event does not carry the entries it
   * added (`tracking`, absent in events published before it was kept).
   */
  readonly tracking?: readonly TrackingEntry[];
}

/** One public event for one organisation, which reads it in the view of `role`. */
export interface PublicDelivery {
  readonly organisation: string;
  readonly role: AudienceRole;
  readonly event: PublicEvent;
}

/**
 * The id of a public event: `evt_` and the first 128 bits of a SHA-256 over the internal event's
 * id, the public type, its version and the reader's role. A redelivered internal event gives the
 * same ids, so a subscriber's deduplication (Standard Webhooks `webhook-id`) holds across replays.
 * The role is part of it because each role's copy carries its own redacted data: one id always
 * means one payload, and (id, organisation) stays unique even if one organisation id held two
 * roles on the same mission.
 */
export function publicEventId(internalEventId: string, type: PublicEventType, version: number, role: AudienceRole): string {
  const digest = createHash('sha256').update(`smart-expertise/public-event\n${internalEventId}\n${type}\n${version}\n${role}`).digest('hex');
  return `evt_${digest.slice(0, 32)}`;
}

/**
 * The public events an internal event announces, each addressed to an organisation of the mission
 * and redacted to what its role may read through the API, in the order to deliver them (a status
 * change before the fate it seals). Internal-only events give none:
 * - mission.abandoned, mission.cancelled, mission.expired: the action, not the verdict. A garage's
 *   abandon or an insurer's cancel can lose to an earlier close learned late, the scheduler's
 *   expiry to any quote closed in time; the public mission.abandoned / cancelled / expired come
 *   from the mission.status-changed that makes the mission so.
 * - mission.deadline-extended, quote.voided, quote.reinstated: what they change reaches partners
 *   as mission.status_changed, with the tracking entry that says it.
 * - mission.deadline-approaching: a reminder for the garage's screen; software has the deadline.
 *
 * Throws when the facts do not belong to the event (another mission, another garage…) or lack what
 * it needs: the caller wired the wrong mission, and nothing must be sent to the wrong party.
 */
export function publicEventsOf(event: DomainEvent, facts: MissionFacts): PublicDelivery[] {
  switch (event.type) {
    case 'mission.received': {
      const entry = depositEntry(event.id, event.payload);
      return publish(event, facts, 'mission.deposited', (role) => deposited(event.payload, entry, role));
    }
    case 'mission.status-changed':
      return statusChanged(event, facts);
    case 'quote.submitted': {
      const data = quoteTransmitted(event.payload);
      return publish(event, facts, 'quote.transmitted', () => data);
    }
    case 'review.decided':
      return reviewDecided(event, facts);
    case 'supplement.submitted': {
      const p = event.payload;
      const data: PublicEventData<'supplement.submitted'> = {
        quoteId: p.quoteId,
        supplementId: p.supplementId,
        number: p.number,
        reason: p.reason,
        calculation: totalsOf(p.calculation),
        photoCount: p.photos.length,
        submittedAt: p.submittedAt,
      };
      return publish(event, facts, 'supplement.submitted', () => data);
    }
    case 'supplement.decided': {
      const p = event.payload;
      return publish(event, facts, 'supplement.decided', (role) => ({
        ...reviewIdFor(role, p.reviewId),
        quoteId: p.quoteId,
        supplementId: p.supplementId,
        number: p.number,
        decision: p.decision,
        note: p.note,
        expert: { name: p.expertName, phone: p.expertPhone },
        totalInclVatCents: p.totalInclVatCents,
        decidedAt: p.decidedAt,
      }));
    }
    case 'payment.requested': {
      const p = event.payload;
      const data: PublicEventData<'payment.requested'> = {
        quoteId: p.quoteId,
        invoiceNumber: p.invoiceNumber,
        invoiceDate: p.invoiceDate,
        amountCents: p.amountCents,
        replacementVehicle: p.replacementVehicle,
        insurerShareCents: p.insurerShareCents,
        ownerShareCents: p.ownerShareCents,
        recoverableVatCents: p.recoverableVatCents,
        deductibleAppliedCents: p.deductibleAppliedCents,
        aboveCeilingCents: p.aboveCeilingCents,
        aboveValidatedQuote: p.aboveValidatedQuote,
        approvedTotalCents: p.approvedTotalCents ?? null,
        aboveApprovedCents: p.aboveApprovedCents ?? null,
        requestedAt: p.requestedAt,
      };
      return publish(event, facts, 'payment.requested', () => data);
    }
    case 'mission.abandoned':
    case 'mission.cancelled':
    case 'mission.expired':
    case 'mission.deadline-extended':
    case 'mission.deadline-approaching':
    case 'quote.voided':
    case 'quote.reinstated':
      return [];
    default: {
      const unknown: never = event;
      throw new Error(`no public mapping for internal event ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

// ---- One event per audience --------------------------------------------------------------------

const partyKeys = ['insurerId', 'garageId', 'expertOfficeId'] as const;
const partyOf: Record<AudienceRole, (typeof partyKeys)[number]> = { insurer: 'insurerId', garage: 'garageId', expert: 'expertOfficeId' };

function publish<T extends PublicEventType>(
  source: DomainEvent,
  facts: MissionFacts,
  type: T,
  dataFor: (role: AudienceRole) => PublicEventData<T>,
): PublicDelivery[] {
  checkParties(source, facts.mission);
  const { current: version, audience } = publicEventCatalogue[type];
  return audience.map((role) => ({
    organisation: facts.mission[partyOf[role]],
    role,
    event: {
      id: publicEventId(source.id, type, version, role),
      type,
      version,
      occurredAt: source.occurredAt,
      missionId: source.missionId,
      data: dataFor(role),
    } as PublicEvent,
  }));
}

/** The facts must be the event's mission: every party the event names must be the mission's. */
function checkParties(event: DomainEvent, mission: MissionParties): void {
  if (event.missionId !== mission.id) {
    throw new Error(`${event.type} ${event.id} is about mission ${event.missionId}, the facts are about mission ${mission.id}`);
  }
  const named = (event.type === 'mission.received' ? event.payload.mission : event.payload) as Partial<Record<(typeof partyKeys)[number], unknown>>;
  for (const key of partyKeys) {
    const value = named[key];
    if (value !== undefined && value !== mission[key]) {
      throw new Error(`${event.type} ${event.id} names ${key} ${String(value)}, mission ${mission.id} has ${mission[key]}`);
    }
  }
}

// ---- The views ---------------------------------------------------------------------------------
// Every object is built field by field (an allow-list): a field the services add to an internal
// event never reaches a partner by accident.

/** api.md: the owner's phone and e-mail are shown to the insurer and the garage only, never to the expert office. */
function ownerFor(role: AudienceRole, owner: MissionSnapshot['owner']): PublicEventData<'mission.deposited'>['owner'] {
  const vat = { vatRegime: owner.vatRegime, ...(owner.vatDeductiblePercent === undefined ? {} : { vatDeductiblePercent: owner.vatDeductiblePercent }) };
  if (role === 'expert') return { name: owner.name, ...vat };
  return { name: owner.name, phone: owner.phone, email: owner.email, ...vat };
}

/** Only the expert office reads review cases (`/v1/reviews/{id}`): the others get no case id. */
function reviewIdFor(role: AudienceRole, reviewId: string): { reviewId?: string } {
  return role === 'expert' ? { reviewId } : {};
}

/** The deadline message of a new mission, exactly as the procedure writes it in the mission's tracking. */
function depositEntry(eventId: string, p: EventPayload<'mission.received'>): TrackingEntry {
  const view = project(evolve(initialState, { type: 'received', eventId, at: new Date(p.receivedAt), deadline: new Date(p.deadline) }));
  const entry = view.tracking[0];
  if (!entry) throw new Error('the procedure wrote no tracking entry for a received mission');
  return entry;
}

function deposited(p: EventPayload<'mission.received'>, entry: TrackingEntry, role: AudienceRole): PublicEventData<'mission.deposited'> {
  const m = p.mission;
  return {
    insurerId: m.insurerId,
    insurerMissionRef: m.insurerMissionRef,
    garageId: m.garageId,
    expertOfficeId: m.expertOfficeId,
    claim: {
      claimNumber: m.claim.claimNumber,
      policyNumber: m.claim.policyNumber,
      lossDate: m.claim.lossDate,
      circumstances: m.claim.circumstances,
    },
    vehicle: {
      vin: m.vehicle.vin,
      plate: m.vehicle.plate,
      make: m.vehicle.make,
      model: m.vehicle.model,
      firstRegistrationDate: m.vehicle.firstRegistrationDate,
      ...(m.vehicle.valueCents === undefined ? {} : { valueCents: m.vehicle.valueCents }),
    },
    owner: ownerFor(role, m.owner),
    directPayment: m.directPayment && {
      planned: m.directPayment.planned,
      ceilingCents: m.directPayment.ceilingCents,
      deductibleCents: m.directPayment.deductibleCents,
    },
    status: 'new',
    section: 'smart.new',
    deadline: p.deadline,
    receivedAt: p.receivedAt,
    tracking: publicTracking(entry),
  };
}

type PublicTracking = PublicEventData<'mission.status_changed'>['tracking'];

/** The entry as `GET /v1/missions/{id}/tracking` shows it, its message in every language. */
function publicTracking(entry: TrackingEntry): PublicTracking {
  const params = { ...entry.params };
  return {
    at: entry.at.toISOString(),
    code: entry.code,
    params,
    message: {
      fr: trackingMessage(entry.code, params, 'fr'),
      nl: trackingMessage(entry.code, params, 'nl'),
      en: trackingMessage(entry.code, params, 'en'),
    },
  };
}

/** The newest entry with this code: the procedure writes at most one per fact, oldest first. */
function newestEntry(tracking: readonly TrackingEntry[], code: string): TrackingEntry | undefined {
  for (let i = tracking.length - 1; i >= 0; i -= 1) if (tracking[i]!.code === code) return tracking[i];
  return undefined;
}

function statusChanged(event: DomainEvent<'mission.status-changed'>, facts: MissionFacts): PublicDelivery[] {
  const p = event.payload;
  const tracking: readonly TrackingEntry[] | undefined =
    facts.tracking ?? p.tracking?.map((entry) => ({ at: new Date(entry.at), code: entry.code as TrackingCode, params: entry.params }));
  if (tracking === undefined) throw new Error(`mission.status-changed ${event.id}: the mission's tracking is needed to publish it`);
  const entryOf = (code: string): TrackingEntry => {
    const entry = newestEntry(tracking, code);
    if (!entry) throw new Error(`mission.status-changed ${event.id}: mission ${event.missionId}'s tracking has no ${code} entry`);
    return entry;
  };
  const data: PublicEventData<'mission.status_changed'> = {
    status: p.status,
    previousStatus: p.previousStatus,
    section: p.section,
    outcome: p.outcome,
    deadline: p.deadline,
    changedAt: p.changedAt,
    transmission: p.transmission ?? 0,
    expert: p.expert && { name: p.expert.name, phone: p.expert.phone },
    lastDecision: p.lastDecision && { decision: p.lastDecision.decision, note: p.lastDecision.note, at: p.lastDecision.at },
    approvedTotalCents: p.approvedTotalCents ?? null,
    tracking: publicTracking(entryOf(p.reason)),
  };
  const deliveries = publish(event, facts, 'mission.status_changed', () => data);
  // The mission's fate, as its own event, once: when the verdict makes the mission so.
  if (p.status === p.previousStatus) return deliveries;
  switch (p.status) {
    case 'cancelled': {
      const entry = entryOf('mission.cancelled');
      return [...deliveries, ...publish(event, facts, 'mission.cancelled', () => ({ reason: reasonOf(entry), cancelledAt: entry.at.toISOString() }))];
    }
    case 'abandoned': {
      const entry = entryOf('mission.abandoned');
      return [...deliveries, ...publish(event, facts, 'mission.abandoned', () => ({ reason: reasonOf(entry), abandonedAt: entry.at.toISOString() }))];
    }
    case 'expired': {
      const entry = entryOf('mission.expired');
      return [...deliveries, ...publish(event, facts, 'mission.expired', () => ({ deadline: p.deadline, expiredAt: entry.at.toISOString() }))];
    }
    default:
      return deliveries;
  }
}

function reasonOf(entry: TrackingEntry): string {
  const reason = entry.params.reason;
  if (reason === undefined) throw new Error(`tracking entry ${entry.code} of ${entry.at.toISOString()} has no reason`);
  return reason;
}

function reviewDecided(event: DomainEvent<'review.decided'>, facts: MissionFacts): PublicDelivery[] {
  const p = event.payload;
  const expert = { name: p.expertName, phone: p.expertPhone };
  const transmission = p.transmission ?? 1;
  const decision = p.decision;
  if (decision === 'request_information') {
    return publish(event, facts, 'review.information_requested', (role) => ({
      ...reviewIdFor(role, p.reviewId),
      quoteId: p.quoteId,
      note: p.note ?? '',
      expert,
      requestedAt: p.decidedAt,
      // As the procedure reads it: a request without a due date is due at once.
      respondBy: p.respondBy ?? p.decidedAt,
      transmission,
    }));
  }
  return publish(event, facts, 'review.decided', (role) => ({
    ...reviewIdFor(role, p.reviewId),
    quoteId: p.quoteId,
    decision,
    note: p.note,
    expert,
    decidedAt: p.decidedAt,
    transmission,
  }));
}

function totalsOf(calculation: Type.Static<typeof SubmittedCalculation>): PublicEventData<'quote.transmitted'>['calculation'] & object {
  return {
    calculationNumber: calculation.calculationNumber,
    vatRate: calculation.vatRate,
    totalExclVatCents: calculation.totalExclVatCents,
    vatCents: calculation.vatCents,
    totalInclVatCents: calculation.totalInclVatCents,
  };
}

/** The quote as a partner follows it; the internal event's administrative copy and review file (with the owner's contact) stay inside. */
function quoteTransmitted(p: EventPayload<'quote.submitted'>): PublicEventData<'quote.transmitted'> {
  const frame = p.smartFrame;
  return {
    quoteId: p.quoteId,
    procedure: p.procedure,
    transmission: p.transmission ?? 1,
    closedAt: p.closedAt,
    calculation: p.calculation && totalsOf(p.calculation),
    smartFrame: frame && {
      probableTotalLoss: frame.probableTotalLoss,
      multipleDamageZones: frame.multipleDamageZones,
      expertAdviceNeeded: frame.expertAdviceNeeded,
      technicalInspectionNeeded: frame.technicalInspectionNeeded,
      onSiteExpertNeeded: frame.onSiteExpertNeeded,
    },
    vehicleStatus: p.vehicleStatus,
    vehicleStatusNote: p.vehicleStatusNote,
    photoCount: p.photos.length,
  };
}
