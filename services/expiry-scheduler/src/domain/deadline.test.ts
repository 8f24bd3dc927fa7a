import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MISSION_STATUSES, type MissionStatus } from '@smart-expertise/contracts';
import { deadlineRuns } from '@smart-expertise/contracts/procedure';
import { evolve, initialState, type DeadlineFact, type DeadlineState } from './deadline.ts';

const deadline = new Date('2026-03-30T21:59:59.999Z');
const extended = new Date('2026-04-03T21:59:59.999Z');
const respondBy = new Date('2026-04-08T21:59:59.999Z');
const before = new Date('2026-03-30T10:00:00Z');
const later = new Date('2026-03-30T15:00:00Z');
const after = new Date('2026-03-31T08:00:00Z');
const afterExtended = new Date('2026-04-04T08:00:00Z');
const received: DeadlineFact = { type: 'mission.received', eventId: '00000000-0000-4000-8000-000000000001', deadline };
const verdict = (status: MissionStatus, changedAt = before, holds = deadline, sequence?: number): DeadlineFact => ({
  type: 'mission.status-changed',
  status,
  changedAt,
  deadline: holds,
  ...(sequence === undefined ? {} : { sequence }),
});
const expired = (expiredAt = after): DeadlineFact => ({ type: 'expired', expiredAt });
const warned = (warnedAt = before): DeadlineFact => ({ type: 'warned', warnedAt });

const given = (...facts: DeadlineFact[]): DeadlineState => facts.reduce(evolve, initialState('m-1'));

describe('the running deadline of a mission', () => {
  it('starts running when the mission is received', () => {
    expect(given(received)).toMatchObject({ status: 'running', deadline, receivedEventId: received.eventId, verdictStatus: null });
  });

  it('is settled when mission-intake says the quote is under analysis', () => {
    expect(given(received, verdict('under_analysis'))).toMatchObject({ status: 'settled', verdictStatus: 'under_analysis', verdictAt: before });
  });

  it('is settled when mission-intake says the mission was cancelled', () => {
    expect(given(received, verdict('cancelled'))).toMatchObject({ status: 'settled', verdictStatus: 'cancelled' });
  });

  it('is settled when mission-intake says the mission was abandoned', () => {
    expect(given(received, verdict('abandoned')).status).toBe('settled');
  });

  it('keeps running on a verdict that leaves the mission new', () => {
    expect(given(received, verdict('new'))).toMatchObject({ status: 'running', deadline, verdictStatus: 'new' });
  });

  it('moves to the later deadline when the insurer extends it while the mission is new', () => {
    expect(given(received, verdict('new', before, extended))).toMatchObject({ status: 'running', deadline: extended });
  });

  it('runs again on the answer’s due date when the expert requests information', () => {
    const requested = given(received, verdict('under_analysis', before), verdict('information_requested', later, respondBy));
    expect(requested).toMatchObject({ status: 'running', deadline: respondBy, verdictStatus: 'information_requested' });
  });

  it('is settled again once the garage transmits its answer', () => {
    const answered = given(received, verdict('under_analysis', before), verdict('information_requested', later, respondBy), verdict('under_analysis', after, respondBy));
    expect(answered).toMatchObject({ status: 'settled', deadline: respondBy, verdictStatus: 'under_analysis', verdictAt: after });
  });

  it('follows the latest verdict: one older than the verdict kept changes nothing', () => {
    const requested = given(received, verdict('information_requested', later, respondBy));
    expect(evolve(requested, verdict('under_analysis', before))).toBe(requested);
  });

  it('changes nothing when a verdict is redelivered', () => {
    const settled = given(received, verdict('under_analysis', before));
    expect(evolve(settled, verdict('under_analysis', before))).toBe(settled);
  });

  it('does not start running when the verdict was heard of before the mission', () => {
    const verdictFirst = given(verdict('cancelled'));
    expect(verdictFirst.status).toBe('awaiting_mission');
    expect(evolve(verdictFirst, received).status).toBe('settled');
  });

  it('runs on the deadline of a verdict heard of before the mission, not on the deposited one', () => {
    const state = given(verdict('new', before, extended), received);
    expect(state).toMatchObject({ status: 'running', deadline: extended, receivedEventId: received.eventId });
  });

  it('keeps the first deadline when the mission is heard of twice', () => {
    const again = evolve(given(received), { ...received, deadline: after });
    expect(again.deadline).toEqual(deadline);
  });
});

