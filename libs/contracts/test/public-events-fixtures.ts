// Fixtures of the public-event tests: internal events that pass validateEvent, and the verdict
// mission-intake publishes, built from the procedure itself.
import { expect } from 'vitest';
import type { MissionSnapshot } from '../src/events.ts';
import { forExpert, validateEvent, type DomainEvent, type EventPayload, type EventType } from '../src/events.ts';
import {
  evolve,
  initialState,
  project,
  statusChangedPayload,
  verdictChanged,
  type MissionFact,
  type MissionState,
  type MissionView,
  type TrackingEntry,
} from '../src/procedure/index.ts';

export const snapshot: MissionSnapshot = {
  id: 'm_1',
  insurerId: 'INS1',
  insurerMissionRef: 'REF-2026-001',
  garageId: 'G1',
  expertOfficeId: 'EXP1',
  claim: { claimNumber: 'CLM-1', policyNumber: 'POL-1', lossDate: '2026-03-12', circumstances: 'rear-ended at a red light' },
  vehicle: { vin: 'WVWZZZ1KZAW123456', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2021-05-04', valueCents: 18_000_00 },
  owner: { name: 'Jan Peeters', phone: '+32 470 12 34 56', email: 'jan.peeters@example.be', vatRegime: 'partial', vatDeductiblePercent: 50 },
  directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
};

export const parties = { id: snapshot.id, insurerId: snapshot.insurerId, garageId: snapshot.garageId, expertOfficeId: snapshot.expertOfficeId };

/** The end of Monday 30 March 2026 in Brussels (summer time). */
export const deadline = new Date('2026-03-30T21:59:59.999Z');
export const t = (minutes: number): Date => new Date(Date.UTC(2026, 2, 20, 8, 0) + minutes * 60_000);

export const policy = {
  workingDays: 5,
  minPhotos: 4,
  reviewThresholds: { agreedLabourRateCents: 65_00, smartCeilingCents: 5_000_00, totalLossRatioPercent: 70 },
};

export const calculation = {
  calculationNumber: 'AUD-1',
  vatRate: 21,
  lines: [{ kind: 'labour' as const, description: 'rear bumper', hours: 2, hourlyRateCents: 65_00, totalCents: 130_00 }],
  totalExclVatCents: 130_00,
  vatCents: 27_30,
  totalInclVatCents: 157_30,
};
export const photo = { id: 'p1', sha256: 'a'.repeat(64), contentType: 'image/jpeg', sizeBytes: 1000, seenOnOtherMission: false };

/** The quote.submitted of a mission's first close, as quote publishes it (copy and review file included). */
export function quoteSubmittedPayload(mission: MissionSnapshot = snapshot): EventPayload<'quote.submitted'> {
  return {
    quoteId: 'q1',
    garageId: mission.garageId,
    expertOfficeId: mission.expertOfficeId,
    procedure: 'standard',
    closedAt: t(60).toISOString(),
    calculation,
    smartFrame: { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: true, technicalInspectionNeeded: false, onSiteExpertNeeded: false },
    vehicleStatus: null,
    vehicleStatusNote: null,
    photos: [photo, { ...photo, id: 'p2' }],
    transmission: 1,
    administrative: mission,
    reviewFile: { mission: forExpert(mission), deadline: deadline.toISOString(), policy },
  };
}

let counter = 0;

/** An internal event as the services publish it; fails the test if it would not pass validateEvent. */
export function internal<T extends EventType>(type: T, payload: EventPayload<T>, overrides: { id?: string; missionId?: string; occurredAt?: string } = {}): DomainEvent<T> {
  counter += 1;
  const event = {
    id: overrides.id ?? `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    type,
    version: 1,
    occurredAt: overrides.occurredAt ?? t(counter).toISOString(),
    missionId: overrides.missionId ?? snapshot.id,
    correlationId: 'req-1',
    causationId: null,
    payload,
  };
  const checked = validateEvent(event);
  expect(checked, checked.ok ? '' : checked.reason).toMatchObject({ ok: true });
  return event as unknown as DomainEvent<T>;
}

export interface VerdictChange {
  readonly event: DomainEvent<'mission.status-changed'>;
  readonly tracking: readonly TrackingEntry[];
}

/**
 * Folds the facts one by one, as mission-intake does, and returns each mission.status-changed it
 * would publish with the tracking it holds at that moment.
 */
export function verdictChanges(facts: readonly MissionFact[], idPrefix = 'a0000000'): VerdictChange[] {
  let state: MissionState = initialState;
  let before: MissionView | null = null;
  const changes: VerdictChange[] = [];
  facts.forEach((fact, index) => {
    state = evolve(state, fact);
    const after = project(state);
    if (verdictChanged(before, after)) {
      const changedAt = new Date(Math.max(...Object.values(state.facts).map((f) => f.at.getTime())));
      const id = `${idPrefix}-0000-4000-8000-${String(index).padStart(12, '0')}`;
      changes.push({
        event: {
          id,
          type: 'mission.status-changed',
          version: 1,
          occurredAt: changedAt.toISOString(),
          missionId: snapshot.id,
          correlationId: 'req-1',
          causationId: fact.eventId,
          payload: statusChangedPayload({ ...parties, deadline }, before, after, changedAt, Object.keys(state.facts).length),
        },
        tracking: after.tracking,
      });
    }
    before = after;
  });
  return changes;
}
