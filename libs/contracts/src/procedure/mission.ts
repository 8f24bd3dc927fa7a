/**
 * The mission's verdict, as an order-independent fold of the facts every service may learn.
 *
 * The facts reach a service from several Kafka topics. Kafka keeps one topic's order per mission,
 * never the order across topics, and redelivers. So the state is only the *knowledge*: every
 * distinct fact seen, keyed by its eventId; `project` derives the mission's status, section,
 * outcome, the actions that lost (voided) and the tracking from that set alone, so any delivery
 * order and any redelivery give the same verdict.
 *
 * mission-intake is the authority: it folds every fact and publishes each change of verdict
 * (`mission.status-changed`); the other services act on what it decided, through the predicates
 * of `rules.ts`.
 *
 * The rules (product page, "One set of rules for the whole procedure"):
 * - every action carries the instant its service accepted it; an expiry happens at the deadline;
 * - a quote closed at or before the deadline settles the Smart Expertise: an expiry never wins;
 * - between an abandon or a cancel and a close, the earlier instant wins (same instant: the close,
 *   which already reached the expert); a cancel after the close loses only to an earlier validation;
 * - what loses is voided, and a tracking entry says so: nothing is reversed in silence.
 *
 * The second loop (product page, "The second loop: after the first decision"):
 * - the expert's `request_information` returns the quote: the mission waits for the garage's next
 *   transmission of the same quote, due by the request's `respondBy`; a transmission on time puts
 *   it back under analysis, none and the sweep's expiry at that due date makes it a classic
 *   expertise like any overdue Smart Expertise (its quote voided: it can never be validated);
 * - the insurer may extend the deadline that holds while the garage still has to act (new, or
 *   information requested); an extension made after that deadline, or once the garage had closed,
 *   counts for nothing and is said so; an expiry on a deadline that an extension had moved counts
 *   for nothing either (the scheduler learnt of the extension late: the mission never showed it);
 * - a decision counts only once the transmission it was taken on is known and counts;
 * - supplements decided on a validated repair expertise make the approved total: the validated
 *   transmission's total plus the approved supplements, incl. VAT.
 */
import type { BoardSection, Decision, MissionStatus, Outcome, Procedure, SupplementDecision } from '../common.ts';
import type { TrackingCode, VoidCause } from '../tracking-messages.ts';
import { SECTION_OF, allowsAbandon, allowsCancel, allowsExtension, allowsPayment, onTime, validationOutcome } from './rules.ts';

export type MissionFact =
  | { readonly type: 'received'; readonly eventId: string; readonly at: Date; readonly deadline: Date }
  | {
      readonly type: 'quote_submitted';
      readonly eventId: string;
      /** The closing instant. */
      readonly at: Date;
      readonly procedure: Procedure;
      readonly quoteId: string;
      /** 1 for the first close, +1 per answer to a request for information (absent: 1). */
      readonly transmission?: number;
      /** The calculation's total incl. VAT (null for a total loss; absent on facts recorded before it was kept). */
      readonly totalInclVatCents?: number | null;
    }
  | {
      readonly type: 'review_decided';
      readonly eventId: string;
      readonly at: Date;
      /** Per case, increasing, assigned by expert-review: the order the expert decided in. */
      readonly sequence: number;
      readonly decision: Decision;
      readonly expertName: string;
      readonly expertPhone: string;
      readonly note?: string;
      /** The quote the case was opened for (facts recorded before it was kept have none). */
      readonly quoteId?: string;
      /** The quote's transmission the decision was taken on (absent: 1). */
      readonly transmission?: number;
      /** request_information: when the garage's answer is due. */
      readonly respondBy?: Date;
    }
  | {
      readonly type: 'deadline_extended';
      readonly eventId: string;
      readonly at: Date;
      /** The new deadline. */
      readonly deadline: Date;
      readonly by: string;
    }
  | {
      readonly type: 'supplement_submitted';
      readonly eventId: string;
      readonly at: Date;
      readonly quoteId: string;
      readonly supplementId: string;
      readonly number: number;
      readonly totalInclVatCents: number;
    }
  | {
      readonly type: 'supplement_decided';
      readonly eventId: string;
      readonly at: Date;
      readonly quoteId: string;
      readonly supplementId: string;
      readonly number: number;
      readonly decision: SupplementDecision;
      readonly note?: string;
      readonly expertName: string;
      readonly expertPhone: string;
      readonly totalInclVatCents: number;
    }
  | { readonly type: 'deadline_approaching'; readonly eventId: string; readonly at: Date; readonly deadline: Date }
  | { readonly type: 'expired'; readonly eventId: string; readonly at: Date; readonly deadline: Date }
  | { readonly type: 'abandoned'; readonly eventId: string; readonly at: Date; readonly reason: string; readonly by: string }
  | { readonly type: 'cancelled'; readonly eventId: string; readonly at: Date; readonly reason: string; readonly by: string }
  | {
      readonly type: 'payment_requested';
      readonly eventId: string;
      readonly at: Date;
      readonly invoiceNumber: string;
      readonly insurerShareCents: number;
      readonly ownerShareCents: number;
      readonly flagged: boolean;
    };

