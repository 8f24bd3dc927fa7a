import type { TrackingCode } from '@smart-expertise/contracts/tracking-messages';
import { formatDeadlineDate } from './deadline.ts';

/**
 * The lifecycle of a Smart Expertise mission, as an order-independent fold.
 *
 * The facts reach this service from several Kafka topics (our own mission.received and
 * mission.abandoned, quote.submitted, review.decided, the scheduler's reminders and expiries,
 * payment.requested). Kafka keeps one topic's order per mission, never the order across topics,
 * and redelivers. So the state is only the *knowledge*: every distinct fact seen, keyed by its
 * eventId; `project` derives the mission's status, section and tracking from that set alone, so
 * any delivery order and any redelivery give the same projection.
 */

export type QuoteProcedure = 'standard' | 'total_loss';
export type ReviewDecision = 'validate' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention';

export type MissionFact =
  | { readonly type: 'received'; readonly eventId: string; readonly at: Date; readonly deadline: Date }
  | {
      readonly type: 'quote_submitted';
      readonly eventId: string;
      /** The closing instant. */
      readonly at: Date;
      readonly procedure: QuoteProcedure;
      readonly quoteId: string;
    }
  | {
      readonly type: 'review_decided';
      readonly eventId: string;
      readonly at: Date;
      /** Per mission, increasing, assigned by expert-review: the order the expert decided in. */
      readonly sequence: number;
      readonly decision: ReviewDecision;
      readonly expertName: string;
      readonly expertPhone: string;
      readonly note?: string;
    }
  | { readonly type: 'deadline_approaching'; readonly eventId: string; readonly at: Date; readonly deadline: Date }
  | { readonly type: 'expired'; readonly eventId: string; readonly at: Date; readonly deadline: Date }
  | { readonly type: 'abandoned'; readonly eventId: string; readonly at: Date; readonly reason: string; readonly by: string }
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
type FactOf<T extends MissionFactType> = Extract<MissionFact, { type: T }>;

export type MissionStatus =
  | 'new'
  | 'under_analysis'
  | 'pending_validation'
  | 'remote_intervention'
  | 'onsite_intervention'
  | 'closed'
  | 'expired'
  | 'abandoned';

export type MissionSection =
  | 'smart.new'
  | 'smart.under_analysis'
  | 'smart.remote_intervention'
  | 'smart.onsite_intervention'
  | 'smart.closed'
  | 'classic.expired'
  | 'closed.abandoned';

export type MissionOutcome = 'validated' | 'total_loss' | 'abandoned' | null;

export interface TrackingEntry {
  readonly at: Date;
  readonly code: TrackingCode;
  /** Rendered later, per language, by `trackingMessage` from libs/contracts. */
  readonly params: Readonly<Record<string, string>>;
}

export interface PaymentRequest {
  readonly requestedAt: Date;
  readonly invoiceNumber: string;
  readonly insurerShareCents: number;
  readonly ownerShareCents: number;
  readonly flagged: boolean;
}

export interface MissionView {
  readonly status: MissionStatus;
  readonly section: MissionSection;
  readonly outcome: MissionOutcome;
  /** From mission.received; null only while that fact is still unknown. */
  readonly deadline: Date | null;
  readonly paymentRequested: boolean;
  readonly payment: PaymentRequest | null;
  /** Oldest first. */
  readonly tracking: readonly TrackingEntry[];
}

/** The knowledge: each distinct fact seen, by eventId. */
export interface MissionState {
  readonly facts: Readonly<Record<string, MissionFact>>;
}

export const initialState: MissionState = { facts: {} };

/** Adds a fact to the knowledge. A redelivered eventId changes nothing (the first copy is kept). */
export function evolve(state: MissionState, fact: MissionFact): MissionState {
  if (Object.hasOwn(state.facts, fact.eventId)) return state;
  return { facts: { ...state.facts, [fact.eventId]: normalise(fact) } };
}

