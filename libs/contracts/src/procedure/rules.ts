/**
 * The procedure's rules as small pure functions, in the one vocabulary of `common.ts`. Every service
 * asks these, never a copy of its own: which statuses are final, which still await a quote, where a
 * status sits on the board, when a payment may be requested, whether a deadline still runs.
 */
import {
  DEFAULT_INFORMATION_WORKING_DAYS,
  DEFAULT_REVIEW_WORKING_DAYS,
  type BoardSection,
  type InsurerPolicy,
  type MissionStatus,
  type Outcome,
  type Procedure,
  type QuoteStatus,
  type SupplementStatus,
} from '../common.ts';
import { endOfNthWorkingDayAfter } from '../calendar.ts';

/** Where each status sits on the garage's board (seed: pending validation stays "En cours d'analyse"). */
export const SECTION_OF: Readonly<Record<MissionStatus, BoardSection>> = {
  new: 'smart.new',
  under_analysis: 'smart.under_analysis',
  pending_validation: 'smart.under_analysis',
  remote_intervention: 'smart.remote_intervention',
  onsite_intervention: 'smart.onsite_intervention',
  information_requested: 'smart.information_requested',
  closed: 'smart.closed',
  expired: 'classic.expired',
  abandoned: 'closed.abandoned',
  cancelled: 'closed.cancelled',
};

/** Once final, every service answers 409 to any further command on the mission. */
export function isFinal(status: MissionStatus): boolean {
  switch (status) {
    case 'closed':
    case 'expired':
    case 'abandoned':
    case 'cancelled':
      return true;
    case 'new':
    case 'under_analysis':
    case 'pending_validation':
    case 'remote_intervention':
    case 'onsite_intervention':
    case 'information_requested':
      return false;
    default: {
      const unknown: never = status;
      throw new Error(`unknown mission status ${String(unknown)}`);
    }
  }
}

/**
 * The garage has to act: a new mission awaits its quote, and a mission whose quote the expert
 * returned (information requested) awaits its next transmission.
 */
export function awaitsQuote(status: MissionStatus): boolean {
  return status === 'new' || status === 'information_requested';
}

/** Seed: only an incoming ("entrante") mission may be abandoned. */
export function allowsAbandon(status: MissionStatus): boolean {
  return status === 'new';
}

/** The insurer may extend the deadline while the garage still has to act. */
export function allowsExtension(status: MissionStatus): boolean {
  return awaitsQuote(status);
}

/** The deadline runs while the garage still has to act; the expiry sweep looks at nothing else. */
export function deadlineRuns(status: MissionStatus): boolean {
  return awaitsQuote(status);
}

/**
 * Seed §3: the quote is closed "au plus tard le" the deadline, which is the last millisecond
 * allowed: a close at that very instant is on time.
 */
export function onTime(at: Date, deadline: Date): boolean {
  return at.getTime() <= deadline.getTime();
}

/**
 * Quote work (create, edit, close) is allowed on a new mission before its deadline, and on a
 * returned quote before the answer's due date (the deadline the verdict says holds).
 */
export function acceptsQuoteWork(status: MissionStatus, deadline: Date, now: Date): boolean {
  return awaitsQuote(status) && onTime(now, deadline);
}

/** The insurer may cancel until the expert's final decision. */
export function allowsCancel(status: MissionStatus): boolean {
  return !isFinal(status);
}

/** The expert may decide while the mission rests on the case's quote and is not final. */
export function allowsDecision(status: MissionStatus): boolean {
  return !isFinal(status) && !awaitsQuote(status);
}

/**
 * Seed §4–5: direct payment only after a validated repair expertise. A total loss is not a
 * repair: its validation never takes a payment for repairs.
 */
export function allowsPayment(status: MissionStatus, outcome: Outcome | null): boolean {
  return status === 'closed' && outcome === 'validated';
}

/**
 * Supplements for hidden damage: on a validated repair expertise (never a total loss), until its
 * payment request.
 */
export function allowsSupplement(status: MissionStatus, outcome: Outcome | null, paymentRequested: boolean): boolean {
  return allowsPayment(status, outcome) && !paymentRequested;
}

