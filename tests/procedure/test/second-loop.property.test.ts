// The second loop (product page, "The second loop: after the first decision") across the four
// services' own code, under the same Kafka as services-agree.property.test.ts (./procedure-model.ts):
// the expert's request for information and the garage's next transmission, the insurer's extensions
// (some learnt by the scheduler after it swept on the deadline they had moved), supplements and the
// approved total. Once everything is delivered every service that keeps them holds the same deadline,
// transmission, approved total and supplement statuses, and exactly one expiry counts when the mission
// expired, never one on a deadline an extension had moved.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MissionStatus } from '@smart-expertise/contracts';
import { allowsPayment, approvedTotal, awaitsQuote, deadlineRuns, decideExtension, isFinal, project, type MissionView } from '@smart-expertise/contracts/procedure';
import * as quote from '../../../services/quote/src/domain/quote.ts';
import * as quoteSupplement from '../../../services/quote/src/domain/supplement.ts';
import * as review from '../../../services/expert-review/src/domain/decision.ts';
import * as reviewSupplement from '../../../services/expert-review/src/domain/supplement.ts';
import {
  CASE_OF,
  DEADLINE,
  EXPERT,
  T0,
  after,
  at0,
  catchUp,
  deliverTo,
  play,
  settle,
  playScenario,
  secondLoopScenarioArbitrary,
  type Step,
  type World,
} from './procedure-model.ts';

/** Runs per property; each run plays up to ~150 steps through the four services. */
const RUNS = 700;
/** Fixed, so that every run plays the same scenarios: change it to explore others. */
const SEED = 20_260_320;

const iso = (at: Date | null | undefined) => at?.toISOString() ?? null;

/** The first quote's figures (420.00 excl. VAT, 21 %). */
const FIRST_TOTAL = 508_20;

