// Test data: deposit bodies as an insurer sends them, and envelopes of the other services' events.
import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventPayload, EventType } from '@smart-expertise/contracts';
import type { DepositMissionBody } from '@smart-expertise/contracts/http/mission-intake';
import { uniqueSuffix } from '@smart-expertise/service-runtime/testing';

export const EXPERT = { name: 'Jan Peeters', phone: '+32 470 12 34 56' };

export function org(prefix: string): string {
  return `${prefix}${uniqueSuffix()}`;
}

export function depositBody(parties: { garageId: string; expertOfficeId: string }, over: Partial<DepositMissionBody> = {}): DepositMissionBody {
  return {
    insurerMissionRef: `REF-${uniqueSuffix()}`,
    garageId: parties.garageId,
    expertOfficeId: parties.expertOfficeId,
    claim: { claimNumber: `CL-${uniqueSuffix()}`, policyNumber: 'POL-2026-001', lossDate: '2026-03-28', circumstances: 'Rear-ended at a red light' },
    vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-01', valueCents: 15_000_00 },
    owner: { name: 'Marie Dubois', phone: '+32 470 00 00 00', email: 'marie@example.be', vatRegime: 'partial', vatDeductiblePercent: 50 },
    directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
    ...over,
  };
}

export function envelope<T extends EventType>(type: T, missionId: string, payload: EventPayload<T>): EventEnvelope {
  return { id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), missionId, correlationId: `test-${uniqueSuffix()}`, causationId: null, payload };
}

export function quoteSubmitted(garageId: string, expertOfficeId: string, closedAt: string, procedure: 'standard' | 'total_loss' = 'standard'): EventPayload<'quote.submitted'> {
  return {
    quoteId: `q-${uniqueSuffix()}`,
    garageId,
    expertOfficeId,
    procedure,
    closedAt,
    calculation:
      procedure === 'standard'
        ? {
            calculationNumber: 'AX-2026-001',
            vatRate: 21,
            lines: [{ kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 400_00, totalCents: 400_00 }],
            totalExclVatCents: 400_00,
            vatCents: 84_00,
            totalInclVatCents: 484_00,
          }
        : null,
    smartFrame:
      procedure === 'standard'
        ? { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false }
        : null,
    vehicleStatus: procedure === 'standard' ? null : 'wreck',
    vehicleStatusNote: null,
    photos: [],
  };
}

/** The expert's decision on the case opened for `quoteId` (a decision counts only on the close its case was opened for). */
export function reviewDecided(
  expertOfficeId: string,
  quoteId: string,
  decision: EventPayload<'review.decided'>['decision'],
  sequence: number,
  decidedAt: string,
  note: string | null = null,
): EventPayload<'review.decided'> {
  return {
    reviewId: `rv_${quoteId}`,
    quoteId,
    expertOfficeId,
    decision,
    expertName: EXPERT.name,
    expertPhone: EXPERT.phone,
    note,
    decidedAt,
    sequence,
  };
}