/** The approved total, incl. VAT: the validated quote plus the approved supplements. */
export function approvedTotal(
  validatedInclVatCents: number,
  supplements: ReadonlyArray<{ readonly status: SupplementStatus; readonly totalInclVatCents: number }>,
): number {
  return supplements.reduce((sum, s) => (s.status === 'approved' ? sum + s.totalInclVatCents : sum), validatedInclVatCents);
}

/** When the garage's answer to a request for information is due, unless the expert sets it: the policy's working days. */
export function defaultRespondBy(requestedAt: Date, policy: Pick<InsurerPolicy, 'informationWorkingDays'> | null): Date {
  return endOfNthWorkingDayAfter(requestedAt, policy?.informationWorkingDays ?? DEFAULT_INFORMATION_WORKING_DAYS);
}

/** When the expert office's decision on a transmission is due: the policy's working days after it reached the office. */
export function reviewDueAt(transmittedAt: Date, policy: Pick<InsurerPolicy, 'reviewWorkingDays'> | null): Date {
  return endOfNthWorkingDayAfter(transmittedAt, policy?.reviewWorkingDays ?? DEFAULT_REVIEW_WORKING_DAYS);
}

/** The outcome a validation gives, per procedure. */
export function validationOutcome(procedure: Procedure): Outcome {
  return procedure === 'total_loss' ? 'total_loss' : 'validated';
}

/**
 * What becomes of one of the garage's quotes once mission-intake's verdict is known: a quote the
 * verdict names as voided is voided, and so is a draft of a mission that was abandoned or
 * cancelled (it can never be transmitted). A voided closed quote the verdict rests on again is
 * closed again: the one reversal the rules allow, when an insurer's cancel after the close loses to
 * a validation made before it and learned late (the tracking says `cancel.voided`).
 */
export function quoteStatusAfterVerdict(
  quote: {
    readonly id: string;
    readonly status: QuoteStatus;
    readonly closed: boolean;
    /** How many times the garage transmitted it (absent: 1 once closed). */
    readonly transmissions?: number;
  },
  verdict: {
    readonly status: MissionStatus;
    readonly voidedQuoteIds: readonly string[];
    readonly quoteId: string | null;
    /** The transmission the verdict rests on (absent: 1). */
    readonly transmission?: number | undefined;
  },
): QuoteStatus {
  if (quote.status === 'discarded') return quote.status;
  if (quote.status === 'voided') return quote.closed && verdict.quoteId === quote.id ? 'closed' : 'voided';
  if (verdict.voidedQuoteIds.includes(quote.id)) return 'voided';
  if (quote.status === 'draft' && (verdict.status === 'abandoned' || verdict.status === 'cancelled')) return 'voided';
  // The expert's request returns the transmission it was made on; a verdict about an earlier one
  // (the garage already answered it) returns nothing.
  const requestOnLatest =
    verdict.status === 'information_requested' && verdict.quoteId === quote.id && (verdict.transmission ?? 1) === (quote.transmissions ?? 1);
  if (quote.status === 'closed' && requestOnLatest) return 'returned';
  // A returned quote the verdict no longer waits for (answered elsewhere, or expired) stands as transmitted.
  if (quote.status === 'returned' && !requestOnLatest) return 'closed';
  return quote.status;
}

/**
 * The review case's status for a mission resting on the case's quote: the expert's queue and the
 * mission say the same thing. Null for a mission that does not rest on a quote.
 */
export function caseStatusOf(
  status: MissionStatus,
): 'open' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention' | 'information_requested' | 'validated' | null {
  switch (status) {
    case 'under_analysis':
      return 'open';
    case 'pending_validation':
    case 'remote_intervention':
    case 'onsite_intervention':
    case 'information_requested':
      return status;
    case 'closed':
      return 'validated';
    case 'new':
    case 'expired':
    case 'abandoned':
    case 'cancelled':
      return null;
    default: {
      const unknown: never = status;
      throw new Error(`unknown mission status ${String(unknown)}`);
    }
  }
}
