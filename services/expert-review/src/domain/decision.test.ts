import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MissionStatus } from '@smart-expertise/contracts';
import { DECISIONS, REVIEW_STATUSES, decide, evolve, fold, initialReviewCase, statusAfter, statusesListed } from './decision.ts';
import type { CaseCommand, CaseEvent, DecideCommand, Decision, ReviewDecided, ReviewStatus, WithdrawCommand } from './decision.ts';

const at = new Date('2016-03-29T10:00:00Z');
const voidedAt = new Date('2016-03-29T09:00:00Z');

function command(decision: Decision, overrides: Partial<Omit<DecideCommand, 'type'>> = {}): DecideCommand {
  return { type: 'decide', decision, expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', at, ...overrides };
}

function withdrawBecause(missionStatus: MissionStatus, when = voidedAt): WithdrawCommand {
  return { type: 'withdraw', missionStatus, at: when };
}

function decided(decision: Decision, sequence: number): ReviewDecided {
  return { type: 'review_decided', decision, expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', note: null, at, sequence };
}

/** A past decision, or the case's withdrawal because the mission became `withdrawn`. */
type Past = Decision | { withdrawn: MissionStatus };

/** given(past).when(command).then(events…) / .thenNothing() / .thenRefused(code) */
function given(...past: Past[]) {
  let sequence = 0;
  const events = past.map((p): CaseEvent =>
    typeof p === 'string' ? decided(p, ++sequence) : { type: 'case_withdrawn', missionStatus: p.withdrawn, at: voidedAt },
  );
  const state = fold(initialReviewCase, events);
  return {
    state,
    when(cmd: CaseCommand) {
      const result = decide(state, cmd);
      return {
        result,
        then(...expected: Partial<CaseEvent>[]) {
          expect(result).toEqual({ ok: true, events: expected.map((e) => expect.objectContaining(e)) });
        },
        thenNothing() {
          expect(result).toEqual({ ok: true, events: [] });
        },
        thenRefused(code: string) {
          expect(result).toMatchObject({ ok: false, code });
          if (!result.ok) expect(result.message).not.toBe('');
        },
      };
    },
  };
}

/** A history of decisions that leads to each status a decision can still change. */
const historyTo: Record<Exclude<ReviewStatus, 'validated' | 'withdrawn'>, Decision[]> = {
  open: [],
  pending_validation: ['pending_validation'],
  remote_intervention: ['remote_intervention'],
  onsite_intervention: ['pending_validation', 'onsite_intervention'],
};

/** A history leading to every status but withdrawn. */
const everyStatusBeforeWithdrawal: { from: string; past: Decision[] }[] = [
  ...Object.entries(historyTo).map(([from, past]) => ({ from, past })),
  { from: 'validated', past: ['validate'] },
];

describe('review case lifecycle', () => {
  describe('allowed transitions', () => {
    const allowed = (Object.keys(historyTo) as (keyof typeof historyTo)[]).flatMap((from) =>
      DECISIONS.filter((d) => statusAfter(d) !== from).map((decision) => ({ from, decision })),
    );

    it.each(allowed)('from $from, deciding $decision is recorded', ({ from, decision }) => {
      const past = historyTo[from];
      const g = given(...past);
      expect(g.state.status).toBe(from);
      g.when(command(decision)).then({ type: 'review_decided', decision, sequence: past.length + 1 });
      const result = decide(g.state, command(decision));
      if (result.ok) expect(fold(g.state, result.events).status).toBe(statusAfter(decision));
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

  describe('withdrawal', () => {
    it.each(everyStatusBeforeWithdrawal)('a $from case is withdrawn when its quote is voided', ({ past }) => {
      given(...past).when(withdrawBecause('abandoned')).then({ type: 'case_withdrawn', missionStatus: 'abandoned', at: voidedAt });
    });

    it('a withdrawn case says why, and keeps its decisions count as its version', () => {
      const { state } = given('pending_validation', { withdrawn: 'cancelled' });
      expect(state).toEqual({ status: 'withdrawn', decisions: 1, withdrawal: { missionStatus: 'cancelled', at: voidedAt } });
    });

    it.each(DECISIONS)('a withdrawn case refuses %s as withdrawn', (decision) => {
      given({ withdrawn: 'abandoned' }).when(command(decision)).thenRefused('case_withdrawn');
    });

    it.each(everyStatusBeforeWithdrawal)('a case withdrawn from $from refuses every decision as withdrawn', ({ past }) => {
      for (const decision of DECISIONS) {
        given(...past, { withdrawn: 'cancelled' }).when(command(decision)).thenRefused('case_withdrawn');
      }
    });

    it('the refusal names the mission status that voided the quote', () => {
      const { result } = given({ withdrawn: 'cancelled' }).when(command('validate'));
      expect(!result.ok && result.message).toMatch(/cancelled/);
    });

    it('a withdrawn case reports case_withdrawn even when the version is also stale', () => {
      given('pending_validation', { withdrawn: 'abandoned' }).when(command('validate', { expectedVersion: 0 })).thenRefused('case_withdrawn');
    });

    it('voiding a withdrawn case again records nothing, and the first cause stays', () => {
      const g = given({ withdrawn: 'abandoned' });
      g.when(withdrawBecause('cancelled', at)).thenNothing();
      expect(g.state.withdrawal).toEqual({ missionStatus: 'abandoned', at: voidedAt });
    });

    it('a withdrawal with an invalid instant is refused', () => {
      given().when(withdrawBecause('abandoned', new Date('not a date'))).thenRefused('invalid_instant');
    });
  });

  describe('reinstatement (a cancel that lost to a validation made before it)', () => {
    it('a case withdrawn after its validation comes back validated, and stays final', () => {
      const g = given('validate', { withdrawn: 'cancelled' });
      g.when({ type: 'reinstate', missionStatus: 'closed', at }).then({ type: 'case_reinstated', status: 'validated', at });
      const state = fold(g.state, [{ type: 'case_reinstated', status: 'validated', at }]);
      expect(state).toEqual({ status: 'validated', decisions: 1, withdrawal: null });
      expect(decide(state, command('pending_validation'))).toMatchObject({ ok: false, code: 'case_final' });
    });

    it('a case that was never withdrawn, or a mission resting on no quote, reinstates nothing', () => {
      given('validate').when({ type: 'reinstate', missionStatus: 'closed', at }).thenNothing();
      given({ withdrawn: 'cancelled' }).when({ type: 'reinstate', missionStatus: 'cancelled', at }).thenNothing();
    });
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
    it('ignores a redelivered decision so replays are harmless', () => {
      const once = evolve(initialReviewCase, decided('pending_validation', 1));
      const later = evolve(once, decided('remote_intervention', 2));
      expect(evolve(later, decided('pending_validation', 1))).toEqual(later);
    });

    it('keeps a withdrawn case withdrawn if a decision is folded after the withdrawal', () => {
      const { state } = given({ withdrawn: 'abandoned' });
      expect(evolve(state, decided('validate', 1))).toMatchObject({ status: 'withdrawn', decisions: 1 });
    });
  });

  describe('the queue', () => {
    it('open lists every case awaiting a decision, never a validated or withdrawn one', () => {
      expect(statusesListed('open')).toEqual(['open', 'pending_validation', 'remote_intervention', 'onsite_intervention']);
    });

    it('validated, withdrawn and all list what they say', () => {
      expect(statusesListed('validated')).toEqual(['validated']);
      expect(statusesListed('withdrawn')).toEqual(['withdrawn']);
      expect([...statusesListed('all')].sort()).toEqual([...REVIEW_STATUSES].sort());
    });
  });

  describe('properties', () => {
    const attempt = fc.oneof(
      fc.record({
        kind: fc.constant('decide' as const),
        decision: fc.constantFrom(...DECISIONS),
        note: fc.option(fc.string(), { nil: undefined }),
        staleVersion: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('withdraw' as const), missionStatus: fc.constantFrom<MissionStatus>('abandoned', 'cancelled') }),
    );

    it('sequence numbers strictly increase by one; validated stays validated until withdrawn; withdrawn refuses every decision for good', () => {
      fc.assert(
        fc.property(fc.array(attempt, { maxLength: 30 }), (attempts) => {
          let state = initialReviewCase;
          let lastSequence = 0;
          let firstWithdrawal: MissionStatus | null = null;
          for (const a of attempts) {
            const cmd: CaseCommand =
              a.kind === 'withdraw'
                ? withdrawBecause(a.missionStatus)
                : command(a.decision, { note: a.note, expectedVersion: a.staleVersion ? state.decisions + 1 : state.decisions });
            const before = state;
            const result = decide(state, cmd);
            if (cmd.type === 'decide' && (before.status === 'withdrawn' || before.status === 'validated')) expect(result.ok).toBe(false);
            if (!result.ok) continue;
            for (const event of result.events) {
              if (event.type === 'review_decided') {
                expect(event.sequence).toBe(lastSequence + 1);
                lastSequence = event.sequence;
              }
            }
            state = fold(state, result.events);
            if (cmd.type === 'withdraw') firstWithdrawal ??= cmd.missionStatus;
            if (before.status === 'validated' && cmd.type === 'decide') expect(state.status).toBe('validated');
          }
          expect(state.decisions).toBe(lastSequence);
          expect(state.status === 'withdrawn').toBe(firstWithdrawal !== null);
          expect(state.withdrawal?.missionStatus ?? null).toBe(firstWithdrawal);
        }),
      );
    });
  });
});