/** The deadline, transmission, approved total and supplements every service keeps, and one expiry. */
function expectAgreement(world: World): MissionView {
  const verdict = project(world.mission);
  const codes = verdict.tracking.map((e) => e.code);
  expect([...world.parked.values()], 'events parked (a handler kept refusing them)').toEqual([]);

  // The deadline that holds: mission-intake's view, the scheduler's running deadline, quote's copy.
  expect(verdict.deadline, 'the verdict knows its deadline').not.toBeNull();
  const schedulerSays = { status: world.deadline.status, deadline: iso(world.deadline.deadline) };
  expect(schedulerSays.deadline, `the scheduler's deadline (${schedulerSays.status}) vs the verdict's (${verdict.status})`).toBe(iso(verdict.deadline));
  if (world.quoteCopy) expect(iso(world.quoteCopy.deadline), "quote's copy of the deadline").toBe(iso(verdict.deadline));
  if (deadlineRuns(verdict.status)) expect(schedulerSays.status, `the deadline runs while the mission is ${verdict.status}`).toBe('running');
  if (verdict.status === 'expired') {
    expect(schedulerSays.status).toBe('expired');
    expect(iso(world.deadline.expiredDeadline), 'the deadline the scheduler expired').toBe(iso(verdict.deadline));
  }

  // Exactly one expiry counts when the mission expired (on the deadline that holds), none otherwise;
  // never one on a deadline that an extension which counts had moved.
  const expiries = verdict.tracking.filter((e) => e.code === 'mission.expired');
  expect(expiries.length, `expiries counted on a ${verdict.status} mission`).toBe(verdict.status === 'expired' ? 1 : 0);
  const counted = expiries[0];
  if (counted) {
    expect(counted.params['deadline'], 'the counted expiry is on the deadline that holds').toBe(iso(verdict.deadline));
    const voidedExtensions = new Set(verdict.voided.filter((v) => v.kind === 'extension').map((v) => v.eventId));
    for (const extension of world.told.extensions.filter((x) => !voidedExtensions.has(x.eventId))) {
      expect(counted.params['deadline'], `an expiry on ${iso(extension.previous)}, which the extension at ${iso(extension.at)} moved`).not.toBe(iso(extension.previous));
    }
  }
  // An extension the insurer was told of and that counts for nothing is said so.
  const countedExtensions = verdict.tracking.filter((e) => e.code === 'deadline.extended').length;
  const voidedExtensions = verdict.voided.filter((v) => v.kind === 'extension').length;
  expect(countedExtensions + voidedExtensions, 'each extension answered 200 counts or is voided').toBe(world.told.extensions.length);
  if (voidedExtensions > 0) expect(codes).toContain('extension.voided');

  // Each decision the expert was answered 200 for counts (a tracking entry), or is voided and said so.
  const decisions = world.published('review.decided');
  const decisionsShown = verdict.tracking.filter((e) => e.code.startsWith('review.') && e.code !== 'review.voided').length;
  const decisionsVoided = verdict.voided.filter((v) => v.kind === 'decision').length;
  expect(
    decisionsShown + decisionsVoided,
    `decisions ${decisions.map((e) => `${e.payload.sequence}:${e.payload.decision}@t${e.payload.transmission ?? 1}`).join(', ')} on a ${verdict.status} mission`,
  ).toBe(decisions.length);

  // The transmission the mission rests on.
  expect(world.quoteCopy?.transmission ?? 0, "quote's copy of the transmission").toBe(verdict.transmission);
  const live = verdict.quote ? world.quotes.find((q) => q.id === verdict.quote!.quoteId) : undefined;
  if (verdict.quote) {
    expect(live, `the quote ${verdict.quote.quoteId} the mission rests on`).toBeDefined();
    expect(live!.transmissions, `transmissions of ${live!.id}`).toBe(verdict.transmission);
    expect(world.cases.get(live!.id)?.transmission, `the case's transmission of ${live!.id}`).toBe(verdict.transmission);
  }

  // The approved total: mission-intake, quote's copy, quote's own (its supplements route), expert-review.
  expect(world.quoteCopy?.approvedTotalCents ?? null, "quote's copy of the approved total").toBe(verdict.approvedTotalCents);
  if (live && world.quoteCopy) {
    const validatedTotal = live.calculationTotals?.totalInclVatCents ?? null;
    const atQuote = allowsPayment(world.quoteCopy.status, world.quoteCopy.outcome) && validatedTotal !== null ? approvedTotal(validatedTotal, live.supplements) : null;
    expect(atQuote, "quote's approved total (GET /v1/quotes/{id}/supplements)").toBe(verdict.approvedTotalCents);
    expect(world.approvedTotalAtReview(live.id), "expert-review's approved total (GET /v1/reviews/{id})").toBe(verdict.approvedTotalCents);
  }
  // …and it is the validated transmission's total plus the approved supplements, as published.
  if (verdict.status === 'closed' && verdict.outcome === 'validated') {
    const submissions = world.published('quote.submitted').filter((e) => e.payload.quoteId === verdict.quote!.quoteId && (e.payload.transmission ?? 1) === verdict.transmission);
    const approvals = new Map<string, number>();
    for (const e of world.published('supplement.decided')) {
      if (e.payload.quoteId === verdict.quote!.quoteId && !approvals.has(e.payload.supplementId)) approvals.set(e.payload.supplementId, e.payload.decision === 'approve' ? e.payload.totalInclVatCents : 0);
    }
    const expected = (submissions[0]?.payload.calculation?.totalInclVatCents ?? Number.NaN) + [...approvals.values()].reduce((a, b) => a + b, 0);
    expect(verdict.approvedTotalCents, 'validated transmission + approved supplements').toBe(expected);
  } else {
    expect(verdict.approvedTotalCents, `approved total of a ${verdict.status}/${verdict.outcome} mission`).toBeNull();
  }

  // Each supplement the garage submitted: the same status at quote, expert-review and mission-intake.
  for (const id of world.told.supplements) {
    const atQuote = world.supplements.get(id)?.status;
    const atReview = world.reviewSupplements.get(id)?.status;
    const inVerdict = verdict.supplements.find((s) => s.supplementId === id)?.status;
    expect({ atQuote, atReview, inVerdict }, `supplement ${id}`).toEqual({ atQuote: atReview, atReview, inVerdict: atReview });
  }
  for (const { supplementId, decision } of world.told.supplementDecisions) {
    expect(world.supplements.get(supplementId)?.status, `supplement ${supplementId} decided ${decision}`).toBe(decision === 'approve' ? 'approved' : 'rejected');
  }

  // The payment split never gives the insurer more than the approved total.
  for (const { payload } of world.published('payment.requested')) {
    if (payload.approvedTotalCents !== undefined) expect(payload.insurerShareCents).toBeLessThanOrEqual(payload.approvedTotalCents);
  }
  if (verdict.payment) {
    const request = world.published('payment.requested').find((e) => e.payload.invoiceNumber === verdict.payment!.invoiceNumber)!.payload;
    expect(request.approvedTotalCents ?? null, 'the payment was split against the approved total').toBe(verdict.approvedTotalCents);
    expect(request.insurerShareCents).toBeLessThanOrEqual(verdict.approvedTotalCents ?? Number.POSITIVE_INFINITY);
  }
  return verdict;
}