describe('the reminder before a deadline', () => {
  it('is sent once for a running deadline', () => {
    const state = given(received, warned(before));
    expect(state.warnedAt).toEqual(before);
    expect(evolve(state, warned(later))).toBe(state);
  });

  it('is cleared when an extension moves the deadline, so the new deadline gets its own', () => {
    expect(given(received, warned(), verdict('new', later, extended)).warnedAt).toBeNull();
  });

  it('is cleared by a request for information, whose due date gets its own', () => {
    expect(given(received, warned(), verdict('under_analysis', later), verdict('information_requested', after, respondBy)).warnedAt).toBeNull();
  });

  it('is kept by a verdict on the same deadline', () => {
    expect(given(received, warned(), verdict('new', later)).warnedAt).toEqual(before);
  });
});

describe('the expiry of a deadline', () => {
  it('expires a running deadline and records which deadline it expired', () => {
    expect(given(received, expired())).toMatchObject({ status: 'expired', expiredAt: after, expiredDeadline: deadline });
  });

  it('never expires a settled deadline or one whose mission is unknown', () => {
    expect(given(received, verdict('under_analysis'), expired()).status).toBe('settled');
    expect(given(expired()).status).toBe('awaiting_mission');
  });

  it('stands when mission-intake confirms it', () => {
    const state = given(received, expired());
    expect(evolve(state, verdict('expired', after))).toMatchObject({ status: 'expired', expiredAt: after, expiredDeadline: deadline });
  });

  it('is never undone by a verdict on the deadline it expired: one expiry per deadline', () => {
    const state = given(received, expired());
    expect(evolve(state, verdict('new', before)).status).toBe('expired');
    expect(evolve(state, verdict('new', after)).status).toBe('expired');
  });

  it('leaves the deadline not running on a settling verdict after it (mission-intake voids an expiry that raced an on-time close)', () => {
    const state = given(received, expired(), verdict('under_analysis', before));
    expect(state).toMatchObject({ status: 'expired', verdictStatus: 'under_analysis', expiredDeadline: deadline });
  });

  it('runs again on the later deadline when an extension is learned after the sweep', () => {
    const state = given(received, warned(), expired(), verdict('new', before, extended));
    expect(state).toMatchObject({ status: 'running', deadline: extended, warnedAt: null, expiredDeadline: deadline });
  });

  it('runs again on the answer’s due date when information is requested after it', () => {
    const state = given(received, expired(), verdict('under_analysis', before), verdict('information_requested', after, respondBy));
    expect(state).toMatchObject({ status: 'running', deadline: respondBy });
  });

  it('is settled when the extension and the close on time are both learned after the sweep', () => {
    const state = given(received, expired(), verdict('new', before, extended), verdict('under_analysis', later, extended));
    expect(state).toMatchObject({ status: 'settled', deadline: extended, expiredDeadline: deadline });
  });

  it('lets the new deadline expire in its turn, once', () => {
    const again = given(received, expired(), verdict('new', before, extended), expired(afterExtended));
    expect(again).toMatchObject({ status: 'expired', expiredAt: afterExtended, expiredDeadline: extended });
    expect(evolve(again, expired(new Date(afterExtended.getTime() + 60_000)))).toBe(again);
    expect(evolve(again, verdict('new', before, extended))).toBe(again);
  });
});

// Instants from a small set, so that generated verdicts share instants and deadlines often.
const base = Date.parse('2026-03-30T00:00:00Z');
const instant = fc.integer({ min: 0, max: 6 }).map((h) => new Date(base + h * 3_600_000));
const anyVerdict: fc.Arbitrary<DeadlineFact> = fc.tuple(fc.constantFrom(...MISSION_STATUSES), instant, instant).map(([status, changedAt, holds]) => verdict(status, changedAt, holds));
const shuffled = <T>(items: T[]) => fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });
const fold = (facts: DeadlineFact[], from = initialState('m-1')) => facts.reduce(evolve, from);

