// The four services, each through its own production decision and projection code, fed by random
// interleavings of the procedure's actions (deposit, close, abandon, cancel, expiry sweeps, expert
// decisions, payment requests) with late, reordered and duplicated deliveries. Kafka is modelled as
// it behaves: one ordered log per publishing service, each consumer reading each log in order at its
// own pace, every message possibly delivered again (a relay killed between publish and mark), and
// the inbox of each consumer as production has it. Once every message is delivered, every service
// must hold the same verdict, and none may accept a command on a voided or final mission.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, EventPayload, EventType, MissionSnapshot } from '@smart-expertise/contracts';
import {
  decideAbandon,
  decideCancel,
  evolve as evolveMission,
  initialState as noFacts,
  isFinal,
  project,
  verdictChanged,
  type MissionFact,
  type MissionState,
  type MissionView,
} from '@smart-expertise/contracts/procedure';
import { statusChangedPayload } from '../../../services/mission-intake/src/domain/verdict.ts';
import * as quote from '../../../services/quote/src/domain/quote.ts';
import * as review from '../../../services/expert-review/src/domain/decision.ts';
import * as scheduler from '../../../services/expiry-scheduler/src/domain/deadline.ts';

type Topic = 'mission-intake' | 'quote' | 'expert-review' | 'expiry-scheduler';
type Consumer = 'mission-intake' | 'quote' | 'expert-review' | 'expiry-scheduler';
interface Message<T extends EventType = EventType> {
  readonly id: string;
  readonly type: T;
  readonly payload: EventPayload<T>;
}

/** Who reads which log: the event flow of the README. */
const READS: Record<Consumer, readonly Topic[]> = {
  'mission-intake': ['quote', 'expert-review', 'expiry-scheduler'],
  quote: ['mission-intake'],
  'expert-review': ['quote'],
  'expiry-scheduler': ['mission-intake'],
};
const CONSUMERS = Object.keys(READS) as Consumer[];