/** What each service answers to the second loop's commands once the verdict is known. */
function expectRefusals(world: World): void {
  const verdict = project(world.mission);
  const at = new Date(world.now + 1);
  const copy = world.quoteCopy!;
  // The insurer extends only while the garage has to act.
  const extension = decideExtension(world.mission, { eventId: 'probe', deadline: new Date((verdict.deadline ?? DEADLINE).getTime() + 60_000), by: 'INS1', at });
  if (!awaitsQuote(verdict.status)) expect(extension.ok, `an extension on a ${verdict.status} mission`).toBe(false);
  for (const q of world.quotes) {
    // A returned quote is transmitted again only before its due date, never on a final mission.
    const closing = quote.decide({ mission: copy, quote: q }, { type: 'close', at });
    if (closing.ok) {
      expect(isFinal(verdict.status), `close of ${q.id} (${q.status}) on a ${verdict.status} mission`).toBe(false);
      expect(at.getTime(), 'a close after the deadline that holds').toBeLessThanOrEqual(verdict.deadline!.getTime());
    }
    // Supplements only on a validated repair expertise, before its payment request, never on a voided quote.
    const supplement = quoteSupplement.decideSupplement(
      { mission: copy, quote: q, supplement: null },
      { type: 'create_supplement', supplementId: 'sup-probe', reason: 'probe', calculation: { calculationNumber: 'P', lines: [{ kind: 'part', description: 'x', quantity: 1, unitPriceCents: 1_00 }] }, at },
    );
    if (supplement.ok) {
      expect([verdict.status, verdict.outcome, verdict.paymentRequested, q.status], `a supplement on ${q.id}`).toEqual(['closed', 'validated', false, 'closed']);
      expect(verdict.quote?.quoteId).toBe(q.id);
    }
  }
  // The expert decides supplements only on a case validated for repairs.
  for (const s of world.reviewSupplements.values()) {
    const kase = world.cases.get(s.quoteId);
    const row = world.caseRows.get(s.quoteId);
    if (!kase || !row) continue;
    const decided = reviewSupplement.decideSupplement({ status: 'submitted' }, { status: kase.status, procedure: row.procedure }, { decision: 'approve', ...EXPERT, at });
    if (decided.ok) expect([verdict.status, verdict.outcome, verdict.quote?.quoteId], `a supplement decision on the case of ${s.quoteId}`).toEqual(['closed', 'validated', s.quoteId]);
  }
  // A request for information waits for the garage: the case takes no decision meanwhile.
  if (verdict.status === 'information_requested' && verdict.quote) {
    const kase = world.cases.get(verdict.quote.quoteId)!;
    expect(review.decide(kase, { type: 'decide', decision: 'validate', ...EXPERT, at }).ok, 'a decision while information is requested').toBe(false);
  }
}

