import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MissionStatus } from '@smart-expertise/contracts';
import { DECISIONS, REVIEW_STATUSES, decide, evolve, fold, initialReviewCase, statusAfter, statusesListed } from './decision.ts';
import { isOverdue, openedAt, withRecord } from './decision.ts';
import type { CaseCommand, CaseEvent, DecideCommand, Decision, ReinstateCommand, RetransmitCommand, ReviewDecided, ReviewStatus, WithdrawCommand } from './decision.ts';

const at = new Date('2016-03-29T10:00:00Z');
const voidedAt = new Date('2016-03-29T09:00:00Z');

const respondBy = new Date('2016-04-01T21:59:59.999Z');

/** A decision command; a request for information comes with its note and due date unless overridden. */
function command(decision: Decision, overrides: Partial<Omit<DecideCommand, 'type'>> = {}): DecideCommand {
  const request = decision === 'request_information' ? { note: 'Photos of the rear door, please', respondBy } : {};
  return { type: 'decide', decision, expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', at, ...request, ...overrides };
}

function retransmit(transmission: number, when = at): RetransmitCommand {
  return { type: 'retransmit', transmission, at: when };
}

function withdrawBecause(missionStatus: MissionStatus, when = voidedAt): WithdrawCommand {
  return { type: 'withdraw', missionStatus, at: when };
}

/** quote.reinstated, with the mission's status in the verdict that reinstated the quote. */
function reinstateAs(missionStatus: MissionStatus): ReinstateCommand {
  return { type: 'reinstate', missionStatus, at };
}

function decided(decision: Decision, sequence: number, transmission = 1): ReviewDecided {
  return {
    type: 'review_decided',
    decision,
    expertName: 'Anne Dupont',
    expertPhone: '+32 2 555 01 01',
    note: null,
    at,
    sequence,
    transmission,
    respondBy: decision === 'request_information' ? respondBy : null,
  };
}

/** A past decision, the case's withdrawal because the mission became `withdrawn`, or the garage's next transmission. */
type Past = Decision | { withdrawn: MissionStatus } | { transmitted: number };

/** given(past).when(command).then(events…) / .thenNothing() / .thenRefused(code) */
function given(...past: Past[]) {
  let sequence = 0;
  let transmission = 1;
  const events = past.map((p): CaseEvent => {
    if (typeof p === 'string') return decided(p, ++sequence, transmission);
    if ('withdrawn' in p) return { type: 'case_withdrawn', missionStatus: p.withdrawn, at: voidedAt };
    transmission = p.transmitted;
    return { type: 'quote_retransmitted', transmission: p.transmitted, at };
  });
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
const historyTo: Record<Exclude<ReviewStatus, 'validated' | 'withdrawn' | 'information_requested'>, Decision[]> = {
  open: [],
  pending_validation: ['pending_validation'],
  remote_intervention: ['remote_intervention'],
  onsite_intervention: ['pending_validation', 'onsite_intervention'],
};

/** A history leading to every status but withdrawn. */
const everyStatusBeforeWithdrawal: { from: string; past: Decision[] }[] = [
  ...Object.entries(historyTo).map(([from, past]) => ({ from, past })),
  { from: 'information_requested', past: ['request_information'] },
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

    it('covers 17 transitions', () => {
      expect(allowed).toHaveLength(17);
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
      expect(state).toEqual({
        status: 'withdrawn',
        decisions: 1,
        withdrawal: { missionStatus: 'cancelled', at: voidedAt },
        transmission: 1,
        lastDecision: { decision: 'pending_validation', transmission: 1 },
      });
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

  describe('reinstatement (a void that lost: a cancel to an earlier validation, an expiry to an answer on time)', () => {
    it('a case withdrawn after its validation comes back validated, and stays final', () => {
      const g = given('validate', { withdrawn: 'cancelled' });
      g.when(reinstateAs('closed')).then({ type: 'case_reinstated', status: 'validated', at });
      const state = fold(g.state, [{ type: 'case_reinstated', status: 'validated', at }]);
      expect(state).toEqual({ status: 'validated', decisions: 1, withdrawal: null, transmission: 1, lastDecision: { decision: 'validate', transmission: 1 } });
      expect(decide(state, command('pending_validation'))).toMatchObject({ ok: false, code: 'case_final' });
    });

    it('a cancel that lost to the validation brings the case back validated, even from a verdict that had not read the validation', () => {
      given('pending_validation', 'validate', { withdrawn: 'cancelled' }).when(reinstateAs('closed')).then({ type: 'case_reinstated', status: 'validated' });
      given('pending_validation', 'validate', { withdrawn: 'cancelled' }).when(reinstateAs('pending_validation')).then({ type: 'case_reinstated', status: 'validated' });
    });

    // The request (due T0+12s) answered at T0+3s and validated at T0+4s; mission-intake reads the
    // sweep's expiry first (the case is withdrawn), then the answer: the quote is reinstated while
    // the mission is under analysis, the validation not read yet.
    it('a validation on the answer brings the case back validated, not in the status the verdict had reached', () => {
      const g = given('request_information', { transmitted: 2 }, 'validate', { withdrawn: 'expired' });
      g.when(reinstateAs('under_analysis')).then({ type: 'case_reinstated', status: 'validated', at });
      const result = decide(g.state, reinstateAs('under_analysis'));
      const state = result.ok ? fold(g.state, result.events) : g.state;
      expect(state).toMatchObject({ status: 'validated', withdrawal: null, transmission: 2, decisions: 2 });
      expect(decide(state, command('pending_validation'))).toMatchObject({ ok: false, code: 'case_final' });
    });

    it('a second request on the answer brings the case back waiting for the garage, and its next transmission opens it', () => {
      const g = given('request_information', { transmitted: 2 }, 'request_information', { withdrawn: 'expired' });
      g.when(reinstateAs('under_analysis')).then({ type: 'case_reinstated', status: 'information_requested', at });
      const state = fold(g.state, [{ type: 'case_reinstated', status: 'information_requested', at }]);
      expect(decide(state, command('validate'))).toMatchObject({ ok: false, code: 'awaiting_garage' });
      expect(decide(state, retransmit(3))).toMatchObject({ ok: true, events: [expect.objectContaining({ transmission: 3 })] });
    });

    it('with no decision yet on the transmission it holds, the case takes the mission status (an earlier request is not its status)', () => {
      given('request_information', { transmitted: 2 }, { withdrawn: 'expired' }).when(reinstateAs('under_analysis')).then({ type: 'case_reinstated', status: 'open' });
      given({ withdrawn: 'cancelled' }).when(reinstateAs('under_analysis')).then({ type: 'case_reinstated', status: 'open' });
    });

    it.each(everyStatusBeforeWithdrawal.filter(({ past }) => past.length > 0))(
      'a case withdrawn from $from comes back $from, whatever status the verdict that reinstated it had reached',
      ({ from, past }) => {
        for (const missionStatus of ['under_analysis', 'pending_validation', 'information_requested', 'closed'] as const) {
          given(...past, { withdrawn: 'cancelled' }).when(reinstateAs(missionStatus)).then({ type: 'case_reinstated', status: from as Exclude<ReviewStatus, 'withdrawn'> });
        }
      },
    );

    it('a case that was never withdrawn, or a mission resting on no quote, reinstates nothing', () => {
      given('validate').when(reinstateAs('closed')).thenNothing();
      given({ withdrawn: 'cancelled' }).when(reinstateAs('cancelled')).thenNothing();
      given('validate', { withdrawn: 'cancelled' }).when(reinstateAs('cancelled')).thenNothing();
    });

    it('a stored state without the case record cannot be reinstated: the caller completes it with withRecord', () => {
      const stored = { status: 'withdrawn', decisions: 2, withdrawal: { missionStatus: 'expired', at: voidedAt }, transmission: 2 } as const;
      expect(() => decide(stored, reinstateAs('under_analysis'))).toThrow(/withRecord/);
      const decisions = [
        { sequence: 2, decision: 'validate', transmission: 2 },
        { sequence: 1, decision: 'request_information', transmission: 1 },
      ] as const;
      expect(withRecord(stored, decisions).lastDecision).toEqual({ decision: 'validate', transmission: 2 });
      expect(decide(withRecord(stored, decisions), reinstateAs('under_analysis'))).toMatchObject({ ok: true, events: [{ status: 'validated' }] });
      expect(withRecord(stored, []).lastDecision).toBeNull();
    });
  });

  describe('request for information', () => {
    it.each(Object.keys(historyTo) as (keyof typeof historyTo)[])('from %s, requesting information records the note, the due date and the transmission', (from) => {
      given(...historyTo[from])
        .when(command('request_information', { note: '  Photos of the rear door, please ' }))
        .then({ type: 'review_decided', decision: 'request_information', note: 'Photos of the rear door, please', respondBy, transmission: 1 });
    });

    it('puts the case in information_requested', () => {
      expect(given('request_information').state).toMatchObject({ status: 'information_requested', decisions: 1, transmission: 1 });
    });

    it('without a note (or with blanks only) is refused, naming the note', () => {
      const { result } = given().when(command('request_information', { note: '   ' }));
      expect(result).toMatchObject({ ok: false, code: 'note_required', field: 'note' });
      given().when(command('request_information', { note: undefined })).thenRefused('note_required');
    });

    it('with a due date not after the request is refused, naming respondBy', () => {
      const { result } = given().when(command('request_information', { respondBy: at }));
      expect(result).toMatchObject({ ok: false, code: 'respond_by_not_in_future', field: 'respondBy' });
      given().when(command('request_information', { respondBy: undefined })).thenRefused('respond_by_not_in_future');
    });

    it('a due date on any other decision is refused', () => {
      given().when(command('validate', { respondBy })).thenRefused('respond_by_not_allowed');
    });

    it.each(DECISIONS)('while the garage has to answer, %s is refused as awaiting the garage', (decision) => {
      given('request_information').when(command(decision)).thenRefused('awaiting_garage');
    });

    it('every other decision carries the transmission and no due date', () => {
      given('request_information', { transmitted: 2 }).when(command('validate')).then({ transmission: 2, respondBy: null, sequence: 2 });
    });
  });

  describe('transmissions', () => {
    it('the next transmission after a request for information opens the case again on it', () => {
      const g = given('pending_validation', 'request_information');
      g.when(retransmit(2)).then({ type: 'quote_retransmitted', transmission: 2, at });
      const result = decide(g.state, retransmit(2));
      if (result.ok) {
        expect(fold(g.state, result.events)).toEqual({
          status: 'open',
          decisions: 2,
          withdrawal: null,
          transmission: 2,
          lastDecision: { decision: 'request_information', transmission: 1 },
        });
      }
    });

    it('a transmission already recorded changes nothing (redelivery, re-publication)', () => {
      given('request_information', { transmitted: 2 }).when(retransmit(2)).thenNothing();
      given('request_information', { transmitted: 2 }).when(retransmit(1)).thenNothing();
      given().when(retransmit(1)).thenNothing();
    });

    it('a transmission nobody asked for, or one that skips a number, is refused', () => {
      given().when(retransmit(2)).thenRefused('unexpected_transmission');
      given('pending_validation').when(retransmit(2)).thenRefused('unexpected_transmission');
      given('request_information').when(retransmit(3)).thenRefused('unexpected_transmission');
    });

    it('a withdrawn case takes no further transmission and stays withdrawn with its cause', () => {
      given('request_information', { withdrawn: 'expired' }).when(retransmit(2)).thenNothing();
    });

    it('an unanswered request for information expires: the void withdraws the case waiting for the garage', () => {
      const g = given('request_information');
      g.when(withdrawBecause('expired')).then({ type: 'case_withdrawn', missionStatus: 'expired' });
      expect(fold(g.state, [{ type: 'case_withdrawn', missionStatus: 'expired', at: voidedAt }]).status).toBe('withdrawn');
    });

    it('a decision made on an earlier transmission is refused as a version conflict', () => {
      given('request_information', { transmitted: 2 }).when(command('validate', { expectedTransmission: 1 })).thenRefused('version_conflict');
      given('request_information', { transmitted: 2 }).when(command('validate', { expectedTransmission: 2 })).then({ sequence: 2 });
    });

    it('a case first learned at a later transmission opens there', () => {
      expect(openedAt(3)).toEqual({ status: 'open', decisions: 0, withdrawal: null, transmission: 3, lastDecision: null });
      given().when(retransmit(2)).thenRefused('unexpected_transmission');
    });

    it('evolve ignores a transmission folded twice', () => {
      const once = fold(initialReviewCase, [decided('request_information', 1), { type: 'quote_retransmitted', transmission: 2, at }]);
      expect(evolve(once, { type: 'quote_retransmitted', transmission: 2, at })).toEqual(once);
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

    it('information_requested lists the cases waiting for the garage, which open does not', () => {
      expect(statusesListed('information_requested')).toEqual(['information_requested']);
      expect(statusesListed('open')).not.toContain('information_requested');
    });

    it('a case awaiting a decision past its due date is overdue; one waiting for the garage, decided or withdrawn never is', () => {
      const dueAt = new Date('2016-03-31T21:59:59.999Z');
      const after = new Date('2016-04-01T08:00:00Z');
      expect(isOverdue('open', dueAt, after)).toBe(true);
      expect(isOverdue('pending_validation', dueAt, after)).toBe(true);
      expect(isOverdue('open', dueAt, dueAt)).toBe(false);
      expect(isOverdue('open', null, after)).toBe(false);
      for (const status of ['information_requested', 'validated', 'withdrawn'] as const) expect(isOverdue(status, dueAt, after)).toBe(false);
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
      fc.record({ kind: fc.constant('withdraw' as const), missionStatus: fc.constantFrom<MissionStatus>('abandoned', 'cancelled', 'expired') }),
      fc.record({ kind: fc.constant('retransmit' as const), ahead: fc.integer({ min: -1, max: 2 }) }),
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
                : a.kind === 'retransmit'
                  ? retransmit(Math.max(1, state.transmission + a.ahead))
                  : command(a.decision, { note: a.note, expectedVersion: a.staleVersion ? state.decisions + 1 : state.decisions });
            const before = state;
            const result = decide(state, cmd);
            if (cmd.type === 'decide' && (before.status === 'withdrawn' || before.status === 'validated' || before.status === 'information_requested')) {
              expect(result.ok).toBe(false);
            }
            if (!result.ok) continue;
            for (const event of result.events) {
              if (event.type === 'review_decided') {
                expect(event.sequence).toBe(lastSequence + 1);
                lastSequence = event.sequence;
              }
            }
            state = fold(state, result.events);
            // Transmissions only ever move one at a time, and only out of information_requested.
            if (state.transmission !== before.transmission) {
              expect(state.transmission).toBe(before.transmission + 1);
              expect([before.status, state.status]).toEqual(['information_requested', 'open']);
            }
            if (cmd.type === 'withdraw') firstWithdrawal ??= cmd.missionStatus;
            if (before.status === 'validated' && cmd.type === 'decide') expect(state.status).toBe('validated');
          }
          expect(state.decisions).toBe(lastSequence);
          expect(state.status === 'withdrawn').toBe(firstWithdrawal !== null);
          expect(state.withdrawal?.missionStatus ?? null).toBe(firstWithdrawal);
        }),
      );
    });

    it('redelivered events folded again, anywhere after their first copy, change nothing', () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...DECISIONS, 'retransmit' as const), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (steps, copies) => {
          // A history the decider accepts, step by step.
          let state = initialReviewCase;
          const history: CaseEvent[] = [];
          for (const step of steps) {
            const result = step === 'retransmit' ? decide(state, retransmit(state.transmission + 1)) : decide(state, command(step));
            if (!result.ok) continue;
            history.push(...result.events);
            state = fold(state, result.events);
          }
          // The same history with copies of earlier events redelivered after their first delivery.
          const replayed = [...history];
          for (const c of copies) {
            if (history.length === 0) break;
            const original = history[c % history.length]!;
            const first = replayed.indexOf(original);
            replayed.splice(first + 1 + (c % (replayed.length - first)), 0, original);
          }
          expect(fold(initialReviewCase, replayed)).toEqual(state);
        }),
      );
    });
  });
});
