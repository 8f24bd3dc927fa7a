// Envelopes of the events other services publish, valid against libs/contracts, for tests that
// feed this service through the real broker.
import { randomUUID } from 'node:crypto';
import { DEFAULT_INSURER_POLICY, validateEvent, type EventEnvelope, type EventPayload, type EventType, type MissionStatus, type Outcome } from '@smart-expertise/contracts';
import { SECTION_OF } from '@smart-expertise/contracts/procedure';

function envelope<T extends EventType>(type: T, missionId: string, payload: EventPayload<T>, occurredAt: Date): EventEnvelope {
  const value: EventEnvelope = {
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: occurredAt.toISOString(),
    missionId,
    correlationId: `test-${missionId}`,
    causationId: null,
    payload,
  };
  const check = validateEvent(value);
  if (!check.ok) throw new Error(`test envelope is invalid: ${check.reason}`);
  return value;
}

export function missionReceived(missionId: string, deadline: Date, receivedAt: Date): EventEnvelope {
  return envelope(
    'mission.received',
    missionId,
    {
      mission: {
        id: missionId,
        insurerId: 'INS-1',
        insurerMissionRef: `ref-${missionId}`,
        garageId: 'GAR-1',
        expertOfficeId: 'EXP-1',
        claim: { claimNumber: 'CL-1', policyNumber: 'PO-1', lossDate: '2026-03-20', circumstances: 'rear-ended at a red light' },
        vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-02' },
        owner: { name: 'Jan Peeters', phone: '+32 470 12 34 56', email: 'jan@example.be', vatRegime: 'none' },
        directPayment: null,
      },
      deadline: deadline.toISOString(),
      receivedAt: receivedAt.toISOString(),
      policy: DEFAULT_INSURER_POLICY,
    },
    receivedAt,
  );
}

/** mission-intake's verdict; the fields the scheduler does not read get plausible values. */
export function missionStatusChanged(
  missionId: string,
  { status, changedAt, deadline, previousStatus = 'new' }: { status: MissionStatus; changedAt: Date; deadline: Date; previousStatus?: MissionStatus | null },
): EventEnvelope {
  const outcome: Outcome | null = status === 'abandoned' || status === 'cancelled' ? status : status === 'closed' ? 'validated' : null;
  const restsOnQuote = !['new', 'expired', 'abandoned', 'cancelled'].includes(status);
  return envelope(
    'mission.status-changed',
    missionId,
    {
      insurerId: 'INS-1',
      garageId: 'GAR-1',
      expertOfficeId: 'EXP-1',
      status,
      section: SECTION_OF[status],
      outcome,
      previousStatus,
      reason: `test.${status}`,
      changedAt: changedAt.toISOString(),
      deadline: deadline.toISOString(),
      quoteId: restsOnQuote ? `q-${missionId}` : null,
      procedure: restsOnQuote ? 'standard' : null,
      voidedQuoteIds: [],
      expert: null,
      lastDecision: null,
    },
    changedAt,
  );
}