describe('the second loop, replayed step by step', () => {
  it('an extension the scheduler learns after sweeping on the old deadline: that expiry never counts, the one on the new deadline does', () => {
    // The insurer extends by a minute; the scheduler has not read it when the old deadline passes.
    const world = play(
      [...settle, after(30_000, { kind: 'extend', deltaMs: 60_000 }), deliverTo('quote'), after(31_000, { kind: 'sweep' }), catchUp('mission-intake')],
      [0],
    );
    const [early] = world.published('mission.expired');
    expect(early?.payload.deadline).toBe(DEADLINE.toISOString());
    let verdict = expectAgreement(world);
    expect([verdict.status, iso(verdict.deadline), world.deadline.status]).toEqual(['new', new Date(DEADLINE.getTime() + 60_000).toISOString(), 'running']);
    // The garage still has until the new deadline; nobody closes, the next sweep expires it.
    world.now += 60_000;
    world.sweep();
    world.drain([0, 1, 2, 3, 4]);
    verdict = expectAgreement(world);
    expect([verdict.status, iso(verdict.deadline)]).toEqual(['expired', new Date(DEADLINE.getTime() + 60_000).toISOString()]);
    expect(world.published('mission.expired')).toHaveLength(2);
  });

  it('an extension learned late lets a close between the two deadlines win everywhere', () => {
    const world = play(
      [...settle, after(30_000, { kind: 'extend', deltaMs: 60_000 }), after(31_000, { kind: 'sweep' }), catchUp('quote'), at0({ kind: 'close', procedure: 'standard' }), ...settle, ...settle],
      [0],
    );
    const verdict = expectAgreement(world);
    expect([verdict.status, world.quotes.map((q) => q.status), world.deadline.status]).toEqual(['under_analysis', ['closed'], 'settled']);
  });

  it('a request for information nobody answers in time: the mission expires, its quote is voided and its case withdrawn everywhere', () => {
    const world = play([...settle, after(1_000, { kind: 'close', procedure: 'standard' }), ...settle, after(1_000, { kind: 'decide', decision: 'request_information', respondByMs: 2_000 }), ...settle, after(3_000, { kind: 'sweep' }), ...settle, ...settle], [0]);
    const verdict = expectAgreement(world);
    const [q] = world.quotes;
    expect([verdict.status, verdict.voidedQuoteIds, q!.status, world.cases.get(q!.id)?.status, world.deadline.status]).toEqual(['expired', [q!.id], 'voided', 'withdrawn', 'expired']);
    // Too late: quote refuses the next transmission.
    world.close('standard');
    expect(world.quotes.map((known) => known.transmissions)).toEqual([1]);
  });

  it('an answer on time learned after the sweep expired the request: the expiry is voided, the quote and case come back on transmission 2', () => {
    const world = play(
      [
        ...settle,
        after(1_000, { kind: 'close', procedure: 'standard' }),
        ...settle,
        after(1_000, { kind: 'decide', decision: 'request_information', respondByMs: 5_000 }),
        ...settle,
        after(1_000, { kind: 'edit', unitPriceCents: 500_00 }),
        at0({ kind: 'close', procedure: 'standard' }),
        after(5_000, { kind: 'sweep' }),
        catchUp('mission-intake'), // the expiry first
        ...settle,
        ...settle,
      ],
      [0],
    );
    const verdict = expectAgreement(world);
    const [q] = world.quotes;
    expect([verdict.status, verdict.transmission, q!.status, q!.transmissions, world.cases.get(q!.id)]).toEqual([
      'under_analysis',
      2,
      'closed',
      2,
      // The case's own last decision is the request on transmission 1: none yet on the answer.
      { status: 'open', decisions: 1, withdrawal: null, transmission: 2, lastDecision: { decision: 'request_information', transmission: 1 } },
    ]);
    expect(verdict.tracking.map((e) => e.code)).toContain('expiry.voided');
  });

  it('a supplement approved on a validated expertise: one approved total everywhere, and the split keeps the insurer within it', () => {
    const world = play(
      [
        ...settle,
        after(1_000, { kind: 'close', procedure: 'standard' }),
        ...settle,
        after(1_000, { kind: 'decide', decision: 'validate' }),
        ...settle,
        after(1_000, { kind: 'supplement', unitPriceCents: 100_00 }),
        ...settle,
        after(1_000, { kind: 'decide_supplement', pick: 0, decision: 'approve' }),
        ...settle,
        after(1_000, { kind: 'pay', amountCents: 2_000_00 }),
        ...settle,
      ],
      [0],
    );
    const verdict = expectAgreement(world);
    expect(verdict.approvedTotalCents).toBe(FIRST_TOTAL + 121_00);
    const [payment] = world.published('payment.requested');
    // 629.20 approved, no VAT recovered by a private owner, less the 250.00 deductible.
    expect([payment?.payload.insurerShareCents, payment?.payload.ownerShareCents]).toEqual([FIRST_TOTAL + 121_00 - 250_00, 2_000_00 - (FIRST_TOTAL + 121_00 - 250_00)]);
  });

  it('two verdicts of one consumed batch share their instant: the request for information they end on still expires', () => {
    // mission-intake's consumer lags; it then reads the office's two decisions in one batch (pending
    // validation, then a request for information due 2 s later) and stamps both verdicts with the
    // one clock reading of that transaction (`mission-handler.ts`, commit's `at`).
    const world = play(
      [
        ...settle,
        after(1_000, { kind: 'close', procedure: 'standard' }),
        ...settle,
        after(1_000, { kind: 'decide', decision: 'pending_validation' }),
        after(1_000, { kind: 'decide', decision: 'request_information', respondByMs: 2_000 }),
        catchUp('mission-intake'),
        ...settle,
      ],
      [0],
    );
    const verdicts = world.published('mission.status-changed').slice(-2);
    expect(verdicts.map((e) => [e.payload.status, e.payload.changedAt, e.payload.deadline])).toEqual([
      ['pending_validation', new Date(T0 + 3_000).toISOString(), DEADLINE.toISOString()],
      ['information_requested', new Date(T0 + 3_000).toISOString(), new Date(T0 + 5_000).toISOString()],
    ]);
    // The garage does not answer: the request expires like any overdue Smart Expertise.
    world.now += 3_000;
    world.sweep();
    world.drain([0]);
    expect({ mission: project(world.mission).status, scheduler: world.deadline.status, schedulerDeadline: iso(world.deadline.deadline) }).toEqual({
      mission: 'expired',
      scheduler: 'expired',
      schedulerDeadline: new Date(T0 + 5_000).toISOString(),
    });
  });
});

