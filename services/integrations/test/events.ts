// Internal events of one mission as the four services publish them, built with the procedure's own
// rules (the verdicts come from evolve/project, as mission-intake computes them).
import { randomUUID } from 'node:crypto';
import { validateEvent, type DomainEvent, type EventPayload, type EventType } from '@smart-expertise/contracts';
import { evolve, initialState, project, statusChangedPayload, verdictChanged, type MissionFact, type MissionState, type MissionView } from '@smart-expertise/contracts/procedure';
import { uniqueSuffix } from '@smart-expertise/service-runtime/testing';

export interface Parties {
  insurerId: string;
  garageId: string;
  expertOfficeId: string;
}

export const policy = { workingDays: 5, minPhotos: 0, reviewThresholds: { agreedLabourRateCents: 65_00, smartCeilingCents: 5_000_00, totalLossRatioPercent: 70 } };

/** An envelope that passes validateEvent (the test fails at once otherwise). */
export function internal<T extends EventType>(type: T, missionId: string, payload: EventPayload<T>, at: Date): DomainEvent<T> {
  const event = { id: randomUUID(), type, version: 1, occurredAt: at.toISOString(), missionId, correlationId: `test-${uniqueSuffix()}`, causationId: null, payload };
  const checked = validateEvent(event);
  if (!checked.ok) throw new Error(`test event ${type} is not valid: ${checked.reason}`);
  return event as unknown as DomainEvent<T>;
}

/**
 * One mission's life as the services publish it: the deposit, the garage's close, the expert's
 * validation, each followed by the verdict mission-intake publishes when it changes. `events` is
 * in the order they happened; `topicOf` says on which topic each travels.
 */
export function journey(parties: Parties, start = new Date('2026-03-20T08:00:00.000Z')) {
  const missionId = `m_${uniqueSuffix()}`;
  const quoteId = `q_${uniqueSuffix()}`;
  const deadline = new Date('2026-03-30T21:59:59.999Z');
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
  let state: MissionState = initialState;
  let before: MissionView | null = null;
  const events: DomainEvent[] = [];
  const verdict = (fact: MissionFact) => {
    state = evolve(state, fact);
    const after = project(state);
    if (verdictChanged(before, after)) {
      events.push(internal('mission.status-changed', missionId, statusChangedPayload({ ...parties, deadline }, before, after, fact.at, Object.keys(state.facts).length), fact.at));
    }
    before = after;
  };

  const received = internal(
    'mission.received',
    missionId,
    {
      mission: {
        id: missionId,
        ...parties,
        insurerMissionRef: `REF-${missionId}`,
        claim: { claimNumber: `CLM-${missionId}`, policyNumber: 'POL-1', lossDate: '2026-03-12', circumstances: 'rear-ended at a red light' },
        vehicle: { vin: 'WVWZZZ1KZAW123456', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2021-05-04', valueCents: 18_000_00 },
        owner: { name: 'Jan Peeters', phone: '+32 470 12 34 56', email: 'jan.peeters@example.be', vatRegime: 'none' },
        directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
      },
      deadline: deadline.toISOString(),
      receivedAt: at(0).toISOString(),
      policy,
    },
    at(0),
  );
  events.push(received);
  verdict({ type: 'received', eventId: received.id, at: at(0), deadline });

  const closedAt = at(60);
  const submitted = internal(
    'quote.submitted',
    missionId,
    {
      quoteId,
      garageId: parties.garageId,
      expertOfficeId: parties.expertOfficeId,
      procedure: 'standard',
      closedAt: closedAt.toISOString(),
      calculation: { calculationNumber: 'AX-1', vatRate: 21, lines: [{ kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 1_000_00, totalCents: 1_000_00 }], totalExclVatCents: 1_000_00, vatCents: 210_00, totalInclVatCents: 1_210_00 },
      smartFrame: { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false },
      vehicleStatus: null,
      vehicleStatusNote: null,
      photos: [],
    },
    closedAt,
  );
  events.push(submitted);
  verdict({ type: 'quote_submitted', eventId: submitted.id, at: closedAt, procedure: 'standard', quoteId, totalInclVatCents: 1_210_00 });

  const decidedAt = at(120);
  const decided = internal(
    'review.decided',
    missionId,
    { reviewId: `rv_${uniqueSuffix()}`, quoteId, expertOfficeId: parties.expertOfficeId, decision: 'validate', expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56', note: null, decidedAt: decidedAt.toISOString(), sequence: 1 },
    decidedAt,
  );
  events.push(decided);
  verdict({ type: 'review_decided', eventId: decided.id, at: decidedAt, sequence: 1, decision: 'validate', expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56', quoteId });

  return { missionId, quoteId, events };
}