export type MissionFactType = MissionFact['type'];
export type FactOf<T extends MissionFactType> = Extract<MissionFact, { type: T }>;

export interface TrackingEntry {
  readonly at: Date;
  readonly code: TrackingCode;
  /** The values inside the message, as fields; rendered per language by `trackingMessage`. */
  readonly params: Readonly<Record<string, string>>;
}

export interface PaymentRequest {
  readonly requestedAt: Date;
  readonly invoiceNumber: string;
  readonly insurerShareCents: number;
  readonly ownerShareCents: number;
  readonly flagged: boolean;
}

/** An action that was answered 2xx and then lost to an earlier one. */
export interface Voided {
  readonly kind: 'close' | 'abandon' | 'cancel' | 'expiry' | 'decision' | 'payment' | 'extension';
  readonly eventId: string;
  readonly at: Date;
  readonly cause: VoidCause;
}

export interface MissionView {
  readonly status: MissionStatus;
  readonly section: BoardSection;
  readonly outcome: Outcome | null;
  /**
   * The deadline that holds: while information is requested, the answer's due date (with the
   * insurer's extensions); otherwise the garage's quote deadline (from mission.received, with the
   * extensions made while the mission was new). Null only while mission.received is unknown.
   */
  readonly deadline: Date | null;
  /** How many transmissions of the quote count (1 after the first close, +1 per answered request); 0 before any. */
  readonly transmission: number;
  /** The validated quote plus approved supplements, incl. VAT: set once validated for repairs. */
  readonly approvedTotalCents: number | null;
  /** The supplements the mission knows of, by number. */
  readonly supplements: readonly SupplementView[];
  /** The close the mission rests on, when one won. */
  readonly quote: { readonly quoteId: string; readonly procedure: Procedure; readonly closedAt: Date } | null;
  /** Quotes that can never be analysed, validated or paid. */
  readonly voidedQuoteIds: readonly string[];
  readonly voided: readonly Voided[];
  /** The expert of the last decision that counts. */
  readonly expert: { readonly name: string; readonly phone: string } | null;
  readonly lastDecision: { readonly decision: Decision; readonly note: string | null; readonly at: Date } | null;
  readonly paymentRequested: boolean;
  readonly payment: PaymentRequest | null;
  /** Oldest first. */
  readonly tracking: readonly TrackingEntry[];
}

export interface SupplementView {
  readonly supplementId: string;
  readonly number: number;
  readonly status: 'submitted' | 'approved' | 'rejected';
  readonly totalInclVatCents: number;
  readonly submittedAt: Date | null;
  readonly decidedAt: Date | null;
  readonly note: string | null;
}

/** The knowledge: each distinct fact seen, by eventId. */
export interface MissionState {
  readonly facts: Readonly<Record<string, MissionFact>>;
}

export const initialState: MissionState = { facts: {} };

/** Adds a fact to the knowledge. A redelivered eventId changes nothing (the first copy is kept). */
export function evolve(state: MissionState, fact: MissionFact): MissionState {
  if (Object.hasOwn(state.facts, fact.eventId)) return state;
  return { facts: { ...state.facts, [fact.eventId]: reviveFact(fact) } };
}

export function stateOf(facts: readonly MissionFact[]): MissionState {
  return facts.reduce(evolve, initialState);
}