describe('the second loop, replayed step by step: a reinstated quote', () => {
  // The expert asks for information (due at T0 + 12 s); the garage answers on time and the office
  // decides on the answer, while mission-intake has read neither yet. The sweep expires the request's
  // due date; mission-intake reads that expiry first (the mission expires, quote voids the quote and
  // the office withdraws the case), then the answer (the expiry is voided, quote reinstates the quote,
  // quote.reinstated says `under_analysis`), then the office's decision.
  const answeredThenDecided = (decision: Step['action']): Step[] => [
    ...settle,
    after(1_000, { kind: 'close', procedure: 'standard' }),
    ...settle,
    after(1_000, { kind: 'decide', decision: 'request_information', respondByMs: 10_000 }),
    ...settle,
    after(1_000, { kind: 'close', procedure: 'standard' }),
    catchUp('expert-review'),
    after(1_000, decision),
    after(8_001, { kind: 'sweep' }),
    deliverTo('mission-intake', 2), // its logs: quote, expert-review, expiry-scheduler: the expiry first
    ...settle,
    ...settle,
  ];

  it('validated by the office on the answer: the case comes back validated, not open', () => {
    const world = play(answeredThenDecided({ kind: 'decide', decision: 'validate' }), [0]);
    const verdict = project(world.mission);
    const [q] = world.quotes;
    expect(world.published('quote.reinstated').map((e) => e.payload.missionStatus)).toEqual(['under_analysis']);
    expect([verdict.status, verdict.outcome, q!.status, q!.transmissions]).toEqual(['closed', 'validated', 'closed', 2]);
    expect(world.cases.get(q!.id)?.status, "the office's case").toBe('validated');
    expectAgreement(world);
  });

  it('returned again by the office on the answer: the case waits for the garage, not open', () => {
    const world = play(answeredThenDecided({ kind: 'decide', decision: 'request_information', respondByMs: 20_000 }), [0]);
    const verdict = project(world.mission);
    const [q] = world.quotes;
    expect([verdict.status, verdict.transmission, q!.status]).toEqual(['information_requested', 2, 'returned']);
    expect(world.cases.get(q!.id)?.status, "the office's case").toBe('information_requested');
  });
});

describe('every service agrees on the second loop, whatever the interleaving', () => {
  it('the deadline that holds, the transmission, the approved total, the supplements, and exactly one expiry', () => {
    fc.assert(
      fc.property(secondLoopScenarioArbitrary, (scenario) => {
        expectAgreement(playScenario(scenario));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('accepts no extension, transmission or supplement the verdict does not allow', () => {
    fc.assert(
      fc.property(secondLoopScenarioArbitrary, (scenario) => {
        expectRefusals(playScenario(scenario));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('leaves no mission waiting for the garage forever: once every deadline has passed, the sweep ends it', () => {
    fc.assert(
      fc.property(secondLoopScenarioArbitrary, (scenario) => {
        const world = playScenario(scenario);
        const before: MissionStatus = project(world.mission).status;
        world.now += 24 * 3_600_000;
        world.sweep();
        world.drain(scenario.drainOrder);
        const verdict = expectAgreement(world);
        expect(awaitsQuote(verdict.status), `a ${before} mission is ${verdict.status} a day after every deadline (scheduler ${world.deadline.status})`).toBe(false);
        if (awaitsQuote(before)) expect(verdict.status).toBe('expired');
        // The expert's queue says the same.
        for (const [quoteId, kase] of world.cases) {
          const q = world.quotes.find((known) => known.id === quoteId)!;
          expect(kase.status, `case of ${quoteId}`).toBe(q.status === 'voided' ? 'withdrawn' : CASE_OF[verdict.status]);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
