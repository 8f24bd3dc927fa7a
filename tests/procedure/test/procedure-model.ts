// The model the property tests drive: the four services, each through its own production decision
// and projection code (deciders, folds, the consumers' event → fact functions, the payload builders
// the outbox writes use), connected by Kafka as it behaves. One ordered log per publishing service;
// each consumer group reads each of its logs in order at its own pace (quote has two groups: its
// verdicts and the expert's supplement decisions); any message may come again (a relay killed
// between publish and mark, a group rewound) and the group's inbox drops what it applied. A handler
// that throws rolls its transaction back, outbox included, and the event is parked.
//
// Only the glue is written here: which function each HTTP route or consumer calls with what, and
// which event it publishes, as services/*/src/http and services/*/src/events do. No rule is.
import fc from 'fast-check';
import { validateEvent, type Decision, type DomainEvent, type EventPayload, type EventType, type InsurerPolicy, type MissionSnapshot, type SupplementDecision, type SupplementStatus } from '@smart-expertise/contracts';
import {
  decideAbandon,
  decideCancel,
  decideExtension,
  evolve as evolveMission,
  initialState as noFacts,
  project,
  statusChangedPayload,
  verdictChanged,
  type MissionFact,
  type MissionState,
  type MissionView,
} from '@smart-expertise/contracts/procedure';
import { factOf as missionFactOf } from '../../../services/mission-intake/src/events/consumers.ts';
import * as quote from '../../../services/quote/src/domain/quote.ts';
import * as quoteSupplement from '../../../services/quote/src/domain/supplement.ts';
import { paymentRequestedPayload, quoteSubmittedPayload } from '../../../services/quote/src/events/published.ts';
import type { KnownMission } from '../../../services/quote/src/store/missions.ts';
import type { QuoteRecord } from '../../../services/quote/src/store/quotes.ts';
import * as review from '../../../services/expert-review/src/domain/decision.ts';
import * as reviewSupplement from '../../../services/expert-review/src/domain/supplement.ts';
import { caseQuoteOf } from '../../../services/expert-review/src/domain/review-file.ts';
import * as scheduler from '../../../services/expiry-scheduler/src/domain/deadline.ts';
import { expiryCutoff, warningHorizon } from '../../../services/expiry-scheduler/src/domain/sweep-window.ts';
import { factOf as deadlineFactOf } from '../../../services/expiry-scheduler/src/events/consumers.ts';

export type Topic = 'mission-intake' | 'quote' | 'expert-review' | 'expiry-scheduler';
/** A consumer group: its own positions, pace and inbox. */
export type Consumer = 'mission-intake' | 'quote' | 'quote-supplements' | 'expert-review' | 'expiry-scheduler';
export type Message = DomainEvent;

/** Who reads which log: the event flow of the README (and each service's events/consumers.ts). */
export const READS: Record<Consumer, readonly Topic[]> = {
  'mission-intake': ['quote', 'expert-review', 'expiry-scheduler'],
  quote: ['mission-intake'],
  'quote-supplements': ['expert-review'],
  'expert-review': ['quote'],
  'expiry-scheduler': ['mission-intake'],
};
export const CONSUMERS = Object.keys(READS) as Consumer[];