export function project(state: MissionState): MissionView {
  // One pass sorts the facts into their kinds, each kind in instant order.
  const byType: { [T in MissionFactType]?: FactOf<T>[] } = {};
  for (const fact of Object.values(state.facts).sort(byInstantThenEventId)) {
    const kind = (byType[fact.type] ??= []) as MissionFact[];
    kind.push(fact);
  }
  const none: never[] = [];
  const ofType = <T extends MissionFactType>(type: T): FactOf<T>[] => (byType[type] as FactOf<T>[] | undefined) ?? none;

  const received = ofType('received')[0];
  const expiries = ofType('expired');
  const reminders = ofType('deadline_approaching');
  const extensions = ofType('deadline_extended');
  // The scheduler's facts repeat the deadline, so a fact that overtook mission.received can still be judged.
  const baseDeadline = received?.deadline ?? expiries[0]?.deadline ?? reminders[0]?.deadline ?? null;
  const extensionsCounted = new Set<string>();
  /**
   * The deadline that holds at the end of a window in which the garage has to act: the window's own
   * deadline, moved by each extension made inside the window before the deadline then holding.
   */
  const holding = (base: Date, from: number, until: number, count: boolean): Date => {
    let current = base;
    for (const extension of extensions) {
      const at = extension.at.getTime();
      if (at < from || at >= until || at > current.getTime() || extension.deadline.getTime() <= current.getTime()) continue;
      current = extension.deadline;
      if (count) extensionsCounted.add(extension.eventId);
    }
    return current;
  };
  const quoteDeadlineAsOf = (at: number): Date | null => (baseDeadline === null ? null : holding(baseDeadline, Number.NEGATIVE_INFINITY, at, false));
  const isOnTime = (at: Date): boolean => {
    const deadline = quoteDeadlineAsOf(at.getTime());
    return deadline === null || onTime(at, deadline);
  };

  const voided: Voided[] = [];
  const tracking: RankedEntry[] = [];
  const voidFact = (fact: MissionFact, kind: Voided['kind'], cause: VoidCause, code: TrackingCode, params: Record<string, string>) => {
    voided.push({ kind, eventId: fact.eventId, at: new Date(fact.at.getTime()), cause });
    tracking.push(entry(fact, code, params, 1));
  };

  // A close after the deadline is refused by the quote service; one that is seen anyway never counts.
  const submissions = ofType('quote_submitted');
  const close = submissions.filter((quote) => transmissionOf(quote) === 1).find((quote) => isOnTime(quote.at));
  // The garage may only abandon an incoming mission, so only while the deadline is still ahead.
  const abandonMade = ofType('abandoned').find((fact) => {
    const deadline = quoteDeadlineAsOf(fact.at.getTime());
    return deadline === null || fact.at.getTime() < deadline.getTime();
  });
  // An abandon at or after the close lost to it (at the same instant the close, which already
  // reached the expert) and is out of the race with a cancel: a cancel after it is judged against the close.
  const abandonLost = abandonMade !== undefined && close !== undefined && close.at.getTime() <= abandonMade.at.getTime();
  if (abandonLost) voidFact(abandonMade, 'abandon', 'quote_closed', 'abandon.voided', { at: iso(close.at) });
  const abandon = abandonLost ? undefined : abandonMade;
  const cancel = ofType('cancelled')[0];
  // An abandon and a cancel exclude each other (the first makes the mission final): the earlier stands.
  const terminals = [abandon, cancel].filter((fact) => fact !== undefined).sort(byInstantThenEventId);
  const terminal = terminals[0];
  for (const loser of terminals.slice(1)) {
    const cause: VoidCause = terminal!.type === 'abandoned' ? 'abandoned' : 'cancelled';
    if (loser.type === 'cancelled') voidFact(loser, 'cancel', cause, 'cancel.voided', { at: iso(loser.at), cause });
  }

  // Between an abandon or a cancel and a close, the earlier wins; at the same instant the close.
  const closeLost = close !== undefined && terminal !== undefined && terminal.at.getTime() < close.at.getTime();
  const liveClose = closeLost ? undefined : close;
  const closeVoidedBy: VoidCause = terminal?.type === 'abandoned' ? 'abandoned' : 'cancelled';
  if (close && closeLost) voidFact(close, 'close', closeVoidedBy, 'quote.voided', { at: iso(close.at), cause: closeVoidedBy });

  // Decisions count on the close the mission rests on, in the expert's order, each on a transmission
  // that counts, up to the first validation; a request for information waits for the next transmission.
  const decisions = ofType('review_decided');
  const onLive = liveClose ? inExpertOrder(decisions.filter((d) => d.quoteId === undefined || d.quoteId === liveClose.quoteId)) : [];
  const transmissionsOfLive = liveClose ? submissions.filter((quote) => quote.quoteId === liveClose.quoteId) : [];
  const rounds: Round[] = [];
  const counted: FactOf<'review_decided'>[] = [];
  let transmission = liveClose ? 1 : 0;
  for (const decision of onLive) {
    if ((decision.transmission ?? 1) !== transmission) break;
    counted.push(decision);
    if (decision.decision === 'validate') break;
    if (decision.decision !== 'request_information') continue;
    const respondBy = decision.respondBy ?? decision.at;
    const from = decision.at.getTime();
    const answer = transmissionsOfLive
      .filter((quote) => transmissionOf(quote) === transmission + 1)
      .find((quote) => quote.at.getTime() >= from && onTime(quote.at, holding(respondBy, from, quote.at.getTime(), false)));
    rounds.push({ request: decision, respondBy, answer, holding: holding(respondBy, from, answer ? answer.at.getTime() : Number.POSITIVE_INFINITY, false) });
    if (!answer) break;
    transmission += 1;
  }
  const validation = counted.find((d) => d.decision === 'validate');

  // A cancel after the close (an abandon before it would have won) wins unless the expert
  // validated first: the validation is final.
  let cancelWins = false;
  if (terminal && liveClose) {
    if (validation && validation.at.getTime() <= terminal.at.getTime()) {
      voidFact(terminal, 'cancel', 'validated', 'cancel.voided', { at: iso(terminal.at), cause: 'validated' });
    } else {
      cancelWins = true;
    }
  } else if (terminal) {
    cancelWins = terminal.type === 'cancelled';
  }
  const cancelAt = cancelWins ? terminal!.at.getTime() : Number.POSITIVE_INFINITY;
  const applied = counted.filter((d) => d.at.getTime() <= cancelAt);
  const liveRounds = rounds.filter((round) => applied.includes(round.request));
  for (const decision of decisions) {
    // A decision learned before its close is not judged yet; one on another quote never counts.
    const lostWithClose = close !== undefined && closeLost && (decision.quoteId === undefined || decision.quoteId === close.quoteId);
    const lostToCancel = cancelWins && counted.includes(decision) && !applied.includes(decision);
    if (!lostWithClose && !lostToCancel) continue;
    const cause: VoidCause = lostWithClose ? closeVoidedBy : 'cancelled';
    voidFact(decision, 'decision', cause, 'review.voided', { at: iso(decision.at), cause });
  }
  const lastDecision = applied.at(-1);
  const validated = !cancelWins && lastDecision?.decision === 'validate';
  // The request the garage has not answered (yet): the last one that counts, if unanswered.
  const openRound = lastDecision?.decision === 'request_information' ? liveRounds.find((r) => r.request === lastDecision && !r.answer) : undefined;
  for (const round of liveRounds) if (round.answer && round.answer.at.getTime() > cancelAt) round.answer = undefined;

  // The garage's quote deadline: the deposit's, moved by the extensions made while the mission was new.
  const leftNewFacts = [terminal?.type === 'abandoned' && !liveClose ? terminal : undefined, cancelWins ? terminal : undefined, liveClose]
    .filter((fact) => fact !== undefined)
    .map((fact) => fact.at.getTime());
  const quoteDeadline = baseDeadline === null ? null : holding(baseDeadline, Number.NEGATIVE_INFINITY, Math.min(Number.POSITIVE_INFINITY, ...leftNewFacts), true);
  for (const round of liveRounds) holding(round.respondBy, round.request.at.getTime(), round.answer ? round.answer.at.getTime() : cancelAt, true);

  // Seed: a Smart Expertise expires only if no quote was closed before the deadline; an expiry
  // learned before an on-time close (or an on-time answer) is reversed, and the tracking says why.
  // An expiry on a deadline an extension had moved never counted: the mission never showed it.
  const same = (a: Date | null, b: Date | null) => a !== null && b !== null && a.getTime() === b.getTime();
  const expiry =
    liveClose === undefined && !closeLost && terminal === undefined ? expiries.find((fact) => quoteDeadline === null || same(fact.deadline, quoteDeadline)) : undefined;
  const roundExpiry = openRound && !cancelWins ? expiries.find((fact) => same(fact.deadline, openRound.holding)) : undefined;
  if (liveClose) {
    for (const late of expiries) {
      if (same(late.deadline, quoteDeadline)) voidFact(late, 'expiry', 'quote_closed', 'expiry.voided', { at: iso(liveClose.at) });
      for (const round of liveRounds) {
        if (round.answer && same(late.deadline, round.holding)) voidFact(late, 'expiry', 'quote_closed', 'expiry.voided', { at: iso(round.answer.at) });
      }
    }
  }

  const procedure = liveClose?.procedure ?? 'standard';
  const outcomeOfValidation = validationOutcome(procedure);
  const status: MissionStatus = cancelWins
    ? 'cancelled'
    : terminal && !liveClose
      ? 'abandoned'
      : liveClose
        ? roundExpiry
          ? 'expired'
          : openRound
            ? 'information_requested'
            : lastDecision && lastDecision.decision !== 'request_information'
              ? statusAfterDecision(lastDecision.decision)
              : 'under_analysis'
        : expiry
          ? 'expired'
          : 'new';
  const outcome: Outcome | null =
    status === 'cancelled' ? 'cancelled' : status === 'abandoned' ? 'abandoned' : validated ? outcomeOfValidation : null;

  // Extensions that did not move a deadline the garage had to meet were answered all the same: said so.
  for (const extension of extensions) {
    if (extensionsCounted.has(extension.eventId)) continue;
    const cause: VoidCause = cancelWins
      ? 'cancelled'
      : terminal && !liveClose
        ? 'abandoned'
        : liveClose && extension.at.getTime() >= liveClose.at.getTime()
          ? 'quote_closed'
          : 'deadline_passed';
    voidFact(extension, 'extension', cause, 'extension.voided', { at: iso(extension.at), cause });
  }

  // A payment counts only on a validated repair expertise (never a total loss).
  const payments = ofType('payment_requested');
  const payment = allowsPayment(status, outcome) ? payments[0] : undefined;
  // quote answers a repeated request as the same one: only a payment that never counted is voided.
  if (payment === undefined) {
    for (const lost of payments) {
      const cause: VoidCause = status === 'cancelled' ? 'cancelled' : status === 'abandoned' ? 'abandoned' : 'not_validated';
      voidFact(lost, 'payment', cause, 'payment.voided', { invoiceNumber: lost.invoiceNumber, cause });
    }
  }

  const leftNewAt = [...leftNewFacts, ...(expiry ? [expiry.at.getTime()] : [])].sort((a, b) => a - b)[0];
  // The windows in which the garage had to act: a reminder sent inside one is shown.
  const windows: Array<readonly [number, number]> = [
    [Number.NEGATIVE_INFINITY, leftNewAt ?? Number.POSITIVE_INFINITY],
    ...liveRounds.map((r) => [r.request.at.getTime(), r.answer?.at.getTime() ?? roundExpiry?.at.getTime() ?? cancelAt] as const),
  ];

  if (received) tracking.push(entry(received, 'mission.received', { deadline: iso(received.deadline) }));
  for (const reminder of reminders) {
    if (!windows.some(([from, until]) => reminder.at.getTime() >= from && reminder.at.getTime() < until)) continue;
    tracking.push(entry(reminder, 'deadline.approaching', { deadline: iso(reminder.deadline) }));
  }
  for (const extension of extensions) {
    if (extensionsCounted.has(extension.eventId)) tracking.push(entry(extension, 'deadline.extended', { deadline: iso(extension.deadline) }));
  }
  if (liveClose) tracking.push(entry(liveClose, liveClose.procedure === 'total_loss' ? 'total_loss.declared' : 'quote.under_analysis', {}));
  for (const round of liveRounds) {
    if (round.answer) tracking.push(entry(round.answer, 'quote.retransmitted', { transmission: String(transmissionOf(round.answer)) }));
  }
  for (const decision of applied) {
    const code = decision.decision === 'validate' && procedure === 'total_loss' ? 'review.total_loss_confirmed' : reviewTracking[decision.decision];
    tracking.push(
      entry(decision, code, {
        decision: decision.decision,
        expertName: decision.expertName,
        expertPhone: decision.expertPhone,
        ...(decision.note === undefined ? {} : { note: decision.note }),
        ...(decision.decision === 'request_information' ? { deadline: iso(decision.respondBy ?? decision.at) } : {}),
      }),
    );
  }
  if (expiry) tracking.push(entry(expiry, 'mission.expired', { deadline: iso(expiry.deadline) }));
  if (roundExpiry) tracking.push(entry(roundExpiry, 'mission.expired', { deadline: iso(roundExpiry.deadline) }));
  if (status === 'abandoned' && terminal) tracking.push(entry(terminal, 'mission.abandoned', { reason: terminal.reason }));
  if (status === 'cancelled' && terminal) tracking.push(entry(terminal, 'mission.cancelled', { reason: terminal.reason }));

  // Supplements count on a validated repair expertise: the approved total follows each approval.
  const validatedOn = validated && procedure === 'standard' ? transmissionsOfLive.find((q) => transmissionOf(q) === (validation?.transmission ?? 1)) : undefined;
  let approvedTotalCents: number | null = validatedOn && typeof validatedOn.totalInclVatCents === 'number' ? validatedOn.totalInclVatCents : null;
  const supplements = new Map<string, SupplementView>();
  if (validatedOn) {
    for (const submitted of ofType('supplement_submitted')) {
      if (submitted.quoteId !== validatedOn.quoteId || supplements.has(submitted.supplementId)) continue;
      supplements.set(submitted.supplementId, {
        supplementId: submitted.supplementId,
        number: submitted.number,
        status: 'submitted',
        totalInclVatCents: submitted.totalInclVatCents,
        submittedAt: new Date(submitted.at.getTime()),
        decidedAt: null,
        note: null,
      });
      tracking.push(entry(submitted, 'supplement.submitted', { supplementNumber: String(submitted.number), amountCents: String(submitted.totalInclVatCents) }));
    }
    const decidedOnce = new Set<string>();
    for (const decided of ofType('supplement_decided')) {
      if (decided.quoteId !== validatedOn.quoteId || decidedOnce.has(decided.supplementId)) continue;
      decidedOnce.add(decided.supplementId);
      const known = supplements.get(decided.supplementId);
      supplements.set(decided.supplementId, {
        supplementId: decided.supplementId,
        number: decided.number,
        status: decided.decision === 'approve' ? 'approved' : 'rejected',
        totalInclVatCents: decided.totalInclVatCents,
        submittedAt: known?.submittedAt ?? null,
        decidedAt: new Date(decided.at.getTime()),
        note: decided.note ?? null,
      });
      const params = { supplementNumber: String(decided.number), amountCents: String(decided.totalInclVatCents) };
      if (decided.decision === 'approve') {
        if (approvedTotalCents !== null) approvedTotalCents += decided.totalInclVatCents;
        tracking.push(entry(decided, 'supplement.approved', { ...params, approvedTotalCents: String(approvedTotalCents ?? decided.totalInclVatCents) }));
      } else {
        tracking.push(entry(decided, 'supplement.rejected', { ...params, note: decided.note ?? '' }));
      }
    }
  }

  if (payment) {
    tracking.push(
      entry(payment, 'payment.requested', {
        invoiceNumber: payment.invoiceNumber,
        insurerShareCents: String(payment.insurerShareCents),
        ownerShareCents: String(payment.ownerShareCents),
      }),
    );
  }

  // An unanswered request that expired leaves a quote that can never be validated: voided, like a lost close.
  const voidedQuoteIds = [
    close && closeLost ? close.quoteId : undefined,
    cancelWins && liveClose ? liveClose.quoteId : undefined,
    roundExpiry && liveClose ? liveClose.quoteId : undefined,
  ].filter((id): id is string => id !== undefined);
  const deadline = openRound ? openRound.holding : quoteDeadline;

  return {
    status,
    section: SECTION_OF[status],
    outcome,
    deadline: deadline === null ? null : new Date(deadline.getTime()),
    transmission,
    approvedTotalCents,
    supplements: [...supplements.values()].sort((a, b) => a.number - b.number),
    quote:
      liveClose && !cancelWins && !roundExpiry ? { quoteId: liveClose.quoteId, procedure: liveClose.procedure, closedAt: new Date(liveClose.at.getTime()) } : null,
    voidedQuoteIds,
    voided: voided.sort((a, b) => a.at.getTime() - b.at.getTime() || compareText(a.eventId, b.eventId)),
    expert: lastDecision ? { name: lastDecision.expertName, phone: lastDecision.expertPhone } : null,
    lastDecision: lastDecision
      ? { decision: lastDecision.decision, note: lastDecision.note ?? null, at: new Date(lastDecision.at.getTime()) }
      : null,
    paymentRequested: payment !== undefined,
    payment: payment
      ? {
          requestedAt: new Date(payment.at.getTime()),
          invoiceNumber: payment.invoiceNumber,
          insurerShareCents: payment.insurerShareCents,
          ownerShareCents: payment.ownerShareCents,
          flagged: payment.flagged,
        }
      : null,
    tracking: tracking.sort(byTrackingOrder).map(({ at, code, params }) => ({ at, code, params })),
  };
}

