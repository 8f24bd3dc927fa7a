// The fold of @smart-expertise/contracts/procedure, as mission-intake runs it on its facts (the
// production code, no copy). Kafka keeps order per topic only, and redelivers: any permutation
// with any duplicates may reach us.
import { decideAbandon, evolve, initialState, project, type MissionFact, type MissionState } from '@smart-expertise/contracts/procedure';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const deadline = new Date('2026-03-30T21:59:59.999Z');
const minuteMs = 60_000;
const dayMinutes = 24 * 60;

/** An instant around the deadline; the deadline itself and its neighbours are drawn often, as ties matter. */
const instant = (min: number, max: number): fc.Arbitrary<Date> => {
  const nearDeadline = [-1, 0, 1].filter((m) => m >= min && m <= max);
  const offset =
    nearDeadline.length > 0 ? fc.oneof(fc.constantFrom(...nearDeadline), fc.integer({ min, max })) : fc.integer({ min, max });
  return offset.map((m) => new Date(deadline.getTime() + m * minuteMs));
};
const anyInstant = instant(-10 * dayMinutes, 10 * dayMinutes);
const beforeDeadline = instant(-10 * dayMinutes, 0);
const afterDeadline = instant(1, 2 * dayMinutes);
const text = fc.string({ minLength: 1, maxLength: 20 });

type Draft = { [T in MissionFact['type']]: Omit<Extract<MissionFact, { type: T }>, 'eventId'> }[MissionFact['type']];

const receivedArb = fc.record({ type: fc.constant('received' as const), at: instant(-12 * dayMinutes, -11 * dayMinutes), deadline: fc.constant(deadline) });
const quoteArb = fc.record({
  type: fc.constant('quote_submitted' as const),
  at: anyInstant,
  procedure: fc.constantFrom('standard' as const, 'total_loss' as const),
  // Few ids, so decisions often name the close and sometimes another quote.
  quoteId: fc.constantFrom('Q-1', 'Q-2'),
});
const decisionArb = fc.record({
  type: fc.constant('review_decided' as const),
  at: anyInstant,
  // Small range so two decisions sometimes share a sequence and the tie-break is exercised.
  sequence: fc.integer({ min: 1, max: 6 }),
  decision: fc.constantFrom(
    'validate' as const,
    'pending_validation' as const,
    'remote_intervention' as const,
    'onsite_intervention' as const,
  ),
  expertName: text,
  expertPhone: text,
  quoteId: fc.constantFrom('Q-1', 'Q-2'),
  note: fc.option(text, { nil: undefined }),
}, { requiredKeys: ['type', 'at', 'sequence', 'decision', 'expertName', 'expertPhone'] });
const reminderArb = fc.record({ type: fc.constant('deadline_approaching' as const), at: beforeDeadline, deadline: fc.constant(deadline) });
const expiredArb = fc.record({ type: fc.constant('expired' as const), at: afterDeadline, deadline: fc.constant(deadline) });
const abandonArb = fc.record({ type: fc.constant('abandoned' as const), at: anyInstant, reason: text, by: text });
const cancelArb = fc.record({ type: fc.constant('cancelled' as const), at: anyInstant, reason: text, by: text });
const paymentArb = fc.record({
  type: fc.constant('payment_requested' as const),
  at: anyInstant,
  invoiceNumber: text,
  insurerShareCents: fc.nat(),
  ownerShareCents: fc.nat(),
  flagged: fc.boolean(),
});

/** Gives each drafted fact a unique eventId. */
const withIds = (drafts: readonly Draft[]): MissionFact[] =>
  drafts.map((draft, index) => ({ ...draft, eventId: `${draft.type}-${index}` }) as MissionFact);

const factSetArb: fc.Arbitrary<MissionFact[]> = fc
  .tuple(
    fc.option(receivedArb, { freq: 6 }),
    fc.array(quoteArb, { maxLength: 2 }),
    fc.array(decisionArb, { maxLength: 5 }),
    fc.array(reminderArb, { maxLength: 2 }),
    fc.array(expiredArb, { maxLength: 2 }),
    fc.array(abandonArb, { maxLength: 2 }),
    fc.array(cancelArb, { maxLength: 1 }),
    fc.array(paymentArb, { maxLength: 2 }),
  )
  .map(([received, ...rest]) => withIds([...(received ? [received] : []), ...rest.flat()]));