const MISSION = 'm1';
const T0 = Date.UTC(2026, 2, 20, 10, 0);
const DEADLINE = new Date(T0 + 60_000);
const EXPERT = { expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56' };
const SNAPSHOT: MissionSnapshot = {
  id: MISSION,
  insurerId: 'INS1',
  insurerMissionRef: 'REF-1',
  garageId: 'G1',
  expertOfficeId: 'EXP1',
  claim: { claimNumber: 'CL-1', policyNumber: 'POL-1', lossDate: '2026-03-01', circumstances: 'Rear-ended' },
  vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-02' },
  owner: { name: 'Anne Peeters', phone: '+32 470 12 34 56', email: 'anne@example.be', vatRegime: 'none' },
  directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
};

type Action =
  | { kind: 'close'; procedure: 'standard' | 'total_loss' }
  | { kind: 'discard_and_restart' }
  | { kind: 'abandon' }
  | { kind: 'cancel' }
  | { kind: 'decide'; decision: Decision }
  | { kind: 'pay' }
  | { kind: 'sweep' }
  | { kind: 'deliver'; consumer: Consumer; pick: number }
  | { kind: 'redeliver'; consumer: Consumer; pick: number };

interface Step {
  readonly action: Action;
  /** Milliseconds that pass before the action. */
  readonly dt: number;
}

/** What each user was told: 2xx answers only. */
interface Told {
  abandon: boolean;
  cancel: boolean;
  closes: string[];
  decisions: number;
  payment: boolean;
}

class World {
  now = T0;
  private seq = 0;
  readonly logs: Record<Topic, Message[]> = { 'mission-intake': [], quote: [], 'expert-review': [], 'expiry-scheduler': [] };
  readonly cursors = Object.fromEntries(CONSUMERS.map((c) => [c, Object.fromEntries(READS[c].map((t) => [t, 0]))])) as Record<Consumer, Record<Topic, number>>;
  readonly inboxes = Object.fromEntries(CONSUMERS.map((c) => [c, new Set<string>()])) as Record<Consumer, Set<string>>;
  readonly told: Told = { abandon: false, cancel: false, closes: [], decisions: 0, payment: false };

  // mission-intake: the facts and the last verdict.
  mission: MissionState = noFacts;
  verdict: MissionView | null = null;
  // quote: the mission's copy and its quotes (the current one last).
  quoteCopy: quote.MissionCopy | null = null;
  quotes: quote.QuoteState[] = [];
  // expert-review: a case per quote, and the voids heard of.
  cases = new Map<string, review.ReviewCaseState>();
  voids = new Map<string, review.WithdrawCommand>();
  // expiry-scheduler
  deadline: scheduler.DeadlineState = scheduler.initialState(MISSION);

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}-${String(this.seq).padStart(4, '0')}`;
  }

  private publish<T extends EventType>(topic: Topic, type: T, payload: EventPayload<T>): void {
    this.logs[topic].push({ id: this.id('ev'), type, payload } as Message);
  }

  private at(): Date {
    return new Date(this.now);
  }

  // ---- mission-intake ------------------------------------------------------------------------------

  deposit(): void {
    const fact: MissionFact = { type: 'received', eventId: this.id('ev'), at: this.at(), deadline: DEADLINE };
    this.mission = evolveMission(this.mission, fact);
    this.verdict = project(this.mission);
    this.logs['mission-intake'].push({
      id: fact.eventId,
      type: 'mission.received',
      payload: {
        mission: SNAPSHOT,
        deadline: DEADLINE.toISOString(),
        receivedAt: this.at().toISOString(),
        policy: { workingDays: 5, minPhotos: 1, reviewThresholds: { agreedLabourRateCents: 65_00, smartCeilingCents: 5_000_00, totalLossRatioPercent: 70 } },
      },
    } as Message);
  }

  /** The one command handler's effect: record, project, publish the verdict when it changed. */
  private learn(fact: MissionFact): void {
    const before = this.verdict;
    this.mission = evolveMission(this.mission, fact);
    const after = project(this.mission);
    this.verdict = after;
    if (verdictChanged(before, after)) {
      const parties = { insurerId: SNAPSHOT.insurerId, garageId: SNAPSHOT.garageId, expertOfficeId: SNAPSHOT.expertOfficeId, deadline: DEADLINE };
      this.publish('mission-intake', 'mission.status-changed', statusChangedPayload(parties, before, after, this.at()));
    }
  }

  abandon(): void {
    const decision = decideAbandon(this.mission, { eventId: this.id('ev'), reason: 'The owner took the car elsewhere', by: 'G1', at: this.at() });
    if (!decision.ok) return;
    this.told.abandon = true;
    this.logs['mission-intake'].push({ id: decision.fact.eventId, type: 'mission.abandoned', payload: { garageId: 'G1', reason: decision.fact.reason, abandonedAt: this.at().toISOString(), abandonedBy: 'G1' } } as Message);
    this.learn(decision.fact);
  }

  cancel(): void {
    const decision = decideCancel(this.mission, { eventId: this.id('ev'), reason: 'Claim settled elsewhere', by: 'INS1', at: this.at() });
    if (!decision.ok) return;
    this.told.cancel = true;
    this.logs['mission-intake'].push({ id: decision.fact.eventId, type: 'mission.cancelled', payload: { insurerId: 'INS1', reason: decision.fact.reason, cancelledAt: this.at().toISOString(), cancelledBy: 'INS1' } } as Message);
    this.learn(decision.fact);
  }

  private applyAtMissionIntake(message: Message): void {
    switch (message.type) {
      case 'quote.submitted': {
        const p = message.payload as EventPayload<'quote.submitted'>;
        return this.learn({ type: 'quote_submitted', eventId: message.id, at: new Date(p.closedAt), procedure: p.procedure, quoteId: p.quoteId });
      }
      case 'payment.requested': {
        const p = message.payload as EventPayload<'payment.requested'>;
        return this.learn({
          type: 'payment_requested',
          eventId: message.id,
          at: new Date(p.requestedAt),
          invoiceNumber: p.invoiceNumber,
          insurerShareCents: p.insurerShareCents,
          ownerShareCents: p.ownerShareCents,
          flagged: p.aboveValidatedQuote,
        });
      }
      case 'review.decided': {
        const p = message.payload as EventPayload<'review.decided'>;
        return this.learn({ type: 'review_decided', eventId: message.id, at: new Date(p.decidedAt), sequence: p.sequence, decision: p.decision, expertName: p.expertName, expertPhone: p.expertPhone, quoteId: p.quoteId });
      }
      case 'mission.expired': {
        const p = message.payload as EventPayload<'mission.expired'>;
        return this.learn({ type: 'expired', eventId: message.id, at: new Date(p.expiredAt), deadline: new Date(p.deadline) });
      }
      default:
        return; // quote.voided is for expert-review
    }
  }

  // ---- quote ---------------------------------------------------------------------------------------

  private currentQuote(): quote.QuoteState | null {
    return this.quotes.at(-1) ?? null;
  }

  /** Runs a command through the quote decider; on success folds its events and returns them. */
  private quoteCommand(command: quote.QuoteCommand, on: quote.QuoteState | null = this.currentQuote()): readonly quote.QuoteEvent[] | null {
    if (this.quoteCopy === null) return null; // 404: the mission has not reached the quote service yet
    const state: quote.State = { mission: this.quoteCopy, quote: on };
    const decision = quote.decide(state, command);
    if (!decision.ok) return null;
    const next = decision.events.reduce(quote.evolve, state);
    this.quoteCopy = next.mission;
    if (next.quote) {
      const index = this.quotes.findIndex((q) => q.id === next.quote!.id);
      if (index === -1) this.quotes.push(next.quote);
      else this.quotes[index] = next.quote;
    }
    return decision.events;
  }

  close(procedure: 'standard' | 'total_loss'): void {
    const at = this.at();
    let current = this.currentQuote();
    if (current === null || current.status === 'discarded' || current.status === 'voided') {
      if (!this.quoteCommand({ type: 'create', quoteId: this.id('q'), procedure, at }, null)) return;
      current = this.currentQuote()!;
      const photo: quote.NewPhoto = { id: this.id('ph'), sha256: 'a'.repeat(64), contentType: 'image/jpeg', fileName: 'damage.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff]) };
      if (current.procedure === 'standard') {
        this.quoteCommand({ type: 'set_calculation', calculation: { calculationNumber: 'AUD-1', lines: [{ kind: 'part', description: 'Rear bumper', quantity: 1, unitPriceCents: 420_00 }] }, at });
        this.quoteCommand({ type: 'set_smart_frame', smartFrame: { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false }, at });
      } else {
        this.quoteCommand({ type: 'set_vehicle_status', vehicleStatus: 'not_drivable', note: null, at });
      }
      this.quoteCommand({ type: 'add_photos', photos: [photo], maxPhotos: 50, at });
    }
    const closed = this.quoteCommand({ type: 'close', at });
    if (!closed) return;
    const q = this.currentQuote()!;
    this.told.closes.push(q.id);
    this.publish('quote', 'quote.submitted', {
      quoteId: q.id,
      garageId: 'G1',
      expertOfficeId: 'EXP1',
      procedure: q.procedure,
      closedAt: at.toISOString(),
      calculation: null,
      smartFrame: null,
      vehicleStatus: null,
      vehicleStatusNote: null,
      photos: [],
    });
  }

  discardAndRestart(): void {
    const current = this.currentQuote();
    if (current?.status === 'draft') this.quoteCommand({ type: 'discard', reason: 'switching procedure', at: this.at() });
  }

  pay(): void {
    const current = this.currentQuote();
    if (!current) return;
    const invoice = { invoiceNumber: 'F-1', invoiceDate: quote.brusselsDate(this.at()), amountCents: 1_000_00, replacementVehicle: false };
    const events = this.quoteCommand({ type: 'request_payment', invoice, at: this.at() }, current);
    const requested = events?.find((e): e is Extract<quote.QuoteEvent, { type: 'payment_requested' }> => e.type === 'payment_requested');
    if (!events) return;
    this.told.payment = true;
    if (!requested) return; // the same request again: the same answer, nothing new
    const r = requested.request;
    this.publish('quote', 'payment.requested', {
      quoteId: r.quoteId,
      garageId: 'G1',
      invoiceNumber: r.invoiceNumber,
      invoiceDate: r.invoiceDate,
      amountCents: r.amountCents,
      replacementVehicle: r.replacementVehicle,
      insurerShareCents: r.insurerShareCents,
      ownerShareCents: r.ownerShareCents,
      recoverableVatCents: r.recoverableVatCents,
      deductibleAppliedCents: r.deductibleAppliedCents,
      aboveCeilingCents: r.aboveCeilingCents,
      aboveValidatedQuote: r.aboveValidatedQuote,
      requestedAt: r.requestedAt,
    });
  }

  private applyAtQuote(message: Message): void {
    if (message.type === 'mission.received') {
      const p = message.payload as EventPayload<'mission.received'>;
      this.quoteCopy ??= {
        id: MISSION,
        garageId: p.mission.garageId,
        status: 'new',
        outcome: null,
        deadline: new Date(p.deadline),
        minPhotos: p.policy.minPhotos,
        directPayment: p.mission.directPayment,
        owner: { vatRegime: p.mission.owner.vatRegime },
        snapshot: p.mission,
        liveQuoteId: null,
      };
      return;
    }
    if (message.type !== 'mission.status-changed' || this.quoteCopy === null) return;
    const p = message.payload as EventPayload<'mission.status-changed'>;
    this.quoteCopy = { ...this.quoteCopy, status: p.status, outcome: p.outcome };
    for (const q of [...this.quotes]) {
      const events = this.quoteCommand({ type: 'apply_verdict', status: p.status, voidedQuoteIds: p.voidedQuoteIds, quoteId: p.quoteId, at: new Date(p.changedAt) }, q);
      for (const e of events ?? []) {
        if (e.type === 'quote_voided' && e.previousStatus === 'closed') {
          this.publish('quote', 'quote.voided', { quoteId: q.id, garageId: 'G1', expertOfficeId: 'EXP1', missionStatus: e.missionStatus, voidedAt: e.at.toISOString() });
        }
        if (e.type === 'quote_reinstated') {
          this.publish('quote', 'quote.reinstated', { quoteId: q.id, garageId: 'G1', expertOfficeId: 'EXP1', missionStatus: e.missionStatus, reinstatedAt: e.at.toISOString() });
        }
      }
    }
  }

  // ---- expert-review -------------------------------------------------------------------------------

  private withdraw(quoteId: string, command: review.WithdrawCommand): void {
    const state = this.cases.get(quoteId);
    if (!state) return;
    const result = review.decide(state, command);
    if (result.ok) this.cases.set(quoteId, review.fold(state, result.events));
  }

  decide(decision: Decision): void {
    // The expert works on the newest case of the queue.
    const entry = [...this.cases.entries()].at(-1);
    if (!entry) return;
    const [quoteId, state] = entry;
    const result = review.decide(state, { type: 'decide', decision, ...EXPERT, at: this.at() });
    if (!result.ok) return;
    this.cases.set(quoteId, review.fold(state, result.events));
    this.told.decisions += 1;
    for (const e of result.events) {
      this.publish('expert-review', 'review.decided', {
        reviewId: `rv-${quoteId}`,
        quoteId,
        expertOfficeId: 'EXP1',
        decision: e.decision,
        expertName: e.expertName,
        expertPhone: e.expertPhone,
        note: e.note,
        decidedAt: e.at.toISOString(),
        sequence: e.sequence,
      });
    }
  }

  private applyAtExpertReview(message: Message): void {
    if (message.type === 'quote.submitted') {
      const p = message.payload as EventPayload<'quote.submitted'>;
      if (this.cases.has(p.quoteId)) return;
      this.cases.set(p.quoteId, review.initialReviewCase);
      const voided = this.voids.get(p.quoteId);
      if (voided) this.withdraw(p.quoteId, voided);
    } else if (message.type === 'quote.voided') {
      const p = message.payload as EventPayload<'quote.voided'>;
      const command: review.WithdrawCommand = { type: 'withdraw', missionStatus: p.missionStatus, at: new Date(p.voidedAt) };
      if (!this.voids.has(p.quoteId)) this.voids.set(p.quoteId, command);
      this.withdraw(p.quoteId, command);
    } else if (message.type === 'quote.reinstated') {
      const p = message.payload as EventPayload<'quote.reinstated'>;
      this.voids.delete(p.quoteId);
      const state = this.cases.get(p.quoteId);
      if (!state) return;
      const result = review.decide(state, { type: 'reinstate', missionStatus: p.missionStatus, at: new Date(p.reinstatedAt) });
      if (result.ok) this.cases.set(p.quoteId, review.fold(state, result.events));
    }
  }

  // ---- expiry-scheduler ----------------------------------------------------------------------------

  sweep(): void {
    if (this.deadline.status !== 'running' || this.deadline.deadline === null || this.now <= this.deadline.deadline.getTime()) return;
    this.deadline = scheduler.evolve(this.deadline, { type: 'expired', expiredAt: this.at() });
    this.publish('expiry-scheduler', 'mission.expired', { deadline: (this.deadline.deadline ?? DEADLINE).toISOString(), expiredAt: this.at().toISOString(), runId: this.id('run') });
  }

  private applyAtScheduler(message: Message): void {
    if (message.type === 'mission.received') {
      const p = message.payload as EventPayload<'mission.received'>;
      this.deadline = scheduler.evolve(this.deadline, { type: 'mission.received', eventId: message.id, deadline: new Date(p.deadline) });
    } else if (message.type === 'mission.status-changed') {
      const p = message.payload as EventPayload<'mission.status-changed'>;
      this.deadline = scheduler.evolve(this.deadline, { type: 'mission.status-changed', status: p.status, changedAt: new Date(p.changedAt), deadline: new Date(p.deadline) });
    }
  }

  // ---- Kafka ---------------------------------------------------------------------------------------

  /** The consumer's next message of one of its logs (the pick chooses which log), through its inbox. */
  deliver(consumer: Consumer, pick: number): boolean {
    const ready = READS[consumer].filter((t) => this.cursors[consumer][t] < this.logs[t].length);
    if (ready.length === 0) return false;
    const topic = ready[pick % ready.length]!;
    const message = this.logs[topic][this.cursors[consumer][topic]++]!;
    this.consume(consumer, message);
    return true;
  }

  /** A message already delivered comes again (a relay published it twice, or the group rewound). */
  redeliver(consumer: Consumer, pick: number): void {
    const seen = READS[consumer].flatMap((t) => this.logs[t].slice(0, this.cursors[consumer][t]));
    if (seen.length > 0) this.consume(consumer, seen[pick % seen.length]!);
  }

  private consume(consumer: Consumer, message: Message): void {
    const inbox = this.inboxes[consumer];
    if (inbox.has(message.id)) return;
    inbox.add(message.id);
    if (consumer === 'mission-intake') this.applyAtMissionIntake(message);
    else if (consumer === 'quote') this.applyAtQuote(message);
    else if (consumer === 'expert-review') this.applyAtExpertReview(message);
    else this.applyAtScheduler(message);
  }

  /** Delivers everything, consumers taking turns in an order of the test's choosing, until all logs are read. */
  drain(order: readonly number[]): void {
    for (let i = 0; ; i++) {
      const pending = CONSUMERS.filter((c) => READS[c].some((t) => this.cursors[c][t] < this.logs[t].length));
      if (pending.length === 0) return;
      const pick = order[i % order.length] ?? 0;
      this.deliver(pending[pick % pending.length]!, pick >> 2);
    }
  }
}

function play(steps: readonly Step[], drainOrder: readonly number[]): World {
  const world = new World();
  world.deposit();
  for (const { action, dt } of steps) {
    world.now += dt;
    switch (action.kind) {
      case 'close':
        world.close(action.procedure);
        break;
      case 'discard_and_restart':
        world.discardAndRestart();
        break;
      case 'abandon':
        world.abandon();
        break;
      case 'cancel':
        world.cancel();
        break;
      case 'decide':
        world.decide(action.decision);
        break;
      case 'pay':
        world.pay();
        break;
      case 'sweep':
        world.sweep();
        break;
      case 'deliver':
        world.deliver(action.consumer, action.pick);
        break;
      case 'redeliver':
        world.redeliver(action.consumer, action.pick);
        break;
      default: {
        const unknown: never = action;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
  }
  world.drain(drainOrder);
  return world;
}

const consumer = fc.constantFrom<Consumer>(...CONSUMERS);
const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  // Races need actions at the same instant or close together: many steps take no time at all.
  dt: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 50 }) }, { weight: 2, arbitrary: fc.integer({ min: 51, max: 8_000 }) }),
  action: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<'standard' | 'total_loss'>('standard', 'total_loss').map((procedure): Action => ({ kind: 'close', procedure })) },
    { weight: 1, arbitrary: fc.constant<Action>({ kind: 'discard_and_restart' }) },
    { weight: 2, arbitrary: fc.constant<Action>({ kind: 'abandon' }) },
    { weight: 2, arbitrary: fc.constant<Action>({ kind: 'cancel' }) },
    { weight: 3, arbitrary: fc.constantFrom<Decision>('validate', 'pending_validation', 'remote_intervention', 'onsite_intervention').map((decision): Action => ({ kind: 'decide', decision })) },
    { weight: 2, arbitrary: fc.constant<Action>({ kind: 'pay' }) },
    { weight: 2, arbitrary: fc.constant<Action>({ kind: 'sweep' }) },
    { weight: 10, arbitrary: fc.record({ consumer, pick: fc.nat(64) }).map((d): Action => ({ kind: 'deliver', ...d })) },
    { weight: 2, arbitrary: fc.record({ consumer, pick: fc.nat(64) }).map((d): Action => ({ kind: 'redeliver', ...d })) },
  ),
});
const scenario = fc.record({ steps: fc.array(stepArbitrary, { minLength: 5, maxLength: 60 }), drainOrder: fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }) });

/** The review case's status for each mission status that rests on a live quote. */
const CASE_OF: Partial<Record<string, review.ReviewStatus>> = {
  under_analysis: 'open',
  pending_validation: 'pending_validation',
  remote_intervention: 'remote_intervention',
  onsite_intervention: 'onsite_intervention',
  closed: 'validated',
};

describe('the races found so far, replayed step by step', () => {
  const d = (consumer: Consumer): Step => ({ dt: 0, action: { kind: 'deliver', consumer, pick: 0 } });
  const act = (action: Action): Step => ({ dt: 0, action });

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
});

describe('every service reaches the same verdict, whatever the interleaving', () => {
  it('agrees on the status, the voided quotes, the open case and the running deadline', () => {
    fc.assert(
      fc.property(scenario, ({ steps, drainOrder }) => {
        const world = play(steps, drainOrder);
        const verdict = project(world.mission);
        // quote's copy says what mission-intake says.
        if (world.quoteCopy) expect([world.quoteCopy.status, world.quoteCopy.outcome]).toEqual([verdict.status, verdict.outcome]);
        for (const q of world.quotes) {
          if (verdict.voidedQuoteIds.includes(q.id)) expect(q.status, `quote ${q.id}`).toBe('voided');
          if (verdict.quote?.quoteId === q.id) expect(q.status, `quote ${q.id}`).toBe('closed');
          if (q.status === 'closed') expect(verdict.quote?.quoteId, `closed quote ${q.id}`).toBe(q.id);
          // expert-review: a case for each transmitted quote, withdrawn exactly when the quote is voided.
          const kase = world.cases.get(q.id);
          if (q.closedAt !== null) expect(kase, `case of ${q.id}`).toBeDefined();
          if (kase) {
            const expected = q.status === 'voided' ? 'withdrawn' : CASE_OF[verdict.status];
            expect(kase.status, `case of ${q.id} when the mission is ${verdict.status}`).toBe(expected);
          }
        }
        // The scheduler: running exactly while the mission is new; expired exactly when the verdict says so
        // (or when an on-time close learned late voided the expiry).
        if (verdict.status === 'new') expect(world.deadline.status).toBe('running');
        else if (verdict.status === 'expired') expect(world.deadline.status).toBe('expired');
        else expect(['settled', 'expired']).toContain(world.deadline.status);
        // An expiry that lost to an on-time close was shown: the tracking says it was voided. One that
        // lost to an earlier abandon or cancel was never shown (the mission was already final).
        if (world.deadline.status === 'expired' && verdict.quote !== null) expect(verdict.tracking.map((e) => e.code)).toContain('expiry.voided');
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts no decision, close, payment or cancel on a voided or final mission once the verdict is known', () => {
    fc.assert(
      fc.property(scenario, ({ steps, drainOrder }) => {
        const world = play(steps, drainOrder);
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
        if (verdict.quote === null && verdict.status !== 'cancelled') expect(verdict.lastDecision).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });

  it('reverses nothing the users were told in silence', () => {
    fc.assert(
      fc.property(scenario, ({ steps, drainOrder }) => {
        const world = play(steps, drainOrder);
        const verdict = project(world.mission);
        const codes = verdict.tracking.map((e) => e.code);
        if (world.told.abandon && verdict.status !== 'abandoned') expect(codes).toContain('abandon.voided');
        if (world.told.cancel && verdict.status !== 'cancelled') expect(codes).toContain('cancel.voided');
        for (const quoteId of world.told.closes) {
          const lost = verdict.voidedQuoteIds.includes(quoteId) && verdict.status !== 'cancelled';
          if (lost) expect(codes).toContain('quote.voided');
        }
        if (world.told.payment && !verdict.paymentRequested) expect(codes).toContain('payment.voided');
      }),
      { numRuns: 3000 },
    );
  });
});