/** A request for information and the garage's answer, if one came on time. */
interface Round {
  readonly request: FactOf<'review_decided'>;
  readonly respondBy: Date;
  answer: FactOf<'quote_submitted'> | undefined;
  /** The due date with the insurer's extensions made while the request was open. */
  readonly holding: Date;
}

function transmissionOf(quote: FactOf<'quote_submitted'>): number {
  return quote.transmission ?? 1;
}

export function statusAfterDecision(decision: Decision): MissionStatus {
  switch (decision) {
    case 'validate':
      return 'closed';
    case 'pending_validation':
      return 'pending_validation';
    case 'remote_intervention':
      return 'remote_intervention';
    case 'onsite_intervention':
      return 'onsite_intervention';
    case 'request_information':
      return 'information_requested';
    default: {
      const unknown: never = decision;
      throw new Error(`unknown review decision ${String(unknown)}`);
    }
  }
}

/** What changed between two verdicts that the other services must hear of (`mission.status-changed`). */
export function verdictChanged(before: MissionView | null, after: MissionView): boolean {
  if (before === null) return after.status !== 'new' || after.voidedQuoteIds.length > 0;
  return (
    before.status !== after.status ||
    before.outcome !== after.outcome ||
    before.quote?.quoteId !== after.quote?.quoteId ||
    before.voidedQuoteIds.join(',') !== after.voidedQuoteIds.join(',') ||
    before.lastDecision?.at.getTime() !== after.lastDecision?.at.getTime() ||
    before.deadline?.getTime() !== after.deadline?.getTime() ||
    before.transmission !== after.transmission ||
    before.approvedTotalCents !== after.approvedTotalCents
  );
}