/**
 * A mission's verdicts as mission-intake publishes them: one after the other in time; a verdict in
 * which the deadline runs keeps the deadline that holds or brings a new one (an extension, a new
 * request for information), one that settles repeats the last; no verdict brings an old one back.
 */
const history: fc.Arbitrary<DeadlineFact[]> = fc.array(fc.tuple(fc.constantFrom(...MISSION_STATUSES), fc.boolean()), { maxLength: 6 }).map((steps) => {
  let holds = deadline;
  return steps.map(([status, fresh], i) => {
    if (deadlineRuns(status) && fresh) holds = new Date(deadline.getTime() + (i + 1) * 3_600_000);
    // Two by two in one batch: the same instant, told apart by the sequence only.
    return verdict(status, new Date(base + Math.floor(i / 2) * 60_000), holds, i + 2);
  });
});

describe('the order facts are heard of in', () => {
  it('orders two verdicts of one batch, which share their instant, by their sequence', () => {
    // The expert decided pending_validation, then requested information: mission-intake read both in one batch.
    const pending = verdict('pending_validation', later, deadline, 3);
    const requested = verdict('information_requested', later, respondBy, 4);
    expect(given(received, pending, requested)).toMatchObject({ status: 'running', deadline: respondBy, verdictSequence: 4 });
    expect(given(received, requested, pending)).toMatchObject({ status: 'running', deadline: respondBy, verdictSequence: 4 });
  });

  it('gives the same state whatever order and redelivery the verdicts come in', () => {
    const deliveries = fc
      .tuple(fc.array(anyVerdict, { maxLength: 5 }), fc.boolean())
      .map(([verdicts, redeliver]) => [received, ...verdicts, ...(redeliver ? verdicts : [])])
      .chain((all) => fc.tuple(fc.constant(all), shuffled(all)));
    fc.assert(
      fc.property(deliveries, ([inOrder, reordered]) => {
        expect(fold(reordered)).toEqual(fold(inOrder));
      }),
    );
  });

  it('gives the state of the latest verdict, by its sequence', () => {
    const deliveries = history
      .filter((verdicts) => verdicts.length > 0)
      .chain((verdicts) => fc.tuple(fc.constant(verdicts), shuffled([received, ...verdicts, ...verdicts])));
    fc.assert(
      fc.property(deliveries, ([verdicts, delivered]) => {
        expect(fold(delivered)).toEqual(fold([received, verdicts.at(-1)!]));
      }),
    );
  });

  it('never undoes an expiry by a verdict on the deadline it expired', () => {
    const story = fc.tuple(fc.array(anyVerdict, { maxLength: 3 }), fc.array(fc.tuple(fc.constantFrom(...MISSION_STATUSES), instant), { maxLength: 4 }));
    fc.assert(
      fc.property(story, ([earlier, afterwards]) => {
        const state = fold([received, ...earlier, expired()]);
        fc.pre(state.status === 'expired');
        const sameDeadline = afterwards.map(([status, changedAt]) => verdict(status, changedAt, state.deadline!));
        const end = fold([...sameDeadline, ...sameDeadline], state);
        expect(end).toMatchObject({ status: 'expired', expiredAt: state.expiredAt, expiredDeadline: state.expiredDeadline });
      }),
    );
  });

  it('expires each deadline at most once, whatever order the verdicts come in and whenever sweeps run', () => {
    const story = history
      .chain((verdicts) => shuffled([received, ...verdicts, ...verdicts]))
      .chain((delivered) => fc.tuple(fc.constant(delivered), fc.array(fc.boolean(), { minLength: delivered.length, maxLength: delivered.length })));
    fc.assert(
      fc.property(story, ([delivered, sweepsAfter]) => {
        const expiredDeadlines: number[] = [];
        let state = initialState('m-1');
        delivered.forEach((fact, i) => {
          state = evolve(state, fact);
          if (!sweepsAfter[i]) return;
          const swept = evolve(state, expired(new Date(base + 86_400_000 + i)));
          if (swept !== state) expiredDeadlines.push(swept.expiredDeadline!.getTime());
          state = swept;
        });
        expect(new Set(expiredDeadlines).size).toBe(expiredDeadlines.length);
      }),
      { numRuns: 500 },
    );
  });
});
