import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DECISIONS, decide, evolve, initialReviewCase, statusAfter } from './decision.ts';
import type { DecideCommand, Decision, ReviewCaseState, ReviewDecided, ReviewStatus } from './decision.ts';

const at = new Date('2016-03-29T10:00:00Z');

function command(decision: Decision, overrides: Partial<DecideCommand> = {}): DecideCommand {
  return { decision, expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', at, ...overrides };
}

function decided(decision: Decision, sequence: number): ReviewDecided {
  return { decision, expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', note: null, at, sequence };
}

/** given(past decisions).when(command).then(event) / .thenRefused(code) */
function given(...past: Decision[]) {
  const state = past.reduce<ReviewCaseState>((s, d, i) => evolve(s, decided(d, i + 1)), initialReviewCase);
  return {
    state,
    when(cmd: DecideCommand) {
      const result = decide(state, cmd);
      return {
        result,
        then(expected: Partial<ReviewDecided>) {
          expect(result).toEqual({ ok: true, event: expect.objectContaining(expected) });
        },
        thenRefused(code: string) {
          expect(result).toMatchObject({ ok: false, code });
          if (!result.ok) expect(result.message).not.toBe('');
        },
      };
    },
  };
}

/** A history of decisions that leads to each non-final status. */
const historyTo: Record<Exclude<ReviewStatus, 'validated'>, Decision[]> = {
  open: [],
  pending_validation: ['pending_validation'],
  remote_intervention: ['remote_intervention'],
  onsite_intervention: ['pending_validation', 'onsite_intervention'],
};

describe('review case lifecycle', () => {
  describe('allowed transitions', () => {
    const allowed = (Object.keys(historyTo) as (keyof typeof historyTo)[]).flatMap((from) =>
      DECISIONS.filter((d) => statusAfter(d) !== from).map((decision) => ({ from, decision })),
    );

    it.each(allowed)('from $from, deciding $decision is recorded', ({ from, decision }) => {
      const past = historyTo[from];
      const g = given(...past);
      expect(g.state.status).toBe(from);
      g.when(command(decision)).then({ decision, sequence: past.length + 1 });
      const result = decide(g.state, command(decision));
      if (result.ok) expect(evolve(g.state, result.event).status).toBe(statusAfter(decision));
    });

    it('covers 13 transitions', () => {
      expect(allowed).toHaveLength(13);
    });
  });

  describe('forbidden transitions', () => {
    it.each(DECISIONS)('a validated case refuses %s as final', (decision) => {
      given('remote_intervention', 'validate').when(command(decision)).thenRefused('case_final');
    });

    it.each(['pending_validation', 'remote_intervention', 'onsite_intervention'] as const)(
      'repeating %s on a case already in that status is refused as the same decision',
      (decision) => {
        given(decision).when(command(decision)).thenRefused('same_decision');
      },
    );
  });

  describe('the event', () => {
    it('carries the expert, the trimmed note and the instant', () => {
      given()
        .when(command('remote_intervention', { expertName: ' Anne Dupont ', note: '  call the garage  ' }))
        .then({ expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', note: 'call the garage', at });
    });

    it('has a null note when the note is missing or blank', () => {
      given().when(command('validate')).then({ note: null });
      given().when(command('validate', { note: '   ' })).then({ note: null });
    });

    it('numbers the first decision 1 and each later one by the count of decisions so far plus one', () => {
      given().when(command('pending_validation')).then({ sequence: 1 });
      given('pending_validation', 'remote_intervention', 'pending_validation').when(command('validate')).then({ sequence: 4 });
    });
  });

  describe('refusals', () => {
    it('a decision made on a stale version is refused as a version conflict', () => {
      given('pending_validation').when(command('validate', { expectedVersion: 0 })).thenRefused('version_conflict');
    });

    it('a decision made on the current version is recorded', () => {
      given('pending_validation').when(command('validate', { expectedVersion: 1 })).then({ sequence: 2 });
    });

    it('a decision without the expert name or phone is refused', () => {
      given().when(command('remote_intervention', { expertName: ' ' })).thenRefused('expert_identity_missing');
      given().when(command('remote_intervention', { expertPhone: '' })).thenRefused('expert_identity_missing');
    });

    it('a decision with an invalid instant is refused', () => {
      given().when(command('validate', { at: new Date('not a date') })).thenRefused('invalid_instant');
    });

    it('an unknown decision kind arriving at run time is refused, not thrown', () => {
      given().when(command('reject' as Decision)).thenRefused('unknown_decision');
    });

    it('a final case reports case_final even when the version is also stale', () => {
      given('validate').when(command('pending_validation', { expectedVersion: 0 })).thenRefused('case_final');
    });
  });

  describe('evolve', () => {
    it('ignores a redelivered event so replays are harmless', () => {
      const once = evolve(initialReviewCase, decided('pending_validation', 1));
      const later = evolve(once, decided('remote_intervention', 2));
      expect(evolve(later, decided('pending_validation', 1))).toEqual(later);
    });
  });

  describe('properties', () => {
    const attempt = fc.record({
      decision: fc.constantFrom(...DECISIONS),
      note: fc.option(fc.string(), { nil: undefined }),
      staleVersion: fc.boolean(),
    });

    it('any sequence of decision attempts never leaves validated, and sequence numbers strictly increase', () => {
      fc.assert(
        fc.property(fc.array(attempt, { maxLength: 30 }), (attempts) => {
          let state = initialReviewCase;
          let lastSequence = 0;
          let validated = false;
          for (const a of attempts) {
            const result = decide(state, command(a.decision, {
              note: a.note,
              expectedVersion: a.staleVersion ? state.decisions + 1 : state.decisions,
            }));
            if (validated) expect(result.ok).toBe(false);
            if (!result.ok) continue;
            expect(result.event.sequence).toBeGreaterThan(lastSequence);
            expect(result.event.sequence).toBe(lastSequence + 1);
            lastSequence = result.event.sequence;
            state = evolve(state, result.event);
            if (validated) expect(state.status).toBe('validated');
            validated ||= state.status === 'validated';
          }
          expect(state.decisions).toBe(lastSequence);
          if (validated) expect(state.status).toBe('validated');
        }),
      );
    });
  });
});