// ---- Commands mission-intake decides itself ------------------------------------------------------

export type AbandonRefusalCode = 'mission_not_new' | 'deadline_passed' | 'reason_required';
export type CancelRefusalCode = 'mission_final' | 'deadline_passed' | 'reason_required';
export type ExtensionRefusalCode = 'mission_not_awaiting_garage' | 'deadline_passed' | 'deadline_not_later';

export interface ActionCommand {
  /** The id of the fact to record; ids are minted by the caller, this module has no randomness. */
  readonly eventId: string;
  readonly reason: string;
  /** Who acts (the organisation or its user). */
  readonly by: string;
  readonly at: Date;
}

export type Decided<F, Code extends string> =
  | { readonly ok: true; readonly fact: F }
  | { readonly ok: false; readonly code: Code; readonly message: string };

export const reasonMaxLength = 500;

function checkReason(raw: string, what: string): { ok: true; reason: string } | { ok: false; message: string } {
  const reason = raw.trim();
  const length = [...reason].length;
  if (length === 0) return { ok: false, message: `${what} needs a reason` };
  if (length > reasonMaxLength) return { ok: false, message: `the reason is ${length} characters long, at most ${reasonMaxLength} are allowed` };
  return { ok: true, reason };
}

/** Seed: "Introduisez la raison de l'abandon" on an incoming ("entrante") mission, before its deadline. */
export function decideAbandon(state: MissionState, command: ActionCommand): Decided<FactOf<'abandoned'>, AbandonRefusalCode> {
  const reason = checkReason(command.reason, 'an abandon');
  if (!reason.ok) return { ok: false, code: 'reason_required', message: reason.message };
  const view = project(state);
  if (view.deadline === null || !allowsAbandon(view.status)) {
    return { ok: false, code: 'mission_not_new', message: `only a new mission can be abandoned, this one is ${view.status}` };
  }
  if (command.at.getTime() >= view.deadline.getTime()) {
    return { ok: false, code: 'deadline_passed', message: `the deadline ${view.deadline.toISOString()} has passed` };
  }
  return { ok: true, fact: { type: 'abandoned', eventId: command.eventId, at: new Date(command.at.getTime()), reason: reason.reason, by: command.by } };
}

