// What the procedure's tests share: the instants of their story, the reception that opens it, the
// verdict a set of facts gives, and that verdict whatever order Kafka delivers the facts in.
import fc from 'fast-check';
import { expect } from 'vitest';
import { evolve, initialState, project, stateOf, type MissionFact } from '../src/procedure/index.ts';

/** The quote deadline: the end of Monday 30 March 2026 in Brussels. */
export const deadline = new Date('2026-03-30T21:59:59.999Z');
/** `minutes` after Friday 20 March 2026, 09:00 in Brussels. */
export const t = (minutes: number) => new Date(Date.UTC(2026, 2, 20, 8, 0) + minutes * 60_000);

export const received: MissionFact = { type: 'received', eventId: 'e-received', at: t(0), deadline };

export const verdict = (...facts: MissionFact[]) => project(stateOf(facts));
export const codes = (...facts: MissionFact[]) => verdict(...facts).tracking.map((e) => e.code);

/**
 * Property: folding the facts `arbitrary` gives, delivered once more where `redelivered` says
 * (at-least-once) and all in a random order (no order across topics), gives their verdict.
 */
export function assertSameVerdictInAnyOrder(arbitrary: fc.Arbitrary<MissionFact[]>, redelivered: (index: number) => boolean): void {
  fc.assert(
    fc.property(arbitrary, fc.infiniteStream(fc.nat()), (facts, randomness) => {
      const delivered = [...facts, ...facts.filter((_, i) => redelivered(i))];
      const shuffled = delivered.map((fact) => ({ fact, key: randomness.next().value })).sort((a, b) => a.key - b.key).map((x) => x.fact);
      expect(project(shuffled.reduce(evolve, initialState))).toEqual(verdict(...facts));
    }),
  );
}