export const MISSION = 'm1';
export const T0 = Date.UTC(2026, 2, 20, 10, 0);
export const DEADLINE = new Date(T0 + 60_000);
/** The scheduler's warning horizon (DEADLINE_WARNING_HOURS), scaled to the model's minutes. */
export const WARNING_HOURS = 10 / 3600;
export const EXPERT = { expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56' };
export const POLICY: InsurerPolicy = {
  workingDays: 5,
  minPhotos: 1,
  reviewThresholds: { agreedLabourRateCents: 65_00, smartCeilingCents: 5_000_00, totalLossRatioPercent: 70 },
};
export const SNAPSHOT: MissionSnapshot = {
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
const PARTIES = { insurerId: SNAPSHOT.insurerId, garageId: SNAPSHOT.garageId, expertOfficeId: SNAPSHOT.expertOfficeId, deadline: DEADLINE };

export type Action =
  | { kind: 'close'; procedure: 'standard' | 'total_loss' }
  /** The garage changes the calculation of its draft or returned quote (an answer is often a corrected calculation). */
  | { kind: 'edit'; unitPriceCents: number }
  | { kind: 'discard_and_restart' }
  | { kind: 'abandon' }
  | { kind: 'cancel' }
  /** `respondByMs`: request_information only, the answer's due date after the request. */
  | { kind: 'decide'; decision: Decision; respondByMs?: number }
  /** The insurer's POST /v1/missions/{id}/deadline: the deadline it sees, moved by `deltaMs` (≤ 0: refused). */
  | { kind: 'extend'; deltaMs: number }
  /** The garage drafts, illustrates and submits a supplement on its quote. */
  | { kind: 'supplement'; unitPriceCents: number }
  /** The expert decides one of the supplements its office knows (`pick` chooses which). */
  | { kind: 'decide_supplement'; pick: number; decision: SupplementDecision }
  | { kind: 'pay'; amountCents: number }
  | { kind: 'sweep' }
  | { kind: 'deliver'; consumer: Consumer; pick: number }
  /** A consumer catches up: everything pending on its logs. */
  | { kind: 'catch_up'; consumer: Consumer; pick: number }
  | { kind: 'redeliver'; consumer: Consumer; pick: number };

export interface Step {
  readonly action: Action;
  /** Milliseconds that pass before the action. */
  readonly dt: number;
}

/** What each user was told: 2xx answers only. */
export interface Told {
  abandon: boolean;
  cancel: boolean;
  /** Each close answered 2xx (a quote closed again appears again). */
  closes: string[];
  decisions: number;
  requests: number;
  payment: boolean;
  /** Each extension answered 2xx: the deadline the insurer saw then, and the new one. */
  extensions: { eventId: string; at: Date; previous: Date; deadline: Date }[];
  /** Supplements submitted (ids), and those the expert decided. */
  supplements: string[];
  supplementDecisions: { supplementId: string; decision: SupplementDecision }[];
}

/** An event a handler kept refusing: parked with its reason, its effect rolled back. */
export interface Parked {
  readonly consumer: Consumer;
  readonly id: string;
  readonly type: EventType;
  readonly reason: string;
}

/** expert-review's case, beside its decider state: what the routes read of its row. */
export interface CaseRow {
  readonly procedure: 'standard' | 'total_loss';
  /** The quote as last transmitted to the office (`row.quote`). */
  readonly quote: ReturnType<typeof caseQuoteOf>;
}

/** expert-review's copy of a supplement (`store/supplements.ts`). */
export interface ReviewSupplementRow {
  readonly id: string;
  readonly quoteId: string;
  readonly number: number;
  readonly status: SupplementStatus;
  readonly totalInclVatCents: number;
}

export interface WorldOptions {
  /**
   * Event ids are uuids in production, and the fold breaks ties between facts at the same instant
   * by event id: the ids here follow a permutation of their creation order chosen by this
   * multiplier (1: creation order), so both orders of a tie get explored.
   */
  readonly idOrder?: number;
}

export const ID_SPACE = 1_000_003; // prime: seq ↦ seq × idOrder mod ID_SPACE is a permutation

export class World {
  now = T0;
  private seq = 0;
  private readonly idOrder: number;
  readonly logs: Record<Topic, Message[]> = { 'mission-intake': [], quote: [], 'expert-review': [], 'expiry-scheduler': [] };
  readonly cursors = Object.fromEntries(CONSUMERS.map((c) => [c, Object.fromEntries(READS[c].map((t) => [t, 0]))])) as Record<Consumer, Record<Topic, number>>;
  readonly inboxes = Object.fromEntries(CONSUMERS.map((c) => [c, new Set<string>()])) as Record<Consumer, Set<string>>;
  readonly told: Told = { abandon: false, cancel: false, closes: [], decisions: 0, requests: 0, payment: false, extensions: [], supplements: [], supplementDecisions: [] };
  /** Parked and never applied since (a redelivery that applies removes it). */
  readonly parked = new Map<string, Parked>();

  // mission-intake: the facts and the last verdict.
  mission: MissionState = noFacts;
  verdict: MissionView | null = null;
  // quote: the mission's copy, its quotes (the current one last), their supplements.
  quoteCopy: KnownMission | null = null;
  quotes: quote.QuoteState[] = [];
  supplements = new Map<string, quoteSupplement.SupplementState>();
  // expert-review: a case per quote, the voids heard of, the supplements.
  cases = new Map<string, review.ReviewCaseState>();
  caseRows = new Map<string, CaseRow>();
  voids = new Map<string, review.WithdrawCommand>();
  reviewSupplements = new Map<string, ReviewSupplementRow>();
  // expiry-scheduler
  deadline: scheduler.DeadlineState = scheduler.initialState(MISSION);

  constructor(options: WorldOptions = {}) {
    this.idOrder = options.idOrder ?? 1;
  }

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}-${String(this.seq).padStart(4, '0')}`;
  }

  /** A uuid whose order among the others is the permutation's. */
  private eventId(): string {
    this.seq += 1;
    const rank = (this.seq * this.idOrder) % ID_SPACE;
    return `${rank.toString(16).padStart(8, '0')}-0000-4000-8000-${this.seq.toString(16).padStart(12, '0')}`;
  }

  /** Appends to the outbox of `topic`; every event is checked against its contract schema. */
  private publish<T extends EventType>(topic: Topic, type: T, payload: EventPayload<T>, id: string = this.eventId()): void {
    const event = { id, type, version: 1, occurredAt: this.at().toISOString(), missionId: MISSION, correlationId: 'model', causationId: null, payload };
    const checked = validateEvent(JSON.parse(JSON.stringify(event)));
    if (!checked.ok) throw new Error(`${type} published by the model breaks its contract: ${checked.reason}`);
    this.logs[topic].push(event as unknown as Message);
  }

  private at(): Date {
    return new Date(this.now);
  }

  // ---- mission-intake ------------------------------------------------------------------------------

  deposit(): void {
    const fact: MissionFact = { type: 'received', eventId: this.eventId(), at: this.at(), deadline: DEADLINE };
    this.mission = evolveMission(this.mission, fact);
    this.verdict = project(this.mission);
    this.publish('mission-intake', 'mission.received', { mission: SNAPSHOT, deadline: DEADLINE.toISOString(), receivedAt: this.at().toISOString(), policy: POLICY }, fact.eventId);
  }

  /** The one command handler's effect (`mission-handler.ts` commit): record, project, publish the verdict when it changed. */
  private learn(fact: MissionFact): void {
    const before = this.verdict;
    const state = evolveMission(this.mission, fact);
    if (state === this.mission) return; // a fact already known
    this.mission = state;
    const after = project(this.mission);
    this.verdict = after;
    // One clock reading per transaction: the verdicts of one consumed batch share their `changedAt`.
    if (verdictChanged(before, after)) this.publish('mission-intake', 'mission.status-changed', statusChangedPayload(PARTIES, before, after, this.at(), Object.keys(this.mission.facts).length));
  }

  abandon(): void {
    const decision = decideAbandon(this.mission, { eventId: this.eventId(), reason: 'The owner took the car elsewhere', by: 'G1', at: this.at() });
    if (!decision.ok) return;
    this.told.abandon = true;
    this.publish('mission-intake', 'mission.abandoned', { garageId: 'G1', reason: decision.fact.reason, abandonedAt: this.at().toISOString(), abandonedBy: 'G1' }, decision.fact.eventId);
    this.learn(decision.fact);
  }

  cancel(): void {
    const decision = decideCancel(this.mission, { eventId: this.eventId(), reason: 'Claim settled elsewhere', by: 'INS1', at: this.at() });
    if (!decision.ok) return;
    this.told.cancel = true;
    this.publish('mission-intake', 'mission.cancelled', { insurerId: 'INS1', reason: decision.fact.reason, cancelledAt: this.at().toISOString(), cancelledBy: 'INS1' }, decision.fact.eventId);
    this.learn(decision.fact);
  }

  /** POST /v1/missions/{id}/deadline: the insurer asks for the deadline it sees, moved by `deltaMs`. */
  extend(deltaMs: number): void {
    const previous = project(this.mission).deadline ?? DEADLINE;
    const requested = new Date(previous.getTime() + deltaMs);
    const decision = decideExtension(this.mission, { eventId: this.eventId(), deadline: requested, by: 'INS1', at: this.at() });
    if (!decision.ok) return;
    const { fact } = decision;
    this.told.extensions.push({ eventId: fact.eventId, at: fact.at, previous, deadline: fact.deadline });
    this.publish(
      'mission-intake',
      'mission.deadline-extended',
      {
        insurerId: PARTIES.insurerId,
        garageId: PARTIES.garageId,
        expertOfficeId: PARTIES.expertOfficeId,
        // The row's deadline: the one that held, as the last projection saved it.
        previousDeadline: previous.toISOString(),
        deadline: fact.deadline.toISOString(),
        extendedAt: fact.at.toISOString(),
        extendedBy: fact.by,
      },
      fact.eventId,
    );
    this.learn(fact);
  }

  /** The consumer (`lifecycleConsumers`): the production event → fact function, then the handler. */
  private applyAtMissionIntake(message: Message): void {
    switch (message.type) {
      case 'quote.submitted':
      case 'review.decided':
      case 'mission.deadline-approaching':
      case 'mission.expired':
      case 'payment.requested':
      case 'supplement.submitted':
      case 'supplement.decided':
        return this.learn(missionFactOf(message));
      default:
        return; // quote.voided, quote.reinstated: for expert-review
    }
  }

  // ---- quote ---------------------------------------------------------------------------------------

  currentQuote(): quote.QuoteState | null {
    return this.quotes.at(-1) ?? null;
  }

  /** Runs a command through the quote decider; on success folds its events and returns them. */
  private quoteCommand(command: quote.QuoteCommand, on: quote.QuoteState | null = this.currentQuote()): readonly quote.QuoteEvent[] | null {
    if (this.quoteCopy === null) return null; // 404: the mission has not reached the quote service yet
    const state: quote.State = { mission: this.quoteCopy, quote: on };
    const decision = quote.decide(state, command);
    if (!decision.ok) return null;
    const next = decision.events.reduce(quote.evolve, state);
    this.quoteCopy = { ...this.quoteCopy, ...next.mission };
    if (next.quote) this.storeQuote(next.quote);
    return decision.events;
  }

  private storeQuote(q: quote.QuoteState): void {
    const index = this.quotes.findIndex((known) => known.id === q.id);
    if (index === -1) this.quotes.push(q);
    else this.quotes[index] = q;
  }

  private record(q: quote.QuoteState): QuoteRecord {
    return { ...q, administrative: SNAPSHOT, createdAt: this.at(), updatedAt: this.at() };
  }

  private calculation(unitPriceCents: number): quote.CalculationInput {
    return { calculationNumber: 'AUD-1', lines: [{ kind: 'part', description: 'Rear bumper', quantity: 1, unitPriceCents }] };
  }

  close(procedure: 'standard' | 'total_loss'): void {
    const at = this.at();
    let current = this.currentQuote();
    if (current === null || current.status === 'discarded' || current.status === 'voided') {
      if (!this.quoteCommand({ type: 'create', quoteId: this.id('q'), procedure, at }, null)) return;
      current = this.currentQuote()!;
      const photo: quote.NewPhoto = { id: this.id('ph'), sha256: 'a'.repeat(64), contentType: 'image/jpeg', fileName: 'damage.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff]) };
      if (current.procedure === 'standard') {
        this.quoteCommand({ type: 'set_calculation', calculation: this.calculation(420_00), at });
        this.quoteCommand({ type: 'set_smart_frame', smartFrame: { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false }, at });
      } else {
        this.quoteCommand({ type: 'set_vehicle_status', vehicleStatus: 'not_drivable', note: null, at });
      }
      this.quoteCommand({ type: 'add_photos', photos: [photo], maxPhotos: 50, at });
    }
    // A draft is closed, a returned quote transmitted again: the same command.
    const closed = this.quoteCommand({ type: 'close', at });
    if (!closed) return;
    const q = this.currentQuote()!;
    this.told.closes.push(q.id);
    for (const e of closed) {
      if (e.type === 'quote_closed') this.publish('quote', 'quote.submitted', quoteSubmittedPayload(this.record(q), this.quoteCopy!, [], e.at, e.transmission));
    }
  }

  /** PUT /v1/quotes/{id}/calculation on the current quote. */
  edit(unitPriceCents: number): void {
    this.quoteCommand({ type: 'set_calculation', calculation: this.calculation(unitPriceCents), at: this.at() });
  }

  discardAndRestart(): void {
    const current = this.currentQuote();
    if (current?.status === 'draft') this.quoteCommand({ type: 'discard', reason: 'switching procedure', at: this.at() });
  }

  pay(amountCents: number): void {
    const current = this.currentQuote();
    if (!current) return;
    const invoice = { invoiceNumber: 'F-1', invoiceDate: quote.brusselsDate(this.at()), amountCents, replacementVehicle: false };
    const events = this.quoteCommand({ type: 'request_payment', invoice, at: this.at() }, current);
    if (!events) return;
    this.told.payment = true;
    for (const e of events) {
      if (e.type === 'payment_requested') this.publish('quote', 'payment.requested', paymentRequestedPayload(e.request, current.garageId));
    }
  }

  /** The supplement summaries the quote's row carries (`store/quotes.ts` SELECT_QUOTE). */
  private withSupplements(q: quote.QuoteState): quote.QuoteState {
    const supplements = [...this.supplements.values()]
      .filter((s) => s.quoteId === q.id)
      .sort((a, b) => a.number - b.number)
      .map((s) => ({ id: s.id, number: s.number, status: s.status, totalInclVatCents: s.calculationTotals.totalInclVatCents }));
    return { ...q, supplements };
  }

  private supplementCommand(command: quoteSupplement.SupplementCommand, on: quote.QuoteState, supplement: quoteSupplement.SupplementState | null): readonly quoteSupplement.SupplementEvent[] | null {
    if (this.quoteCopy === null) return null;
    const result = quoteSupplement.decideSupplement({ mission: this.quoteCopy, quote: this.withSupplements(on), supplement }, command);
    if (!result.ok) return null;
    if (result.events.length > 0) {
      const next = result.events.reduce<quoteSupplement.SupplementState | null>((known, e) => quoteSupplement.evolveSupplement(known, e), supplement)!;
      this.supplements.set(next.id, next);
      this.storeQuote(this.withSupplements(on));
    }
    return result.events;
  }

  /** POST /v1/quotes/{id}/supplements, its photos, then …/submit: supplement.submitted on the quote topic. */
  submitSupplement(unitPriceCents: number): void {
    const q = this.currentQuote();
    if (!q) return;
    const at = this.at();
    const supplementId = this.id('sup');
    const calculation = { calculationNumber: 'AUD-S', lines: [{ kind: 'part' as const, description: 'Hidden damage', quantity: 1, unitPriceCents }] };
    if (!this.supplementCommand({ type: 'create_supplement', supplementId, reason: 'Bent rear panel behind the bumper', calculation, at }, q, null)) return;
    const photo: quote.NewPhoto = { id: this.id('ph'), sha256: 'b'.repeat(63) + String(this.seq % 10), contentType: 'image/jpeg', fileName: 'hidden.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff]) };
    this.supplementCommand({ type: 'add_supplement_photos', photos: [photo], maxPhotos: 50, at }, q, this.supplements.get(supplementId)!);
    const submitted = this.supplementCommand({ type: 'submit_supplement', at }, q, this.supplements.get(supplementId)!);
    if (!submitted || submitted.length === 0) return;
    const s = this.supplements.get(supplementId)!;
    this.told.supplements.push(s.id);
    this.publish('quote', 'supplement.submitted', {
      quoteId: q.id,
      supplementId: s.id,
      garageId: q.garageId,
      expertOfficeId: this.quoteCopy!.expertOfficeId,
      number: s.number,
      reason: s.reason,
      calculation: {
        calculationNumber: s.calculation.calculationNumber,
        vatRate: s.calculationTotals.vatRate,
        lines: s.calculation.lines.map((line, index) => ({ ...line, totalCents: s.calculationTotals.lines[index]!.totalCents })),
        totalExclVatCents: s.calculationTotals.totalExclVatCents,
        vatCents: s.calculationTotals.vatCents,
        totalInclVatCents: s.calculationTotals.totalInclVatCents,
      },
      photos: [],
      submittedAt: at.toISOString(),
    });
  }

  private applyAtQuote(message: Message): void {
    if (message.type === 'mission.received') {
      const p = message.payload;
      // The first reception wins (`recordReceived`).
      this.quoteCopy ??= {
        id: MISSION,
        garageId: p.mission.garageId,
        insurerId: p.mission.insurerId,
        expertOfficeId: p.mission.expertOfficeId,
        status: 'new',
        outcome: null,
        deadline: new Date(p.deadline),
        minPhotos: p.policy.minPhotos,
        directPayment: p.mission.directPayment,
        owner: { vatRegime: p.mission.owner.vatRegime },
        snapshot: p.mission,
        policy: p.policy,
        liveQuoteId: null,
        transmission: null,
        approvedTotalCents: null,
      };
      return;
    }
    if (message.type !== 'mission.status-changed' || this.quoteCopy === null) return;
    // `applyVerdict`: the copy keeps the verdict (`recordStatusChanged`), then each quote decides it.
    const p = message.payload;
    this.quoteCopy = {
      ...this.quoteCopy,
      status: p.status,
      outcome: p.outcome,
      deadline: new Date(p.deadline),
      transmission: p.transmission ?? null,
      approvedTotalCents: p.approvedTotalCents ?? null,
    };
    for (const q of [...this.quotes]) {
      const current = this.quotes.find((known) => known.id === q.id)!;
      const state: quote.State = { mission: this.quoteCopy, quote: current };
      const decision = quote.decide(state, { type: 'apply_verdict', status: p.status, voidedQuoteIds: p.voidedQuoteIds, quoteId: p.quoteId, transmission: p.transmission, at: new Date(p.changedAt) });
      if (!decision.ok) throw new Error(`verdict ${message.id} on quote ${q.id} refused: ${decision.refusal.message}`);
      const next = decision.events.reduce(quote.evolve, state);
      this.quoteCopy = { ...this.quoteCopy, ...next.mission };
      this.storeQuote(next.quote!);
      for (const e of decision.events) {
        if (e.type === 'quote_voided' && e.previousStatus !== 'draft') {
          this.publish('quote', 'quote.voided', { quoteId: q.id, garageId: 'G1', expertOfficeId: 'EXP1', missionStatus: e.missionStatus, voidedAt: e.at.toISOString() });
        }
        if (e.type === 'quote_reinstated') {
          this.publish('quote', 'quote.reinstated', { quoteId: q.id, garageId: 'G1', expertOfficeId: 'EXP1', missionStatus: e.missionStatus, reinstatedAt: e.at.toISOString() });
        }
      }
    }
  }

  /** Group quote-supplements: `applySupplementDecision`. */
  private applyAtQuoteSupplements(message: Message): void {
    if (message.type !== 'supplement.decided') return;
    const p = message.payload;
    const q = this.quotes.find((known) => known.id === p.quoteId);
    if (!this.quoteCopy || !q) throw new Error(`supplement.decided ${message.id}: no quote ${p.quoteId} here`);
    const supplement = this.supplements.get(p.supplementId) ?? null;
    const result = quoteSupplement.decideSupplement(
      { mission: this.quoteCopy, quote: this.withSupplements(q), supplement },
      { type: 'record_supplement_decision', decision: p.decision, note: p.note, expert: { name: p.expertName, phone: p.expertPhone }, at: new Date(p.decidedAt) },
    );
    if (!result.ok) throw new Error(`supplement.decided ${message.id} on supplement ${p.supplementId} refused: ${result.refusal.message}`);
    if (result.events.length === 0) return;
    const next = result.events.reduce<quoteSupplement.SupplementState | null>((known, e) => quoteSupplement.evolveSupplement(known, e), supplement)!;
    this.supplements.set(next.id, next);
    this.storeQuote(this.withSupplements(q));
  }

  // ---- expert-review -------------------------------------------------------------------------------

  private withdraw(quoteId: string, command: review.WithdrawCommand): void {
    const state = this.cases.get(quoteId);
    if (!state) return;
    const result = review.decide(state, command);
    if (!result.ok) throw new Error(`quote ${quoteId} cannot withdraw its case: ${result.code}: ${result.message}`);
    this.cases.set(quoteId, review.fold(state, result.events));
  }

  /** POST /v1/reviews/{id}/decision, on the newest case of the queue. */
  decide(decision: Decision, respondByMs = 0): void {
    const entry = [...this.cases.entries()].at(-1);
    if (!entry) return;
    const [quoteId, state] = entry;
    const at = this.at();
    const request = decision === 'request_information';
    const result = review.decide(state, {
      type: 'decide',
      decision,
      ...EXPERT,
      at,
      ...(request ? { note: 'Photos of the left door, please', respondBy: new Date(at.getTime() + respondByMs) } : {}),
    });
    if (!result.ok) return;
    this.cases.set(quoteId, review.fold(state, result.events));
    this.told.decisions += 1;
    if (request) this.told.requests += 1;
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
        transmission: e.transmission,
        ...(e.respondBy ? { respondBy: e.respondBy.toISOString() } : {}),
      });
    }
  }

  /** POST /v1/reviews/{id}/supplements/{supplementId}/decision, on one of the supplements the office knows. */
  decideSupplement(pick: number, decision: SupplementDecision): void {
    const known = [...this.reviewSupplements.values()];
    if (known.length === 0) return;
    const supplement = known[pick % known.length]!;
    const state = this.cases.get(supplement.quoteId);
    const row = this.caseRows.get(supplement.quoteId);
    if (!state || !row) return; // 404: no case for its quote
    const result = reviewSupplement.decideSupplement(supplement, { status: state.status, procedure: row.procedure }, {
      decision,
      ...(decision === 'reject' ? { note: 'Not related to the claim' } : {}),
      ...EXPERT,
      at: this.at(),
    });
    if (!result.ok) return;
    const { event } = result;
    this.reviewSupplements.set(supplement.id, { ...supplement, ...reviewSupplement.evolveSupplement(supplement, event) });
    this.told.supplementDecisions.push({ supplementId: supplement.id, decision });
    this.publish('expert-review', 'supplement.decided', {
      reviewId: `rv-${supplement.quoteId}`,
      quoteId: supplement.quoteId,
      supplementId: supplement.id,
      expertOfficeId: 'EXP1',
      number: supplement.number,
      decision: event.decision,
      note: event.note,
      expertName: event.expertName,
      expertPhone: event.expertPhone,
      totalInclVatCents: supplement.totalInclVatCents,
      decidedAt: event.at.toISOString(),
    });
  }

  /** The approved total the office shows on a case (`approvedTotalCentsOf` of the reviews route). */
  approvedTotalAtReview(quoteId: string): number | null {
    const state = this.cases.get(quoteId);
    const row = this.caseRows.get(quoteId);
    if (!state || !row) return null;
    const supplements = [...this.reviewSupplements.values()].filter((s) => s.quoteId === quoteId);
    return reviewSupplement.approvedTotalOf({ status: state.status, procedure: row.procedure, validatedInclVatCents: row.quote.calculation?.totalInclVatCents ?? null }, supplements);
  }

  private applyAtExpertReview(message: Message): void {
    if (message.type === 'quote.submitted') {
      const p = message.payload;
      const transmission = p.transmission ?? 1;
      const held = this.cases.get(p.quoteId);
      if (held) {
        // Its next transmission (an answer to a request for information), or a copy of one recorded.
        const result = review.decide(held, { type: 'retransmit', transmission, at: new Date(p.closedAt) });
        if (!result.ok) throw new Error(`quote ${p.quoteId} cannot bring transmission ${transmission} to its case: ${result.code}: ${result.message}`);
        if (result.events.length === 0) return;
        this.cases.set(p.quoteId, review.fold(held, result.events));
        this.caseRows.set(p.quoteId, { procedure: this.caseRows.get(p.quoteId)!.procedure, quote: caseQuoteOf(p) });
        return;
      }
      this.cases.set(p.quoteId, review.openedAt(transmission));
      this.caseRows.set(p.quoteId, { procedure: p.procedure, quote: caseQuoteOf(p) });
      const voided = this.voids.get(p.quoteId);
      if (voided) this.withdraw(p.quoteId, voided);
    } else if (message.type === 'quote.voided') {
      const p = message.payload;
      const command: review.WithdrawCommand = { type: 'withdraw', missionStatus: p.missionStatus, at: new Date(p.voidedAt) };
      if (!this.voids.has(p.quoteId)) this.voids.set(p.quoteId, command);
      this.withdraw(p.quoteId, this.voids.get(p.quoteId)!);
    } else if (message.type === 'quote.reinstated') {
      const p = message.payload;
      this.voids.delete(p.quoteId);
      const state = this.cases.get(p.quoteId);
      if (!state) return;
      const result = review.decide(state, { type: 'reinstate', missionStatus: p.missionStatus, at: new Date(p.reinstatedAt) });
      if (!result.ok) throw new Error(`quote ${p.quoteId} cannot reinstate its case: ${result.code}: ${result.message}`);
      this.cases.set(p.quoteId, review.fold(state, result.events));
    } else if (message.type === 'supplement.submitted') {
      // `recordSupplement`: ON CONFLICT DO NOTHING, kept whether or not the case exists yet.
      const p = message.payload;
      if (!this.reviewSupplements.has(p.supplementId)) {
        this.reviewSupplements.set(p.supplementId, { id: p.supplementId, quoteId: p.quoteId, number: p.number, status: 'submitted', totalInclVatCents: p.calculation.totalInclVatCents });
      }
    }
  }

  // ---- expiry-scheduler ----------------------------------------------------------------------------

  /** One sweep at `now` (`events/sweep.ts`, no grace): expiries, then warnings, each marked as the SQL does. */
  sweep(): void {
    const now = this.at();
    const runId = this.id('run');
    const d = this.deadline;
    if (d.status === 'running' && d.deadline !== null && d.deadline.getTime() < expiryCutoff(now, 0).getTime()) {
      this.publish('expiry-scheduler', 'mission.expired', { deadline: d.deadline.toISOString(), expiredAt: now.toISOString(), runId });
      this.deadline = scheduler.evolve(d, { type: 'expired', expiredAt: now });
    }
    const w = this.deadline;
    if (w.status === 'running' && w.warnedAt === null && w.deadline !== null && w.deadline.getTime() > now.getTime() && w.deadline.getTime() <= warningHorizon(now, WARNING_HOURS).getTime()) {
      this.publish('expiry-scheduler', 'mission.deadline-approaching', { deadline: w.deadline.toISOString(), notifiedAt: now.toISOString() });
      this.deadline = scheduler.evolve(w, { type: 'warned', warnedAt: now });
    }
  }

  private applyAtScheduler(message: Message): void {
    const fact = deadlineFactOf(message);
    if (fact) this.deadline = scheduler.evolve(this.deadline, fact);
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

  /** The consumer reads everything pending (what it publishes meanwhile to a log it reads, too). */
  catchUp(consumer: Consumer, pick: number): void {
    for (let i = 0; this.deliver(consumer, pick + i); i++);
  }

  /** A message already delivered comes again (a relay published it twice, or the group rewound). */
  redeliver(consumer: Consumer, pick: number): void {
    const seen = READS[consumer].flatMap((t) => this.logs[t].slice(0, this.cursors[consumer][t]));
    if (seen.length > 0) this.consume(consumer, seen[pick % seen.length]!);
  }

  /**
   * The inbox transaction: the handler's effect, the events it appends and the "applied" mark
   * commit together; a handler that throws leaves nothing, and the event is parked.
   */
  private consume(consumer: Consumer, message: Message): void {
    const inbox = this.inboxes[consumer];
    if (inbox.has(message.id)) return;
    const saved = this.save();
    try {
      if (consumer === 'mission-intake') this.applyAtMissionIntake(message);
      else if (consumer === 'quote') this.applyAtQuote(message);
      else if (consumer === 'quote-supplements') this.applyAtQuoteSupplements(message);
      else if (consumer === 'expert-review') this.applyAtExpertReview(message);
      else this.applyAtScheduler(message);
    } catch (error) {
      this.restore(saved);
      this.parked.set(`${consumer} ${message.id}`, { consumer, id: message.id, type: message.type, reason: (error as Error).message });
      return;
    }
    inbox.add(message.id);
    this.parked.delete(`${consumer} ${message.id}`);
  }

  private save() {
    return {
      mission: this.mission,
      verdict: this.verdict,
      quoteCopy: this.quoteCopy,
      quotes: [...this.quotes],
      supplements: new Map(this.supplements),
      cases: new Map(this.cases),
      caseRows: new Map(this.caseRows),
      voids: new Map(this.voids),
      reviewSupplements: new Map(this.reviewSupplements),
      deadline: this.deadline,
      logs: Object.fromEntries(Object.entries(this.logs).map(([t, log]) => [t, log.length])) as Record<Topic, number>,
    };
  }

  private restore(saved: ReturnType<World['save']>): void {
    this.mission = saved.mission;
    this.verdict = saved.verdict;
    this.quoteCopy = saved.quoteCopy;
    this.quotes = saved.quotes;
    this.supplements = saved.supplements;
    this.cases = saved.cases;
    this.caseRows = saved.caseRows;
    this.voids = saved.voids;
    this.reviewSupplements = saved.reviewSupplements;
    this.deadline = saved.deadline;
    for (const topic of Object.keys(this.logs) as Topic[]) this.logs[topic].length = saved.logs[topic];
  }

  /** Delivers everything, consumers taking turns in an order of the test's choosing, until all logs are read. */
  drain(order: readonly number[]): void {
    for (let i = 0; ; i++) {
      const pending = CONSUMERS.filter((c) => READS[c].some((t) => this.cursors[c][t] < this.logs[t].length));
      if (pending.length === 0) return;
      const pick = order[i % order.length] ?? 0;
      this.deliver(pending[pick % pending.length]!, pick >> 3);
    }
  }

  /** Every event of one type published so far, with its payload. */
  published<T extends EventType>(type: T): DomainEvent<T>[] {
    return Object.values(this.logs)
      .flat()
      .filter((m) => m.type === type) as unknown as DomainEvent<T>[];
  }
}

export function apply(world: World, action: Action): void {
  switch (action.kind) {
    case 'close':
      return world.close(action.procedure);
    case 'edit':
      return world.edit(action.unitPriceCents);
    case 'discard_and_restart':
      return world.discardAndRestart();
    case 'abandon':
      return world.abandon();
    case 'cancel':
      return world.cancel();
    case 'decide':
      return world.decide(action.decision, action.respondByMs);
    case 'extend':
      return world.extend(action.deltaMs);
    case 'supplement':
      return world.submitSupplement(action.unitPriceCents);
    case 'decide_supplement':
      return world.decideSupplement(action.pick, action.decision);
    case 'pay':
      return world.pay(action.amountCents);
    case 'sweep':
      return world.sweep();
    case 'deliver':
      world.deliver(action.consumer, action.pick);
      return;
    case 'catch_up':
      return world.catchUp(action.consumer, action.pick);
    case 'redeliver':
      return world.redeliver(action.consumer, action.pick);
    default: {
      const unknown: never = action;
      throw new Error(`unknown action ${JSON.stringify(unknown)}`);
    }
  }
}

export interface Scenario extends WorldOptions {
  readonly steps: readonly Step[];
  readonly drainOrder: readonly number[];
}

/** Deposits, plays the steps, then delivers everything. */
export function play(steps: readonly Step[], drainOrder: readonly number[], options: WorldOptions = {}): World {
  const world = new World(options);
  world.deposit();
  for (const { action, dt } of steps) {
    world.now += dt;
    apply(world, action);
  }
  world.drain(drainOrder);
  return world;
}

export function playScenario({ steps, drainOrder, ...options }: Scenario, overrides: WorldOptions = {}): World {
  return play(steps, drainOrder, { ...options, ...overrides });
}

// ---- Arbitraries ---------------------------------------------------------------------------------

const consumer = fc.constantFrom<Consumer>(...CONSUMERS);
const delivery = fc.record({ consumer, pick: fc.nat(64) });
/** Races need actions at the same instant or close together: many steps take no time at all. */
const dt = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 50 }) }, { weight: 2, arbitrary: fc.integer({ min: 51, max: 8_000 }) });

/** The first loop: deposit, close, abandon, cancel, expiry sweeps, decisions, payment. */
export const firstLoopActions: fc.Arbitrary<Action>[] = [
  fc.constantFrom<'standard' | 'total_loss'>('standard', 'total_loss').map((procedure): Action => ({ kind: 'close', procedure })),
  fc.constant<Action>({ kind: 'discard_and_restart' }),
  fc.constant<Action>({ kind: 'abandon' }),
  fc.constant<Action>({ kind: 'cancel' }),
  fc.constantFrom<Decision>('validate', 'pending_validation', 'remote_intervention', 'onsite_intervention').map((decision): Action => ({ kind: 'decide', decision })),
  fc.integer({ min: 100_00, max: 2_000_00 }).map((amountCents): Action => ({ kind: 'pay', amountCents })),
  fc.constant<Action>({ kind: 'sweep' }),
];

export type ActionKind = Action['kind'];

/** How often each kind of action comes, relative to the others. */
export type Weights = Record<ActionKind, number>;

/**
 * Every action of the procedure, the second loop's included: requests for information (a short due
 * date the sweep will pass, or a long one), a returned quote edited and transmitted again, the
 * insurer's extensions (some refused: not later), supplements and their decisions.
 */
export function actionsWith(weights: Weights): fc.Arbitrary<Action> {
  const arbitraries: Record<ActionKind, fc.Arbitrary<Action>> = {
    close: fc.constantFrom<'standard' | 'total_loss'>('standard', 'standard', 'total_loss').map((procedure): Action => ({ kind: 'close', procedure })),
    edit: fc.integer({ min: 50_00, max: 900_00 }).map((unitPriceCents): Action => ({ kind: 'edit', unitPriceCents })),
    discard_and_restart: fc.constant<Action>({ kind: 'discard_and_restart' }),
    abandon: fc.constant<Action>({ kind: 'abandon' }),
    cancel: fc.constant<Action>({ kind: 'cancel' }),
    decide: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom<Decision>('validate', 'validate', 'pending_validation', 'remote_intervention', 'onsite_intervention').map((decision): Action => ({ kind: 'decide', decision })) },
      {
        weight: 2,
        arbitrary: fc
          .oneof(fc.integer({ min: 500, max: 6_000 }), fc.integer({ min: 10_000, max: 90_000 }))
          .map((respondByMs): Action => ({ kind: 'decide', decision: 'request_information', respondByMs })),
      },
    ),
    extend: fc.oneof(fc.integer({ min: -3_000, max: 0 }), fc.integer({ min: 1, max: 60_000 })).map((deltaMs): Action => ({ kind: 'extend', deltaMs })),
    supplement: fc.integer({ min: 10_00, max: 1_500_00 }).map((unitPriceCents): Action => ({ kind: 'supplement', unitPriceCents })),
    decide_supplement: fc
      .record({ pick: fc.nat(8), decision: fc.constantFrom<SupplementDecision>('approve', 'approve', 'reject') })
      .map((d): Action => ({ kind: 'decide_supplement', ...d })),
    pay: fc.integer({ min: 100_00, max: 3_000_00 }).map((amountCents): Action => ({ kind: 'pay', amountCents })),
    sweep: fc.constant<Action>({ kind: 'sweep' }),
    deliver: delivery.map((d): Action => ({ kind: 'deliver', ...d })),
    catch_up: delivery.map((d): Action => ({ kind: 'catch_up', ...d })),
    redeliver: delivery.map((d): Action => ({ kind: 'redeliver', ...d })),
  };
  return fc.oneof(
    ...(Object.keys(arbitraries) as ActionKind[]).filter((kind) => weights[kind] > 0).map((kind) => ({ weight: weights[kind], arbitrary: arbitraries[kind] })),
  );
}

/** Every action about as often as the first loop's tests had them: many races around the first close. */
export const BALANCED: Weights = {
  close: 3,
  edit: 1,
  discard_and_restart: 1,
  abandon: 2,
  cancel: 2,
  decide: 4,
  extend: 2,
  supplement: 2,
  decide_supplement: 2,
  pay: 2,
  sweep: 2,
  deliver: 10,
  catch_up: 3,
  redeliver: 2,
};

/**
 * The second loop lies behind a close, a decision and their deliveries: abandons and cancels are rare
 * (the mission would end before it), consumers catch up more often, and the expert decides more.
 */
export const SECOND_LOOP: Weights = {
  close: 24,
  edit: 6,
  discard_and_restart: 2,
  abandon: 1,
  cancel: 1,
  decide: 32,
  extend: 16,
  supplement: 24,
  decide_supplement: 24,
  pay: 12,
  sweep: 20,
  deliver: 40,
  catch_up: 60,
  redeliver: 12,
};

export function scenariosWith(weights: Weights, maxSteps: number): fc.Arbitrary<Scenario> {
  return fc.record({
    steps: fc.array(fc.record({ dt, action: actionsWith(weights) }), { minLength: 5, maxLength: maxSteps, size: 'max' }),
    drainOrder: fc.array(fc.nat(1023), { minLength: 1, maxLength: 16 }),
    idOrder: fc.integer({ min: 1, max: ID_SPACE - 1 }),
  });
}

export const scenarioArbitrary: fc.Arbitrary<Scenario> = scenariosWith(BALANCED, 80);

/** Every consumer reads everything pending (twice round: what one publishes reaches the next). */
export const settle: Step[] = CONSUMERS.flatMap((c) => [{ dt: 0, action: { kind: 'catch_up', consumer: c, pick: 0 } }, { dt: 0, action: { kind: 'catch_up', consumer: c, pick: 1 } }]);
const untilAnalysis: Step[] = [...settle, { dt: 1_000, action: { kind: 'close', procedure: 'standard' } }, ...settle, ...settle];

/**
 * Where the random steps start from, reached by the plain story with every event delivered: the
 * deposit, a quote under analysis, a validated expertise, or a quote returned for information (its
 * due date short or long). The races of the earlier phases are the balanced scenarios' business.
 */
export const phaseArbitrary: fc.Arbitrary<readonly Step[]> = fc.oneof(
  fc.constant<Step[]>([]),
  fc.constant<Step[]>(untilAnalysis),
  fc.constant<Step[]>([...untilAnalysis, { dt: 1_000, action: { kind: 'decide', decision: 'validate' } }, ...settle, ...settle]),
  fc
    .oneof(fc.integer({ min: 500, max: 6_000 }), fc.integer({ min: 10_000, max: 90_000 }))
    .map((respondByMs): Step[] => [...untilAnalysis, { dt: 1_000, action: { kind: 'decide', decision: 'request_information', respondByMs } }, ...settle, ...settle]),
);

export const secondLoopScenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .tuple(phaseArbitrary, scenariosWith(SECOND_LOOP, 100))
  .map(([phase, scenario]) => ({ ...scenario, steps: [...phase, ...scenario.steps] }));

/** The review case's status for each mission status that rests on a live quote. */
export const CASE_OF: Partial<Record<string, review.ReviewStatus>> = {
  under_analysis: 'open',
  pending_validation: 'pending_validation',
  remote_intervention: 'remote_intervention',
  onsite_intervention: 'onsite_intervention',
  information_requested: 'information_requested',
  closed: 'validated',
};

/** Step builders for the replays. */
export const at0 = (action: Action): Step => ({ dt: 0, action });
export const after = (dt: number, action: Action): Step => ({ dt, action });
export const deliverTo = (to: Consumer, pick = 0): Step => ({ dt: 0, action: { kind: 'deliver', consumer: to, pick } });
export const catchUp = (to: Consumer): Step => ({ dt: 0, action: { kind: 'catch_up', consumer: to, pick: 0 } });
