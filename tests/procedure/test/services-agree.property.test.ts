// The four services, each through its own production decision and projection code, fed by random
// interleavings of the procedure's actions (deposit, close, abandon, cancel, expiry sweeps, expert
// decisions, payment requests, and the second loop's: requests for information and the garage's next
// transmission, the insurer's extensions, supplements) with late, reordered and duplicated
// deliveries. Kafka is modelled as it behaves: one ordered log per publishing service, each consumer
// group reading each log in order at its own pace, every message possibly delivered again (a relay
// killed between publish and mark), and the inbox of each group as production has it (the model:
// ./procedure-model.ts). Once every message is delivered, every service must hold the same verdict,
// and none may accept a command on a voided or final mission. The second loop's own agreements
// (deadline that holds, transmission, approved total, supplements, one expiry) are in
// second-loop.property.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCancel, deadlineRuns, isFinal, project, type MissionView } from '@smart-expertise/contracts/procedure';
import * as quote from '../../../services/quote/src/domain/quote.ts';
import * as review from '../../../services/expert-review/src/domain/decision.ts';
import { CASE_OF, EXPERT, ID_SPACE, after, at0, catchUp, deliverTo, play, playScenario, scenarioArbitrary, type Step } from './procedure-model.ts';

/** Runs per property: the four of this file take about ten seconds together. */
const RUNS = 1500;
/** Fixed, so that every run plays the same scenarios: change it to explore others. */
const SEED = 20_260_320;

describe('the races found so far, replayed step by step', () => {
  const d = deliverTo;
  const act = at0;

  it('an insurer cancel accepted while a validation made before it is in flight: the validation stands everywhere', () => {
    const world = play(
      [d('quote'), act({ kind: 'close', procedure: 'standard' }), d('expert-review'), d('mission-intake'), act({ kind: 'decide', decision: 'validate' }), act({ kind: 'cancel' }), d('quote'), d('quote'), d('expert-review'), d('mission-intake')],
      [0],
    );
    const verdict = project(world.mission);
    expect([verdict.status, verdict.outcome]).toEqual(['closed', 'validated']);
    expect(verdict.tracking.map((e) => e.code)).toContain('cancel.voided');
    // quote voided its close on the cancel's verdict, then reinstated it on the next; so did expert-review.
    expect(world.quotes.map((q) => q.status)).toEqual(['closed']);
    expect([...world.cases.values()].map((c) => c.status)).toEqual(['validated']);
    expect(world.logs.quote.map((m) => m.type)).toEqual(['quote.submitted', 'quote.voided', 'quote.reinstated']);
  });

  it('an abandon and a close at the same instant: the close wins everywhere and the abandon is reported voided', () => {
    const world = play([d('quote'), act({ kind: 'abandon' }), act({ kind: 'close', procedure: 'standard' })], [0, 1, 2, 3]);
    const verdict = project(world.mission);
    expect([world.told.abandon, world.told.closes.length]).toEqual([true, 1]);
    expect(verdict.status).toBe('under_analysis');
    expect(verdict.tracking.map((e) => e.code)).toContain('abandon.voided');
    expect([world.quoteCopy?.status, world.quotes[0]?.status, [...world.cases.values()][0]?.status, world.deadline.status]).toEqual(['under_analysis', 'closed', 'open', 'settled']);
  });

  // The garage closes; mission-intake, not knowing it yet, accepts the garage's abandon a second
  // later; it then learns the close (the abandon is voided, the mission is under analysis) and
  // accepts the insurer's cancel a second after that: a cancel after the close, with no validation.
  const cancelAfterVoidedAbandon = (cancelAfterMs: number): Step[] => [
    d('quote'),
    after(1_000, { kind: 'close', procedure: 'standard' }),
    after(1_000, { kind: 'abandon' }),
    catchUp('mission-intake'),
    after(cancelAfterMs, { kind: 'cancel' }),
  ];

  it('a cancel after the close, once an abandon lost to that close: the cancel stands everywhere', () => {
    const world = play(cancelAfterVoidedAbandon(1_000), [0]);
    const verdict = project(world.mission);
    expect([world.told.abandon, world.told.cancel]).toEqual([true, true]);
    expect(verdict.voided.map((v) => `${v.kind} voided: ${v.cause}`)).toEqual(['abandon voided: quote_closed']);
    expect([verdict.status, world.quotes[0]?.status, [...world.cases.values()][0]?.status]).toEqual(['cancelled', 'voided', 'withdrawn']);
  });

  it('a cancel at the instant of an abandon that lost to the close: the voided abandon stays reported', () => {
    // The cancel's event id sorts before the abandon's (ids are uuids in production).
    const world = play(cancelAfterVoidedAbandon(0), [0], { idOrder: ID_SPACE - 1 });
    const verdict = project(world.mission);
    expect(verdict.status).toBe('cancelled');
    expect(verdict.tracking.map((e) => e.code), 'the garage was shown its abandon, then its voiding').toContain('abandon.voided');
  });
});