/** The facts in any order, some delivered again as structurally equal copies. */
const deliveryOf = (facts: readonly MissionFact[]): fc.Arbitrary<MissionFact[]> =>
  fc.subarray([...facts]).chain((redelivered) => {
    const all = [...facts, ...redelivered.map((fact) => structuredClone(fact))];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });

const fold = (facts: readonly MissionFact[]): MissionState => facts.reduce(evolve, initialState);

const scenarioArb = (facts: fc.Arbitrary<MissionFact[]>) =>
  facts.chain((set) => fc.tuple(fc.constant(set), deliveryOf(set), deliveryOf(set)));

describe('the lifecycle is independent of delivery order and redelivery', () => {
  it('projects the same mission for any permutation with duplicates', () => {
    fc.assert(
      fc.property(scenarioArb(factSetArb), ([facts, first, second]) => {
        const reference = project(fold(facts));
        expect(project(fold(first))).toEqual(reference);
        expect(project(fold(second))).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });

  it('holds the same knowledge for any permutation with duplicates', () => {
    fc.assert(
      fc.property(scenarioArb(factSetArb), ([facts, delivery]) => {
        expect(fold(delivery)).toEqual(fold(facts));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the tracking oldest first', () => {
    fc.assert(
      fc.property(factSetArb, (facts) => {
        const instants = project(fold(facts)).tracking.map((entry) => entry.at.getTime());
        expect(instants).toEqual([...instants].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the seed rules hold in any order', () => {
  const onTimeQuoteAndExpiry = fc
    .tuple(
      receivedArb,
      quoteArb.map((draft) => ({ ...draft, at: new Date(Math.min(draft.at.getTime(), deadline.getTime())) })),
      fc.array(expiredArb, { minLength: 1, maxLength: 2 }),
      fc.array(decisionArb, { maxLength: 4 }),
      fc.array(reminderArb, { maxLength: 2 }),
    )
    .map(([received, quote, expiries, decisions, reminders]) =>
      withIds([received, quote, ...expiries, ...decisions, ...reminders]),
    );

  it('lets a quote closed on time beat an expiry', () => {
    fc.assert(
      fc.property(scenarioArb(onTimeQuoteAndExpiry), ([, delivery]) => {
        const view = project(fold(delivery));
        expect(view.status).not.toBe('expired');
        expect(view.section.startsWith('smart.')).toBe(true);
        expect(view.tracking.map((entry) => entry.code)).not.toContain('mission.expired');
      }),
      { numRuns: 300 },
    );
  });

  // decideAbandon refuses at the deadline itself, so a real abandon is strictly before it.
  const abandonAndClose = fc
    .tuple(
      receivedArb,
      quoteArb,
      abandonArb,
      beforeDeadline,
      beforeDeadline.map((at) => new Date(Math.min(at.getTime(), deadline.getTime() - 1))),
      fc.array(decisionArb, { maxLength: 3 }),
      fc.array(expiredArb, { maxLength: 1 }),
    )
    .filter(([, , , closedAt, abandonedAt]) => closedAt.getTime() !== abandonedAt.getTime())
    .map(([received, quote, abandon, closedAt, abandonedAt, decisions, expiries]) => ({
      abandonFirst: abandonedAt.getTime() < closedAt.getTime(),
      facts: withIds([received, { ...quote, at: closedAt }, { ...abandon, at: abandonedAt }, ...decisions, ...expiries]),
    }));

  it('lets the earlier of an abandon and a quote close win', () => {
    fc.assert(
      fc.property(
        abandonAndClose.chain(({ facts, abandonFirst }) => fc.tuple(fc.constant(abandonFirst), deliveryOf(facts))),
        ([abandonFirst, delivery]) => {
          const view = project(fold(delivery));
          const codes = view.tracking.map((entry) => entry.code);
          if (abandonFirst) {
            expect(view).toMatchObject({ status: 'abandoned', section: 'closed.abandoned', outcome: 'abandoned' });
            expect(codes).not.toContain('quote.under_analysis');
            expect(codes).not.toContain('total_loss.declared');
          } else {
            expect(view.status).not.toBe('abandoned');
            expect(view.status).not.toBe('expired');
            expect(codes).not.toContain('mission.abandoned');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  // mission-intake decides a cancel itself: only on a live mission, so strictly before any close
  // that loses to it, or after a close with the validation still to come.
  it('lets a cancel made before the close win, voiding that close', () => {
    const cancelBeforeClose = fc
      .tuple(receivedArb, quoteArb, cancelArb, beforeDeadline, fc.array(decisionArb, { maxLength: 3 }), fc.array(expiredArb, { maxLength: 1 }))
      .map(([received, quote, cancel, closedAt, decisions, expiries]) => ({
        quoteId: quote.quoteId,
        facts: withIds([received, { ...quote, at: closedAt }, { ...cancel, at: new Date(closedAt.getTime() - minuteMs) }, ...decisions, ...expiries]),
      }));
    fc.assert(
      fc.property(
        cancelBeforeClose.chain(({ facts, quoteId }) => fc.tuple(fc.constant(quoteId), deliveryOf(facts))),
        ([quoteId, delivery]) => {
          const view = project(fold(delivery));
          expect(view).toMatchObject({ status: 'cancelled', section: 'closed.cancelled', outcome: 'cancelled', quote: null, lastDecision: null });
          expect(view.voidedQuoteIds).toEqual([quoteId]);
          expect(view.tracking.map((entry) => entry.code)).toContain('quote.voided');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('makes a validation final whatever decisions follow it', () => {
    const validatedArb = fc
      .tuple(
        receivedArb,
        quoteArb.map((draft) => ({ ...draft, at: new Date(Math.min(draft.at.getTime(), deadline.getTime())) })),
        decisionArb.map((draft) => ({ ...draft, decision: 'validate' as const })),
        fc.array(decisionArb, { maxLength: 5 }),
      )
      .map(([received, quote, validation, decisions]) => withIds([received, quote, { ...validation, quoteId: quote.quoteId }, ...decisions]));
    fc.assert(
      fc.property(scenarioArb(validatedArb), ([, delivery]) => {
        expect(project(fold(delivery))).toMatchObject({ status: 'closed', section: 'smart.closed' });
      }),
      { numRuns: 300 },
    );
  });
});

describe('nothing shown is reversed in silence', () => {
  // Facts as they really happen: an abandon strictly before the deadline (decideAbandon), an
  // expiry after it, a close on time or late; learned in any order, some late.
  const raceArb = fc
    .tuple(
      receivedArb,
      fc.array(quoteArb, { maxLength: 1 }),
      fc.array(abandonArb.map((draft) => ({ ...draft, at: new Date(Math.min(draft.at.getTime(), deadline.getTime() - 1)) })), { maxLength: 1 }),
      fc.array(expiredArb, { maxLength: 1 }),
      fc.array(decisionArb.map((draft) => ({ ...draft, quoteId: 'Q-1' })), { maxLength: 2 }),
    )
    .map(([received, quotes, abandons, expiries, decisions]) =>
      withIds([received, ...quotes.map((quote) => ({ ...quote, quoteId: 'Q-1' })), ...abandons, ...expiries, ...decisions]),
    );

  const voidingOf: Record<string, string> = { expired: 'expiry.voided', abandoned: 'abandon.voided' };

  it('says in the tracking why an expiry or an abandon that was shown no longer holds', () => {
    fc.assert(
      fc.property(scenarioArb(raceArb), ([, delivery]) => {
        const shown = new Set<string>();
        let state = initialState;
        for (const fact of delivery) {
          // mission-intake records an abandon only when its decider accepts it on what it knows then.
          const decided = fact.type === 'abandoned' ? decideAbandon(state, fact) : { ok: true as const, fact };
          if (!decided.ok) continue;
          state = evolve(state, decided.fact);
          shown.add(project(state).status);
        }
        const final = project(state);
        for (const status of ['expired', 'abandoned']) {
          if (shown.has(status) && final.status !== status) {
            expect(final.tracking.map((entry) => entry.code), `${status} then ${final.status}`).toContain(voidingOf[status]);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
