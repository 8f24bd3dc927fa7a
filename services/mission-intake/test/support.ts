// Test data: deposit bodies as an insurer sends them, and envelopes of the other services' events;
// what the tests against the real stack do with them: publish those events, deposit a mission,
// wait for what the garage is shown.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { TopicOf, type EventEnvelope, type EventPayload, type EventType } from '@smart-expertise/contracts';
import type { DepositMissionBody } from '@smart-expertise/contracts/http/mission-intake';
import { publishRaw, token, uniqueSuffix, waitFor, type httpClient } from '@smart-expertise/service-runtime/testing';

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

/** Publishes another service's event on its topic under the test's prefix, keyed by the mission as that service does. */
export function publisher(topicPrefix: string) {
  return async function publish<T extends EventType>(type: T, missionId: string, payload: EventPayload<T>): Promise<EventEnvelope> {
    const value = envelope(type, missionId, payload);
    await publishRaw(topicPrefix + TopicOf[type], [{ key: missionId, value }]);
    return value;
  };
}

type Request = ReturnType<typeof httpClient>;

/** A new insurer, garage and expert office, with each one's token (the expert's is EXPERT's). */
export interface Parties {
  insurerId: string;
  garageId: string;
  expertOfficeId: string;
  insurer: string;
  garage: string;
  expert: string;
}

export async function parties(): Promise<Parties> {
  const insurerId = org('INS');
  const garageId = org('G');
  const expertOfficeId = org('EXP');
  return {
    insurerId,
    garageId,
    expertOfficeId,
    insurer: await token({ role: 'insurer', org: insurerId }),
    garage: await token({ role: 'garage', org: garageId }),
    expert: await token({ role: 'expert', org: expertOfficeId, name: EXPERT.name, phone: EXPERT.phone }),
  };
}

/** A mission deposited by new parties, with their tokens. */
export interface Mission extends Parties {
  id: string;
  /** The deadline the deposit answered with. */
  deadline: string;
}

/** New parties deposit a mission due by the end of Friday 10 April 2026 in Brussels. */
export async function depositMission(request: Request): Promise<Mission> {
  const p = await parties();
  const response = await request('POST', '/v1/missions', { token: p.insurer, body: depositBody(p, { deadline: '2026-04-10' }) });
  expect(response.status).toBe(201);
  return { ...p, id: response.json.id, deadline: response.json.deadline };
}

/** Waits until the garage's view of the mission (in `lang`, else the default) satisfies `predicate`, and returns it. */
export async function shownWhen<Shown>(
  request: Request,
  mission: Pick<Mission, 'id' | 'garage'>,
  predicate: (m: Shown) => boolean,
  message: string,
  lang?: string,
): Promise<Shown> {
  const headers: Record<string, string> = lang === undefined ? {} : { 'accept-language': lang };
  return waitFor(
    async () => {
      const response = await request('GET', `/v1/missions/${mission.id}`, { token: mission.garage, headers });
      return predicate(response.json) ? (response.json as Shown) : undefined;
    },
    { message, timeoutMs: 45_000, intervalMs: 100 },
  );
}