/**
 * The insurer withdraws the mission, until the expert's final decision. A new mission whose
 * deadline has passed is becoming a classic expertise: it is no longer the insurer's to cancel here.
 */
export function decideCancel(state: MissionState, command: ActionCommand): Decided<FactOf<'cancelled'>, CancelRefusalCode> {
  const reason = checkReason(command.reason, 'a cancel');
  if (!reason.ok) return { ok: false, code: 'reason_required', message: reason.message };
  const view = project(state);
  if (view.deadline === null || !allowsCancel(view.status)) {
    return { ok: false, code: 'mission_final', message: `the mission is ${view.status}: it can no longer be cancelled` };
  }
  if (allowsExtension(view.status) && command.at.getTime() > view.deadline.getTime()) {
    return { ok: false, code: 'deadline_passed', message: `the deadline ${view.deadline.toISOString()} has passed: the mission becomes a classic expertise` };
  }
  return { ok: true, fact: { type: 'cancelled', eventId: command.eventId, at: new Date(command.at.getTime()), reason: reason.reason, by: command.by } };
}

export interface ExtensionCommand {
  readonly eventId: string;
  /** The new deadline, already resolved from the insurer's date or date-time. */
  readonly deadline: Date;
  readonly by: string;
  readonly at: Date;
}

