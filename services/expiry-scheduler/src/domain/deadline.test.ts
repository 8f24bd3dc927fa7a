import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolve, initialState, type DeadlineFact, type DeadlineState } from './deadline.ts';

const deadline = new Date('2026-03-30T21:59:59.999Z');
const before = new Date('2026-03-30T10:00:00Z');
const after = new Date('2026-03-31T08:00:00Z');
const received: DeadlineFact = { type: 'mission.received', eventId: '00000000-0000-4000-8000-000000000001', deadline };

const given = (...facts: DeadlineFact[]): DeadlineState => facts.reduce(evolve, initialState('m-1'));

describe('the running deadline of a mission', () => {
  it('starts running when the mission is received', () => {
    expect(given(received)).toMatchObject({ status: 'running', deadline, receivedEventId: received.eventId });
  });

  it('is settled by a quote closed before the deadline', () => {
    expect(given(received, { type: 'quote.submitted', closedAt: before }).status).toBe('quote_closed');
  });

  it('is settled by a quote closed exactly at the deadline', () => {
    expect(given(received, { type: 'quote.submitted', closedAt: deadline }).status).toBe('quote_closed');
  });

  it('is not settled by a quote closed after the deadline', () => {
    expect(given(received, { type: 'quote.submitted', closedAt: after }).status).toBe('running');
  });

  it('is settled by an abandon', () => {
    expect(given(received, { type: 'mission.abandoned', abandonedAt: before }).status).toBe('abandoned');
  });

  it('does not start running when the quote was heard of before the mission', () => {
    const quoteFirst = given({ type: 'quote.submitted', closedAt: before });
    expect(quoteFirst.status).toBe('awaiting_mission');
    expect(evolve(quoteFirst, received).status).toBe('quote_closed');
  });

  it('does not start running when the abandon was heard of before the mission', () => {
    expect(given({ type: 'mission.abandoned', abandonedAt: before }, received).status).toBe('abandoned');
  });

  it('starts running when only a late quote was heard of before the mission', () => {
    expect(given({ type: 'quote.submitted', closedAt: after }, received).status).toBe('running');
  });

  it('stays expired whatever is heard of afterwards', () => {
    const expired: DeadlineState = { ...given(received), status: 'expired', expiredAt: after };
    const later = evolve(evolve(expired, { type: 'quote.submitted', closedAt: before }), { type: 'mission.abandoned', abandonedAt: after });
    expect(later.status).toBe('expired');
    expect(later.quoteClosedAt).toEqual(before);
  });

  it('keeps the first deadline when the mission is heard of twice', () => {
    const again = evolve(given(received), { ...received, deadline: after });
    expect(again.deadline).toEqual(deadline);
  });

  it('gives the same status whatever order and redelivery the facts come in', () => {
    const instant = fc.date({ min: new Date('2026-03-29T00:00:00Z'), max: new Date('2026-04-01T00:00:00Z'), noInvalidDate: true });
    const fact: fc.Arbitrary<DeadlineFact> = fc.oneof(
      instant.map((closedAt) => ({ type: 'quote.submitted' as const, closedAt })),
      instant.map((abandonedAt) => ({ type: 'mission.abandoned' as const, abandonedAt })),
    );
    const history = fc
      .tuple(fc.array(fact, { maxLength: 4 }), fc.boolean())
      .map(([facts, redeliver]) => [received, ...facts, ...(redeliver ? facts : [])])
      .chain((all) => fc.tuple(fc.constant(all), fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length })));
    fc.assert(
      fc.property(history, ([inOrder, shuffled]) => {
        const a = inOrder.reduce(evolve, initialState('m-1'));
        const b = shuffled.reduce(evolve, initialState('m-1'));
        expect(b.status).toBe(a.status);
        expect(b.quoteClosedAt).toEqual(a.quoteClosedAt);
      }),
    );
  });
});
