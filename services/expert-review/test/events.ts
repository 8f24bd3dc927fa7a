// Envelopes of the quote service's events, as it would publish them.
import { randomUUID } from 'node:crypto';
import { vatOf } from '../src/domain/findings.ts';
import type { EventEnvelope, EventPayload, MissionStatus } from '@smart-expertise/contracts';
import { uniqueSuffix } from '@smart-expertise/service-runtime/testing';

type QuoteSubmitted = EventPayload<'quote.submitted'>;
type ReviewFile = NonNullable<QuoteSubmitted['reviewFile']>;
type Line = NonNullable<QuoteSubmitted['calculation']>['lines'][number];

export function envelope<T extends 'quote.submitted' | 'quote.voided' | 'quote.reinstated' | 'supplement.submitted'>(type: T, missionId: string, payload: EventPayload<T>): EventEnvelope {
  return { id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), missionId, correlationId: `test-${uniqueSuffix()}`, causationId: null, payload };
}

/** The owner's contact: the expert office never holds it. */
export const ownerContact = { phone: '+32 470 00 00 00', email: 'marie@example.be' };

/** The full mission as mission-intake publishes it, owner's contact included (older quote.submitted events copied it as `administrative`). */
export function missionSnapshot(missionId: string, options: { expertOfficeId: string; valueCents?: number; garageId?: string }) {
  return {
    id: missionId,
    insurerId: 'INS1',
    insurerMissionRef: `ref-${missionId}`,
    garageId: options.garageId ?? 'G1',
    expertOfficeId: options.expertOfficeId,
    claim: { claimNumber: `CL-${missionId}`, policyNumber: 'POL-1', lossDate: '2026-02-20', circumstances: 'Rear-ended at a red light' },
    vehicle: {
      vin: 'WVWZZZ1JZXW000001',
      plate: '1-ABC-123',
      make: 'Volkswagen',
      model: 'Golf',
      firstRegistrationDate: '2019-05-01',
      ...(options.valueCents === undefined ? {} : { valueCents: options.valueCents }),
    },
    owner: { name: 'Marie Dubois', ...ownerContact, vatRegime: 'none' as const },
    directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
  };
}

/** What quote puts in quote.submitted for the expert office: the mission without the owner's contact, the deadline, the insurer's policy. */
export function reviewFile(missionId: string, options: { expertOfficeId: string; deadline: string; valueCents?: number; garageId?: string }): ReviewFile {
  const { phone: _phone, email: _email, ...owner } = missionSnapshot(missionId, options).owner;
  return {
    mission: { ...missionSnapshot(missionId, options), owner },
    deadline: options.deadline,
    // Insurer policy: 3 photos, labour agreed at €55.00/h, Smart ceiling €3,000.00, total loss at 75 %.
    policy: { workingDays: 5, minPhotos: 3, reviewThresholds: { agreedLabourRateCents: 55_00, smartCeilingCents: 3_000_00, totalLossRatioPercent: 75 } },
  };
}

export const part = (cents: number): Line => ({ kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: cents, totalCents: cents });
export const labour = (rateCents: number): Line => ({ kind: 'labour', description: 'Bumper R&R', hours: 2, hourlyRateCents: rateCents, totalCents: 2 * rateCents });

export function calculation(lines: Line[]): NonNullable<QuoteSubmitted['calculation']> {
  const totalExclVatCents = lines.reduce((s, l) => s + l.totalCents, 0);
  const vatCents = vatOf(totalExclVatCents, 21);
  return { calculationNumber: 'AX-2026-001', vatRate: 21, lines, totalExclVatCents, vatCents, totalInclVatCents: totalExclVatCents + vatCents };
}

export const noSmartYes = { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false };

export function photos(count: number, seenOnOtherMission = false): QuoteSubmitted['photos'] {
  return Array.from({ length: count }, (_, i) => ({
    id: `ph${i + 1}-${uniqueSuffix()}`,
    sha256: randomUUID().replaceAll('-', '').repeat(2),
    contentType: 'image/jpeg',
    sizeBytes: 1000 + i,
    seenOnOtherMission: seenOnOtherMission && i === 0,
  }));
}

/**
 * A clean standard quote for the insurer policy above: €500.00 excl. VAT, three photos, all answers
 * no. Without a `reviewFile` override it is a quote.submitted as published before reviewFile existed.
 */
export function quoteSubmitted(expertOfficeId: string, overrides: Partial<QuoteSubmitted> = {}): QuoteSubmitted {
  return {
    quoteId: `q-${uniqueSuffix()}`,
    garageId: 'G1',
    expertOfficeId,
    procedure: 'standard',
    closedAt: '2026-03-02T09:30:00.000Z',
    calculation: calculation([part(400_00), labour(50_00)]),
    smartFrame: noSmartYes,
    vehicleStatus: null,
    vehicleStatusNote: null,
    photos: photos(3),
    ...overrides,
  };
}

/** quote.voided for a quote: its mission became `missionStatus` first. */
export function quoteVoided(quote: Pick<QuoteSubmitted, 'quoteId' | 'garageId' | 'expertOfficeId'>, missionStatus: MissionStatus, voidedAt = '2026-03-03T08:00:00.000Z'): EventPayload<'quote.voided'> {
  return { quoteId: quote.quoteId, garageId: quote.garageId, expertOfficeId: quote.expertOfficeId, missionStatus, voidedAt };
}

/** quote.reinstated: the cancel that voided the quote lost to a validation made before it. */
export function quoteReinstated(quote: Pick<QuoteSubmitted, 'quoteId' | 'garageId' | 'expertOfficeId'>, missionStatus: MissionStatus, reinstatedAt = '2026-03-03T09:00:00.000Z'): EventPayload<'quote.reinstated'> {
  return { quoteId: quote.quoteId, garageId: quote.garageId, expertOfficeId: quote.expertOfficeId, missionStatus, reinstatedAt };
}

/** supplement.submitted for a quote: hidden damage, €100.00 excl. VAT, one photo. */
export function supplementSubmitted(
  quote: Pick<QuoteSubmitted, 'quoteId' | 'garageId' | 'expertOfficeId'>,
  overrides: Partial<EventPayload<'supplement.submitted'>> = {},
): EventPayload<'supplement.submitted'> {
  return {
    quoteId: quote.quoteId,
    supplementId: `sup-${uniqueSuffix()}`,
    garageId: quote.garageId,
    expertOfficeId: quote.expertOfficeId,
    number: 1,
    reason: 'Bent bumper bracket found once the bumper was removed',
    calculation: { ...calculation([part(100_00)]), calculationNumber: 'AX-2026-001-S1' },
    photos: photos(1),
    submittedAt: '2026-03-12T10:00:00.000Z',
    ...overrides,
  };
}