/**
 * The insurer gives the garage more time while it still has to act: a new mission's quote deadline,
 * or the due date of the expert's request for information. Only a later deadline, and only before
 * the one that holds has passed (after it, the mission is becoming a classic expertise).
 */
export function decideExtension(state: MissionState, command: ExtensionCommand): Decided<FactOf<'deadline_extended'>, ExtensionRefusalCode> {
  const view = project(state);
  if (view.deadline === null || !allowsExtension(view.status)) {
    return {
      ok: false,
      code: 'mission_not_awaiting_garage',
      message: `the deadline can only be extended while the garage has to act (new or information requested), the mission is ${view.status}`,
    };
  }
  if (command.at.getTime() > view.deadline.getTime()) {
    return { ok: false, code: 'deadline_passed', message: `the deadline ${view.deadline.toISOString()} has passed: the mission becomes a classic expertise` };
  }
  if (command.deadline.getTime() <= view.deadline.getTime()) {
    return {
      ok: false,
      code: 'deadline_not_later',
      message: `the new deadline ${command.deadline.toISOString()} must be later than the current one, ${view.deadline.toISOString()}`,
    };
  }
  return {
    ok: true,
    fact: { type: 'deadline_extended', eventId: command.eventId, at: new Date(command.at.getTime()), deadline: new Date(command.deadline.getTime()), by: command.by },
  };
}