describe('every service reaches the same verdict, whatever the interleaving', () => {
  it('agrees on the status, the voided quotes, the open case and the running deadline', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const world = playScenario(scenario);
        const verdict = project(world.mission);
        // quote's copy says what mission-intake says.
        if (world.quoteCopy) expect([world.quoteCopy.status, world.quoteCopy.outcome]).toEqual([verdict.status, verdict.outcome]);
        for (const q of world.quotes) {
          if (verdict.voidedQuoteIds.includes(q.id)) expect(q.status, `quote ${q.id}`).toBe('voided');
          // The quote the mission rests on stands closed, or returned to the garage while information is requested.
          if (verdict.quote?.quoteId === q.id) expect(q.status, `quote ${q.id}`).toBe(verdict.status === 'information_requested' ? 'returned' : 'closed');
          if (q.status === 'closed' || q.status === 'returned') expect(verdict.quote?.quoteId, `${q.status} quote ${q.id}`).toBe(q.id);
          // expert-review: a case for each transmitted quote, withdrawn exactly when the quote is voided.
          const kase = world.cases.get(q.id);
          if (q.closedAt !== null) expect(kase, `case of ${q.id}`).toBeDefined();
          if (kase) {
            const expected = q.status === 'voided' ? 'withdrawn' : CASE_OF[verdict.status];
            expect(kase.status, `case of ${q.id} when the mission is ${verdict.status}`).toBe(expected);
          }
        }
        // The scheduler: running exactly while the garage has to act (new, information requested); expired
        // exactly when the verdict says so (or when an on-time close or answer learned late voided the expiry).
        if (deadlineRuns(verdict.status)) expect(world.deadline.status).toBe('running');
        else if (verdict.status === 'expired') expect(world.deadline.status).toBe('expired');
        else expect(['settled', 'expired']).toContain(world.deadline.status);
        // An expiry that lost to an on-time close was shown: the tracking says it was voided. One that
        // lost to an earlier abandon or cancel was never shown (the mission was already final).
        if (world.deadline.status === 'expired' && verdict.quote !== null) expect(verdict.tracking.map((e) => e.code)).toContain('expiry.voided');
        expect([...world.parked.values()], 'events parked').toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('accepts no decision, close, payment or cancel on a voided or final mission once the verdict is known', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const world = playScenario(scenario);
        const verdict = project(world.mission);
        const at = new Date(world.now + 1);
        for (const [quoteId, kase] of world.cases) {
          const voided = verdict.voidedQuoteIds.includes(quoteId);
          const accepted = review.decide(kase, { type: 'decide', decision: 'validate', ...EXPERT, at }).ok;
          if (voided || isFinal(verdict.status)) expect(accepted, `a decision on case ${quoteId} (${kase.status}) of a ${verdict.status} mission`).toBe(false);
        }
        for (const q of world.quotes) {
          const state = { mission: world.quoteCopy!, quote: q };
          expect(quote.decide(state, { type: 'close', at }).ok && isFinal(verdict.status), `close on a ${verdict.status} mission`).toBe(false);
          const payment = quote.decide(state, { type: 'request_payment', invoice: { invoiceNumber: 'F-2', invoiceDate: quote.brusselsDate(at), amountCents: 1_00, replacementVehicle: false }, at });
          const paid = payment.ok && payment.events.length > 0;
          if (paid) expect([verdict.status, verdict.outcome, q.status]).toEqual(['closed', 'validated', 'closed']);
        }
        if (isFinal(verdict.status)) expect(decideCancel(world.mission, { eventId: 'probe', reason: 'x', by: 'INS1', at }).ok).toBe(false);
        // The verdict never counts a payment outside a validated repair, nor a decision on a voided close.
        if (verdict.paymentRequested) expect([verdict.status, verdict.outcome]).toEqual(['closed', 'validated']);
        // (An unanswered request for information that expired leaves the request as the last decision.)
        if (verdict.quote === null && verdict.status !== 'cancelled') {
          if (verdict.status === 'expired' && verdict.lastDecision) expect(verdict.lastDecision.decision).toBe('request_information');
          else expect(verdict.lastDecision).toBeNull();
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('reverses nothing the users were told in silence', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const world = playScenario(scenario);
        const verdict = project(world.mission);
        const codes = verdict.tracking.map((e) => e.code);
        if (world.told.abandon && verdict.status !== 'abandoned') expect(codes).toContain('abandon.voided');
        if (world.told.cancel && verdict.status !== 'cancelled') expect(codes).toContain('cancel.voided');
        for (const quoteId of world.told.closes) {
          const lost = verdict.voidedQuoteIds.includes(quoteId) && verdict.status !== 'cancelled';
          // A close that lost says so; a quote whose request for information went unanswered expired with the mission.
          if (lost) expect(codes).toContain(verdict.status === 'expired' ? 'mission.expired' : 'quote.voided');
        }
        if (world.told.payment && !verdict.paymentRequested) expect(codes).toContain('payment.voided');
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('voids an action only for a cause that stands: what it lost to is what the mission became', () => {
    // An abandon, a cancel or an expiry that the verdict voids "because abandoned" (or cancelled,
    // validated) lost to an abandon (cancel, validation) that the same verdict keeps.
    const STANDS: Partial<Record<string, (verdict: MissionView) => boolean>> = {
      abandoned: (v) => v.status === 'abandoned',
      cancelled: (v) => v.status === 'cancelled',
      validated: (v) => v.status === 'closed',
    };
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const world = playScenario(scenario);
        const verdict = project(world.mission);
        for (const lost of verdict.voided) {
          const stands = STANDS[lost.cause];
          if (stands) expect(stands(verdict), `a ${lost.kind} voided because ${lost.cause} on a ${verdict.status} mission`).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