export function project(state: MissionState): MissionView {
  const facts = Object.values(state.facts).sort(byInstantThenEventId);
  const ofType = <T extends MissionFactType>(type: T): FactOf<T>[] =>
    facts.filter((fact): fact is FactOf<T> => fact.type === type);

  const received = ofType('received')[0];
  const expiries = ofType('expired');
  const reminders = ofType('deadline_approaching');
  // The scheduler's facts repeat the deadline, so a fact that overtook mission.received can still be judged.
  const deadline = received?.deadline ?? expiries[0]?.deadline ?? reminders[0]?.deadline ?? null;
  const before = (at: Date, inclusive: boolean): boolean =>
    deadline === null || (inclusive ? at.getTime() <= deadline.getTime() : at.getTime() < deadline.getTime());

  // Seed: the quote must be closed before the deadline ("au plus tard le"); the deadline is the
  // last millisecond allowed, so a close at that very instant is on time. A late close never counts.
  const quoteOnTime = ofType('quote_submitted').find((quote) => before(quote.at, true));
  // The garage may only abandon an incoming mission, so only while the deadline is still ahead.
  const abandonOnTime = ofType('abandoned').find((abandon) => before(abandon.at, false));
  // The earlier of abandon and close wins; at the same instant the closed quote wins, as it already reached the expert.
  const abandonWins =
    abandonOnTime !== undefined && (quoteOnTime === undefined || abandonOnTime.at.getTime() < quoteOnTime.at.getTime());
  const quote = abandonWins ? undefined : quoteOnTime;
  const abandon = abandonWins ? abandonOnTime : undefined;
  // Seed: a Smart Expertise expires only if no quote was closed before the deadline.
  const expiry = quote === undefined && abandon === undefined ? expiries[0] : undefined;

  const decisions = quote === undefined ? [] : appliedDecisions(ofType('review_decided'));
  const lastDecision = decisions.at(-1);
  const payment = quote === undefined ? undefined : ofType('payment_requested')[0];

  const leftNewAt = (abandon ?? expiry ?? quote)?.at;
  const remindersWhileNew = reminders.filter((reminder) => leftNewAt === undefined || reminder.at.getTime() < leftNewAt.getTime());

  const tracking: RankedEntry[] = [];
  if (received) tracking.push(entry(received, 'mission.received', { deadlineDate: formatDeadlineDate(received.deadline) }));
  for (const reminder of remindersWhileNew) {
    tracking.push(entry(reminder, 'deadline.approaching', { deadlineDate: formatDeadlineDate(reminder.deadline) }));
  }
  if (quote) tracking.push(entry(quote, quote.procedure === 'total_loss' ? 'total_loss.declared' : 'quote.under_analysis', {}));
  for (const decision of decisions) {
    tracking.push(
      entry(decision, reviewTracking[decision.decision], {
        expertName: decision.expertName,
        expertPhone: decision.expertPhone,
      }),
    );
  }
  if (expiry) tracking.push(entry(expiry, 'mission.expired', { deadlineDate: formatDeadlineDate(expiry.deadline) }));
  if (abandon) tracking.push(entry(abandon, 'mission.abandoned', { reason: abandon.reason }));
  if (payment) tracking.push(entry(payment, 'payment.requested', { invoiceNumber: payment.invoiceNumber }));

  const placement = abandon
    ? abandonedPlacement
    : expiry
      ? expiredPlacement
      : quote
        ? lastDecision
          ? decisionPlacement(lastDecision.decision, quote.procedure)
          : underAnalysisPlacement
        : newPlacement;

  return {
    ...placement,
    deadline: deadline === null ? null : new Date(deadline.getTime()),
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

export type AbandonRefusalCode = 'mission_not_new' | 'deadline_passed' | 'reason_required';

export interface AbandonCommand {
  /** The id of the fact to record; ids are minted by the caller, this module has no randomness. */
  readonly eventId: string;
  readonly reason: string;
  /** Who abandons (the garage's organisation or user). */
  readonly by: string;
  readonly at: Date;
}

export type AbandonDecision =
  | { readonly ok: true; readonly fact: FactOf<'abandoned'> }
  | { readonly ok: false; readonly code: AbandonRefusalCode; readonly message: string };

export const abandonReasonMaxLength = 500;

/** Seed: "Introduisez la raison de l'abandon" on an incoming ("entrante") mission, before its deadline. */
export function decideAbandon(state: MissionState, command: AbandonCommand): AbandonDecision {
  const reason = command.reason.trim();
  const length = [...reason].length;
  if (length === 0) {
    return { ok: false, code: 'reason_required', message: 'an abandon needs a reason' };
  }
  if (length > abandonReasonMaxLength) {
    return {
      ok: false,
      code: 'reason_required',
      message: `the reason is ${length} characters long, at most ${abandonReasonMaxLength} are allowed`,
    };
  }
  const view = project(state);
  if (view.deadline === null || view.status !== 'new') {
    return { ok: false, code: 'mission_not_new', message: `only a new mission can be abandoned, this one is ${view.status}` };
  }
  if (command.at.getTime() >= view.deadline.getTime()) {
    return { ok: false, code: 'deadline_passed', message: `the deadline ${view.deadline.toISOString()} has passed` };
  }
  return {
    ok: true,
    fact: { type: 'abandoned', eventId: command.eventId, at: new Date(command.at.getTime()), reason, by: command.by },
  };
}

type Placement = Pick<MissionView, 'status' | 'section' | 'outcome'>;

const newPlacement: Placement = { status: 'new', section: 'smart.new', outcome: null };
const underAnalysisPlacement: Placement = { status: 'under_analysis', section: 'smart.under_analysis', outcome: null };
const expiredPlacement: Placement = { status: 'expired', section: 'classic.expired', outcome: null };
// Seed: "la mission part en abandon et revient clôturée en une seule étape".
const abandonedPlacement: Placement = { status: 'abandoned', section: 'closed.abandoned', outcome: 'abandoned' };

function decisionPlacement(decision: ReviewDecision, procedure: QuoteProcedure): Placement {
  switch (decision) {
    case 'validate':
      return { status: 'closed', section: 'smart.closed', outcome: procedure === 'total_loss' ? 'total_loss' : 'validated' };
    case 'pending_validation':
      // Seed: "En cours d'analyse — EN COURS DE VALIDATION PAR L'EXPERT": the section stays.
      return { status: 'pending_validation', section: 'smart.under_analysis', outcome: null };
    case 'remote_intervention':
      return { status: 'remote_intervention', section: 'smart.remote_intervention', outcome: null };
    case 'onsite_intervention':
      return { status: 'onsite_intervention', section: 'smart.onsite_intervention', outcome: null };
    default: {
      const unknown: never = decision;
      throw new Error(`unknown review decision ${String(unknown)}`);
    }
  }
}

const reviewTracking: Record<ReviewDecision, TrackingCode> = {
  validate: 'review.validated',
  pending_validation: 'review.pending_validation',
  remote_intervention: 'review.remote_intervention',
  onsite_intervention: 'review.onsite_intervention',
};

/** Decisions in the expert's order, up to and including the first validation, which closes the expertise. */
function appliedDecisions(decisions: readonly FactOf<'review_decided'>[]): FactOf<'review_decided'>[] {
  const inOrder = [...decisions].sort((a, b) => a.sequence - b.sequence || compareText(a.eventId, b.eventId));
  const validation = inOrder.findIndex((decision) => decision.decision === 'validate');
  return validation === -1 ? inOrder : inOrder.slice(0, validation + 1);
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
  quote_submitted: 2,
  review_decided: 3,
  expired: 4,
  abandoned: 4,
  payment_requested: 5,
};

function entry(fact: MissionFact, code: TrackingCode, params: Record<string, string>): RankedEntry {
  return {
    at: new Date(fact.at.getTime()),
    code,
    params,
    rank: trackingRank[fact.type],
    sequence: fact.type === 'review_decided' ? fact.sequence : 0,
    eventId: fact.eventId,
  };
}

function byTrackingOrder(a: RankedEntry, b: RankedEntry): number {
  return (
    a.at.getTime() - b.at.getTime() || a.rank - b.rank || a.sequence - b.sequence || compareText(a.eventId, b.eventId)
  );
}

function byInstantThenEventId(a: MissionFact, b: MissionFact): number {
  return a.at.getTime() - b.at.getTime() || compareText(a.eventId, b.eventId);
}

// Code-unit order, independent of the runtime's locale.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Copies the instants so a caller mutating its Date objects cannot rewrite what we know. */
function normalise(fact: MissionFact): MissionFact {
  const at = new Date(fact.at.getTime());
  switch (fact.type) {
    case 'received':
    case 'deadline_approaching':
    case 'expired':
      return { ...fact, at, deadline: new Date(fact.deadline.getTime()) };
    case 'quote_submitted':
    case 'review_decided':
    case 'abandoned':
    case 'payment_requested':
      return { ...fact, at };
    default: {
      const unknown: never = fact;
      throw new Error(`unknown mission fact ${JSON.stringify(unknown)}`);
    }
  }
}