// ---- Internals -----------------------------------------------------------------------------------

const reviewTracking: Record<Decision, TrackingCode> = {
  validate: 'review.validated',
  pending_validation: 'review.pending_validation',
  remote_intervention: 'review.remote_intervention',
  onsite_intervention: 'review.onsite_intervention',
  request_information: 'review.information_requested',
};

function inExpertOrder(decisions: readonly FactOf<'review_decided'>[]): FactOf<'review_decided'>[] {
  return [...decisions].sort((a, b) => a.sequence - b.sequence || compareText(a.eventId, b.eventId));
}

interface RankedEntry extends TrackingEntry {
  readonly rank: number;
  readonly sequence: number;
  readonly eventId: string;
}

/** Ties on the instant follow the procedure's own order, so equal clocks still give one tracking. */
const trackingRank: Record<MissionFactType, number> = {
  received: 0,
  deadline_approaching: 1,
  deadline_extended: 1,
  quote_submitted: 2,
  review_decided: 3,
  expired: 4,
  abandoned: 4,
  cancelled: 4,
  supplement_submitted: 5,
  supplement_decided: 6,
  payment_requested: 7,
};

function entry(fact: MissionFact, code: TrackingCode, params: Record<string, string>, after = 0): RankedEntry {
  return {
    at: new Date(fact.at.getTime()),
    code,
    params,
    rank: trackingRank[fact.type] * 2 + after,
    sequence: fact.type === 'review_decided' ? fact.sequence : 0,
    eventId: fact.eventId,
  };
}

function byTrackingOrder(a: RankedEntry, b: RankedEntry): number {
  return a.at.getTime() - b.at.getTime() || a.rank - b.rank || a.sequence - b.sequence || compareText(a.eventId, b.eventId);
}

function byInstantThenEventId(a: MissionFact, b: MissionFact): number {
  return a.at.getTime() - b.at.getTime() || compareText(a.eventId, b.eventId);
}

// Code-unit order, independent of the runtime's locale.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const iso = (at: Date): string => at.toISOString();

/**
 * The fact with instants of its own: from Dates (so a caller mutating its Date objects cannot
 * rewrite what we know) or from the ISO strings JSON keeps them as (a stored fact). Every fact type
 * is named, so a new one fails to compile here.
 */
export function reviveFact(
  fact: MissionFact | (Omit<MissionFact, 'at'> & { at: string | Date; deadline?: string | Date; respondBy?: string | Date }),
): MissionFact {
  const known = fact as MissionFact;
  const at = new Date(fact.at);
  switch (known.type) {
    case 'received':
    case 'deadline_approaching':
    case 'expired':
    case 'deadline_extended':
      return { ...known, at, deadline: new Date(known.deadline) };
    case 'review_decided':
      return known.respondBy === undefined ? { ...known, at } : { ...known, at, respondBy: new Date(known.respondBy) };
    case 'quote_submitted':
    case 'supplement_submitted':
    case 'supplement_decided':
    case 'abandoned':
    case 'cancelled':
    case 'payment_requested':
      return { ...known, at };
    default: {
      const unknown: never = known;
      throw new Error(`unknown mission fact ${JSON.stringify(unknown)}`);
    }
  }
}
