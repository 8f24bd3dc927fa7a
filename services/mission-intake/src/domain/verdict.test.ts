import { MissionStatusChangedV1 } from '@smart-expertise/contracts';
import { changeReason, project, stateOf, statusChangedPayload, type MissionFact } from '@smart-expertise/contracts/procedure';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';

const deadline = new Date('2026-04-10T21:59:59.999Z');
const parties = { insurerId: 'INS-1', garageId: 'G-1', expertOfficeId: 'EXP-1', deadline };
const received: MissionFact = { type: 'received', eventId: 'r', at: new Date('2026-04-02T08:00:00Z'), deadline };
const quote: MissionFact = { type: 'quote_submitted', eventId: 'q', at: new Date('2026-04-09T14:00:00Z'), procedure: 'standard', quoteId: 'Q-1' };
const decision = (sequence: number, at: string): MissionFact => ({
  type: 'review_decided',
  eventId: `d${sequence}`,
  at: new Date(at),
  sequence,
  decision: 'remote_intervention',
  expertName: 'Jan Peeters',
  expertPhone: '+32 470 12 34 56',
  note: 'Call before noon',
  quoteId: 'Q-1',
});
const viewOf = (...facts: MissionFact[]) => project(stateOf(facts));

describe('the mission.status-changed payload', () => {
  it('carries the verdict, the status before, the winning close and the decision as fields', () => {
    const before = viewOf(received, quote);
    const after = viewOf(received, quote, decision(1, '2026-04-09T15:00:00Z'));
    expect(statusChangedPayload(parties, before, after, new Date('2026-04-09T15:00:01Z'), 3)).toEqual({
      insurerId: 'INS-1',
      garageId: 'G-1',
      expertOfficeId: 'EXP-1',
      status: 'remote_intervention',
      section: 'smart.remote_intervention',
      outcome: null,
      previousStatus: 'under_analysis',
      reason: 'review.remote_intervention',
      changedAt: '2026-04-09T15:00:01.000Z',
      sequence: 3,
      deadline: '2026-04-10T21:59:59.999Z',
      quoteId: 'Q-1',
      procedure: 'standard',
      voidedQuoteIds: [],
      expert: { name: 'Jan Peeters', phone: '+32 470 12 34 56' },
      lastDecision: { decision: 'remote_intervention', note: 'Call before noon', at: '2026-04-09T15:00:00.000Z' },
      transmission: 1,
      approvedTotalCents: null,
      tracking: [
        {
          at: '2026-04-09T15:00:00.000Z',
          code: 'review.remote_intervention',
          params: { decision: 'remote_intervention', expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56', note: 'Call before noon' },
        },
      ],
    });
  });

  it('names the voided close of a cancelled mission, and carries every entry the change added', () => {
    const cancel: MissionFact = { type: 'cancelled', eventId: 'c', at: new Date('2026-04-09T16:00:00Z'), reason: 'Settled', by: 'INS-1' };
    const payload = statusChangedPayload(parties, viewOf(received, quote), viewOf(received, quote, cancel), new Date('2026-04-09T16:00:00Z'), 3);
    expect(payload).toMatchObject({ status: 'cancelled', outcome: 'cancelled', previousStatus: 'under_analysis', reason: 'mission.cancelled', quoteId: null, voidedQuoteIds: ['Q-1'] });
    expect(payload.tracking?.map((entry) => entry.code)).toEqual(['mission.cancelled']);
    expect(payload.tracking?.[0]?.params).toEqual({ reason: 'Settled' });
    expect(Compile(MissionStatusChangedV1).Check(payload)).toBe(true);
  });
});

describe('the reason of a change', () => {
  it('is the entry the change added, even when a later entry was already shown', () => {
    // The abandon was voided by the close (its entry is at the abandon's instant, after the close);
    // a decision taken between the two is then learned: it is what changed the verdict.
    const abandon: MissionFact = { type: 'abandoned', eventId: 'a', at: new Date('2026-04-09T18:00:00Z'), reason: 'x', by: 'G-1' };
    const before = viewOf(received, quote, abandon);
    const after = viewOf(received, quote, abandon, decision(1, '2026-04-09T15:00:00Z'));
    expect(after.tracking.at(-1)?.code).toBe('abandon.voided');
    expect(changeReason(before, after)).toBe('review.remote_intervention');
  });

  it('is the newest entry for a mission seen for the first time', () => {
    expect(changeReason(null, viewOf(received, quote))).toBe('quote.under_analysis');
  });
});
