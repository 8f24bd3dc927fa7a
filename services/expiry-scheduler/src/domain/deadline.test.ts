import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MISSION_STATUSES, type MissionStatus } from '@smart-expertise/contracts';
import { evolve, initialState, type DeadlineFact, type DeadlineState } from './deadline.ts';

const deadline = new Date('2026-03-30T21:59:59.999Z');
const before = new Date('2026-03-30T10:00:00Z');
const later = new Date('2026-03-30T15:00:00Z');
const after = new Date('2026-03-31T08:00:00Z');
const received: DeadlineFact = { type: 'mission.received', eventId: '00000000-0000-4000-8000-000000000001', deadline };
const verdict = (status: MissionStatus, changedAt = before): DeadlineFact => ({ type: 'mission.status-changed', status, changedAt });

const given = (...facts: DeadlineFact[]): DeadlineState => facts.reduce(evolve, initialState('m-1'));

describe('the running deadline of a mission', () => {
  it('starts running when the mission is received', () => {
    expect(given(received)).toMatchObject({ status: 'running', deadline, receivedEventId: received.eventId });
  });

  it('is settled when mission-intake says the quote is under analysis', () => {
    expect(given(received, verdict('under_analysis'))).toMatchObject({ status: 'settled', settledStatus: 'under_analysis', settledAt: before });
  });

  it('is settled when mission-intake says the mission was cancelled', () => {
    expect(given(received, verdict('cancelled'))).toMatchObject({ status: 'settled', settledStatus: 'cancelled' });
  });

  it('is settled when mission-intake says the mission was abandoned', () => {
    expect(given(received, verdict('abandoned')).status).toBe('settled');
  });

  it('keeps running on a verdict that leaves the mission new', () => {
    expect(given(received, verdict('new'))).toMatchObject({ status: 'running', settledStatus: null, settledAt: null });
  });

  it('keeps the earliest verdict that settled it', () => {
    const settled = given(received, verdict('under_analysis', before), verdict('pending_validation', later));
    expect(settled).toMatchObject({ settledStatus: 'under_analysis', settledAt: before });
    expect(evolve(settled, verdict('under_analysis', before))).toBe(settled);
  });

  it('does not start running when the verdict was heard of before the mission', () => {
    const verdictFirst = given(verdict('cancelled'));
    expect(verdictFirst.status).toBe('awaiting_mission');
    expect(evolve(verdictFirst, received).status).toBe('settled');
  });

  it('keeps the first deadline when the mission is heard of twice', () => {
    const again = evolve(given(received), { ...received, deadline: after });
    expect(again.deadline).toEqual(deadline);
  });
});

describe('the expiry of a deadline', () => {
  const expired: DeadlineFact = { type: 'expired', expiredAt: after };

  it('expires a running deadline', () => {
    expect(given(received, expired)).toMatchObject({ status: 'expired', expiredAt: after });
  });

  it('never expires a settled deadline or one whose mission is unknown', () => {
    expect(given(received, verdict('under_analysis'), expired).status).toBe('settled');
    expect(given(expired).status).toBe('awaiting_mission');
  });

  it('changes nothing on its own status-changed to expired', () => {
    const state = given(received, expired);
    expect(evolve(state, verdict('expired', after))).toBe(state);
  });

  it('changes nothing on a verdict after the expiry: mission-intake voids an expiry that raced an on-time close', () => {
    const state = given(received, expired);
    expect(evolve(state, verdict('under_analysis', before))).toBe(state);
  });
});

describe('the order facts are heard of in', () => {
  it('gives the same status and settlement whatever order and redelivery the facts come in', () => {
    const instant = fc.date({ min: new Date('2026-03-29T00:00:00Z'), max: new Date('2026-04-01T00:00:00Z'), noInvalidDate: true });
    const fact: fc.Arbitrary<DeadlineFact> = fc
      .tuple(fc.constantFrom(...MISSION_STATUSES), instant)
      .map(([status, changedAt]) => verdict(status, changedAt));
    const history = fc
      .tuple(fc.array(fact, { maxLength: 4 }), fc.boolean())
      .map(([facts, redeliver]) => [received, ...facts, ...(redeliver ? facts : [])])
      .chain((all) => fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length })));
    fc.assert(
      fc.property(history, ([inOrder, shuffled]) => {
        const a = inOrder.reduce(evolve, initialState('m-1'));
        const b = shuffled.reduce(evolve, initialState('m-1'));
        expect(b.status).toBe(a.status);
        expect(b.settledAt).toEqual(a.settledAt);
      }),
    );
  });
});
