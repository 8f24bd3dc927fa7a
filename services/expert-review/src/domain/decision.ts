/**
 * The review case as a decider (seed section 4, "Expert analysis"; product page, "One set of rules
 * for the whole procedure").
 *
 * A case opens when a closed quote reaches the expert office. The expert then decides: validate,
 * pending validation, remote intervention or on-site intervention. "After a remote or on-site
 * intervention, or a pending validation, the expert later validates", so those three states accept
 * any further decision; a validated case is closed and final.
 *
 * The second loop: the expert may send the quote back (`request_information`, with a note saying
 * what is missing and a due date for the answer). The case then waits for the garage
 * (`information_requested`, no decision accepted) until the same quote is transmitted again
 * (quote.submitted with the next `transmission`), which opens the case again on the new figures.
 *
 * A case is withdrawn when its quote is voided (the mission was abandoned or cancelled first):
 * "a voided close leaves no case in the expert's queue and can never be validated". The withdrawal
 * is the authority's verdict, learned from quote.voided: the case cannot refuse it, whatever its
 * status, and after it every decision is refused.
 *
 * A voided quote may count again (quote.reinstated: the cancel that voided it lost to an earlier
 * validation, or the expiry that voided it lost to the garage's answer on time). The case then
 * comes back as its own record says: the office's last decision on the transmission the case holds
 * is a fact it knows first-hand, which mission-intake counts again once the quote counts, whereas
 * the `missionStatus` of quote.reinstated is a snapshot of a verdict that may not have read it yet.
 *
 * The production path is `decide` then `evolve`: the HTTP route and the consumer load the state,
 * decide, and store the events and the state `evolve` gives; nothing else computes a status.
 */
import type Type from 'typebox';
import { DECISIONS, literalsOf, type Decision, type MissionStatus } from '@smart-expertise/contracts';
import { caseStatusOf, statusAfterDecision } from '@smart-expertise/contracts/procedure';
import { ReviewQueueFilter, ReviewStatus } from '@smart-expertise/contracts/http/expert-review';

export { DECISIONS, type Decision, type ReviewStatus };

/** The case's statuses, in the contract's words and order. */
export const REVIEW_STATUSES = literalsOf<ReviewStatus>(ReviewStatus);

export type QueueFilter = Type.Static<typeof ReviewQueueFilter>;

/** Why a case was withdrawn: the mission status that voided its quote, and when. */
export interface Withdrawal {
  readonly missionStatus: MissionStatus;
  readonly at: Date;
}

/** A decision as the case's record keeps it: what the office decided, on which transmission. */
export interface RecordedDecision {
  readonly decision: Decision;
  readonly transmission: number;
}

export interface ReviewCaseState {
  readonly status: ReviewStatus;
  /** How many decisions have been recorded; also the case's version for optimistic concurrency. */
  readonly decisions: number;
  /** Null while the case's quote stands. */
  readonly withdrawal: Withdrawal | null;
  /** The quote's transmission the case holds: 1 for the first close, +1 per answer to a request for information. */
  readonly transmission: number;
  /**
   * The office's last recorded decision, null before any. A withdrawal hides the status it led to;
   * a reinstatement needs it back. The stored row keeps only the status (its decisions keep the
   * rest): absent on a state loaded without them, which `withRecord` completes.
   */
  readonly lastDecision?: RecordedDecision | null;
}

export const initialReviewCase: ReviewCaseState = { status: 'open', decisions: 0, withdrawal: null, transmission: 1, lastDecision: null };

/** The state a case opens in for a quote's transmission (a case first learned at a later transmission opens there). */
export function openedAt(transmission: number): ReviewCaseState {
  return { ...initialReviewCase, transmission };
}

/** A stored state completed with the case's own record: its decisions, in any order. */
export function withRecord(state: ReviewCaseState, decisions: readonly (RecordedDecision & { readonly sequence: number })[]): ReviewCaseState {
  const last = decisions.reduce<(typeof decisions)[number] | null>((latest, d) => (latest === null || d.sequence > latest.sequence ? d : latest), null);
  return { ...state, lastDecision: last && { decision: last.decision, transmission: last.transmission } };
}

export interface DecideCommand {
  readonly type: 'decide';
  readonly decision: Decision;
  readonly expertName: string;
  readonly expertPhone: string;
  readonly note?: string | undefined;
  /** When the expert decided; time comes in, the domain never reads a clock. */
  readonly at: Date;
  /** The version (`decisions`) the expert saw; when given and stale, the decision is refused. */
  readonly expectedVersion?: number | undefined;
  /** The transmission the expert saw; when given and not the case's, the decision is refused. */
  readonly expectedTransmission?: number | undefined;
  /**
   * request_information only, and required there: when the garage's answer is due (the expert's
   * date or the policy's default, resolved by the caller). Must be after `at`.
   */
  readonly respondBy?: Date | undefined;
}

export interface WithdrawCommand {
  readonly type: 'withdraw';
  /** The mission status that voided the quote (abandoned, cancelled…), from quote.voided. */
  readonly missionStatus: MissionStatus;
  /** When the quote was voided. */
  readonly at: Date;
}

/**
 * The quote the case was withdrawn for counts again: the insurer's cancel that voided it lost to a
 * validation made before it, or the expiry that voided it lost to the garage's answer on time. The
 * case takes the status its own last decision on the transmission it holds gives; with none, the
 * status the mission says.
 */
export interface ReinstateCommand {
  readonly type: 'reinstate';
  /** The mission's status in the verdict that reinstated the quote (quote.reinstated). */
  readonly missionStatus: MissionStatus;
  readonly at: Date;
}

/** The garage transmitted the quote again (quote.submitted with `transmission` > 1). */
export interface RetransmitCommand {
  readonly type: 'retransmit';
  readonly transmission: number;
  /** When the garage closed the quote again. */
  readonly at: Date;
}

export type CaseCommand = DecideCommand | WithdrawCommand | ReinstateCommand | RetransmitCommand;

export interface ReviewDecided {
  readonly type: 'review_decided';
  readonly decision: Decision;
  readonly expertName: string;
  readonly expertPhone: string;
  /** The trimmed note, or null when none (or only blanks) was given. */
  readonly note: string | null;
  readonly at: Date;
  /** 1 for the case's first decision, then +1 per recorded decision. */
  readonly sequence: number;
  /** The transmission the decision was taken on. */
  readonly transmission: number;
  /** request_information only: when the garage's answer is due; null otherwise. */
  readonly respondBy: Date | null;
}

export interface QuoteRetransmitted {
  readonly type: 'quote_retransmitted';
  readonly transmission: number;
  readonly at: Date;
}

export interface CaseWithdrawn {
  readonly type: 'case_withdrawn';
  readonly missionStatus: MissionStatus;
  readonly at: Date;
}

export interface CaseReinstated {
  readonly type: 'case_reinstated';
  readonly status: Exclude<ReviewStatus, 'withdrawn'>;
  readonly at: Date;
}

export type CaseEvent = ReviewDecided | CaseWithdrawn | CaseReinstated | QuoteRetransmitted;

export type CaseRefusalCode =
  | 'case_withdrawn'
  | 'case_final'
  | 'awaiting_garage'
  | 'note_required'
  | 'respond_by_not_in_future'
  | 'respond_by_not_allowed'
  | 'unexpected_transmission'
  | 'version_conflict'
  | 'expert_identity_missing'
  | 'invalid_instant'
  | 'same_decision'
  | 'unknown_decision';

export interface CaseRefusal {
  readonly ok: false;
  readonly code: CaseRefusalCode;
  readonly message: string;
  /** The request field the refusal is about, when it is about one (`note`, `respondBy`). */
  readonly field?: string;
}

export type DecideResult<E extends CaseEvent = CaseEvent> = { readonly ok: true; readonly events: readonly E[] } | CaseRefusal;

export function decide(state: ReviewCaseState, command: DecideCommand): DecideResult<ReviewDecided>;
export function decide(state: ReviewCaseState, command: WithdrawCommand): DecideResult<CaseWithdrawn>;
export function decide(state: ReviewCaseState, command: ReinstateCommand): DecideResult<CaseReinstated>;
export function decide(state: ReviewCaseState, command: RetransmitCommand): DecideResult<QuoteRetransmitted>;
export function decide(state: ReviewCaseState, command: CaseCommand): DecideResult;
export function decide(state: ReviewCaseState, command: CaseCommand): DecideResult {
  switch (command.type) {
    case 'decide':
      return decideReview(state, command);
    case 'withdraw':
      return withdraw(state, command);
    case 'reinstate':
      return reinstate(state, command);
    case 'retransmit':
      return retransmit(state, command);
    default: {
      const unknown: never = command;
      throw new Error(`unknown case command ${JSON.stringify(unknown)}`);
    }
  }
}

function decideReview(state: ReviewCaseState, command: DecideCommand): DecideResult<ReviewDecided> {
  // Checked first: whatever the expert saw, a voided quote can never be validated (api.md: "a
  // decision on a case whose mission is abandoned, cancelled or expired is 409").
  if (state.status === 'withdrawn') {
    return refuse('case_withdrawn', withdrawnMessage(state.withdrawal));
  }
  if (state.status === 'validated') {
    return refuse('case_final', 'The case is validated and closed; no further decision can be recorded.');
  }
  // The quote is back with the garage: the expert decides on its next transmission, not on this one.
  if (state.status === 'information_requested') {
    return refuse('awaiting_garage', `Information was requested from the garage on transmission ${state.transmission}; the case takes a decision once the garage transmits the quote again.`);
  }
  if (command.expectedVersion !== undefined && command.expectedVersion !== state.decisions) {
    return refuse(
      'version_conflict',
      `The case is at version ${state.decisions} but the decision was made on version ${command.expectedVersion}; reload the case and decide again.`,
    );
  }
  if (command.expectedTransmission !== undefined && command.expectedTransmission !== state.transmission) {
    return refuse(
      'version_conflict',
      `The garage transmitted the quote again (transmission ${state.transmission}) but the decision was made on transmission ${command.expectedTransmission}; reload the case and decide again.`,
    );
  }
  // The garage's tracking shows the expert's name and phone (seed: "avec l'expert"), so both are required.
  if (command.expertName.trim() === '' || command.expertPhone.trim() === '') {
    return refuse('expert_identity_missing', "A decision needs the expert's name and phone, which are shown to the garage.");
  }
  if (!validInstant(command.at)) {
    return refuse('invalid_instant', 'The decision instant is not a valid date.');
  }
  if (!DECISIONS.includes(command.decision)) {
    return refuse('unknown_decision', `Unknown decision ${JSON.stringify(command.decision)}.`);
  }
  // Repeating the current status would record a second, identical decision and notify the garage
  // again for nothing: it is refused so the client learns the case is already there.
  if (state.status === statusAfter(command.decision)) {
    return refuse('same_decision', `The case is already in status ${state.status}; the same decision is not recorded twice.`);
  }
  const note = command.note?.trim() ?? '';
  let respondBy: Date | null = null;
  if (command.decision === 'request_information') {
    // The garage must know what is missing: the note is the request itself.
    if (note === '') return refuse('note_required', 'A request for information needs a note saying what is missing.', 'note');
    if (command.respondBy === undefined || !validInstant(command.respondBy) || command.respondBy.getTime() <= command.at.getTime()) {
      return refuse('respond_by_not_in_future', "The garage's answer must be due after the request is made.", 'respondBy');
    }
    respondBy = command.respondBy;
  } else if (command.respondBy !== undefined) {
    return refuse('respond_by_not_allowed', `respondBy is only for request_information, not ${command.decision}.`, 'respondBy');
  }
  return accept({
    type: 'review_decided',
    decision: command.decision,
    expertName: command.expertName.trim(),
    expertPhone: command.expertPhone.trim(),
    note: note === '' ? null : note,
    at: command.at,
    sequence: state.decisions + 1,
    transmission: state.transmission,
    respondBy,
  });
}

function retransmit(state: ReviewCaseState, command: RetransmitCommand): DecideResult<QuoteRetransmitted> {
  if (!validInstant(command.at)) {
    return refuse('invalid_instant', 'The transmission instant is not a valid date.');
  }
  // A transmission already recorded (redelivered, re-published) changes nothing.
  if (command.transmission <= state.transmission) return accept();
  // A voided quote takes no further transmission: the case stays withdrawn with its cause.
  if (state.status === 'withdrawn') return accept();
  if (state.status !== 'information_requested' || command.transmission !== state.transmission + 1) {
    return refuse(
      'unexpected_transmission',
      `Transmission ${command.transmission} cannot follow transmission ${state.transmission} on a case in status ${state.status}: ` +
        'a quote is transmitted again only after a request for information, one transmission at a time.',
    );
  }
  return accept({ type: 'quote_retransmitted', transmission: command.transmission, at: command.at });
}

function withdraw(state: ReviewCaseState, command: WithdrawCommand): DecideResult<CaseWithdrawn> {
  if (!validInstant(command.at)) {
    return refuse('invalid_instant', 'The withdrawal instant is not a valid date.');
  }
  // A second void of the same quote (re-published, or a later verdict) changes nothing: the case
  // keeps the first withdrawal and its cause.
  if (state.status === 'withdrawn') return accept();
  return accept({ type: 'case_withdrawn', missionStatus: command.missionStatus, at: command.at });
}

function reinstate(state: ReviewCaseState, command: ReinstateCommand): DecideResult<CaseReinstated> {
  if (!validInstant(command.at)) {
    return refuse('invalid_instant', 'The reinstatement instant is not a valid date.');
  }
  // Only a withdrawn case comes back; a redelivered reinstatement changes nothing.
  if (state.status !== 'withdrawn') return accept();
  // A mission resting on no quote (a contradiction for a reinstated one) leaves the case withdrawn.
  if (caseStatusOf(command.missionStatus) === null) return accept();
  if (state.lastDecision === undefined) {
    throw new Error("a reinstatement needs the case's own decisions: complete the stored state with withRecord");
  }
  // The verdict that reinstated the quote may not have read the office's decisions yet (they reach
  // mission-intake on another topic); they count again with the quote, so the case's own last
  // decision on the transmission it holds says where the mission is going. Without one, the
  // transmission awaits the office, and the mission says so.
  const own = state.lastDecision?.transmission === state.transmission ? state.lastDecision : null;
  const status = caseStatusOf(own ? statusAfterDecision(own.decision) : command.missionStatus);
  if (status === null) return accept();
  return accept({ type: 'case_reinstated', status, at: command.at });
}

export function evolve(state: ReviewCaseState, event: CaseEvent): ReviewCaseState {
  switch (event.type) {
    case 'review_decided':
      // A redelivered event (sequence already folded in) changes nothing, so replays are harmless.
      if (event.sequence <= state.decisions) return state;
      // A withdrawal is final: a decision folded after it (never produced by `decide`) only counts.
      return {
        ...state,
        status: state.status === 'withdrawn' ? 'withdrawn' : statusAfter(event.decision),
        decisions: event.sequence,
        lastDecision: { decision: event.decision, transmission: event.transmission },
      };
    case 'case_withdrawn':
      if (state.status === 'withdrawn') return state;
      return { ...state, status: 'withdrawn', withdrawal: { missionStatus: event.missionStatus, at: event.at } };
    case 'case_reinstated':
      if (state.status !== 'withdrawn') return state;
      return { ...state, status: event.status, withdrawal: null };
    case 'quote_retransmitted':
      if (event.transmission <= state.transmission) return state;
      // It answers a request for information; folded onto any other status (never produced by
      // `decide`: a withdrawal, a decision already taken on it) it only counts.
      return { ...state, status: state.status === 'information_requested' ? 'open' : state.status, transmission: event.transmission };
    default: {
      const unknown: never = event;
      throw new Error(`unknown case event ${JSON.stringify(unknown)}`);
    }
  }
}

/** The state after some events, in order. */
export function fold(state: ReviewCaseState, events: readonly CaseEvent[]): ReviewCaseState {
  return events.reduce(evolve, state);
}

/** The status a decision leads to. */
export function statusAfter(decision: Decision): Exclude<ReviewStatus, 'open' | 'withdrawn'> {
  switch (decision) {
    case 'validate':
      return 'validated';
    case 'request_information':
      return 'information_requested';
    default:
      return decision;
  }
}

/** Every case the expert still has to decide on: neither validated, withdrawn, nor waiting for the garage. */
export function awaitsDecision(status: ReviewStatus): boolean {
  switch (status) {
    case 'open':
    case 'pending_validation':
    case 'remote_intervention':
    case 'onsite_intervention':
      return true;
    case 'information_requested':
    case 'validated':
    case 'withdrawn':
      return false;
    default: {
      const unknown: never = status;
      throw new Error(`unknown review status ${String(unknown)}`);
    }
  }
}

/** The statuses a queue filter lists: `open` is the expert's work, never a withdrawn case. */
export function statusesListed(filter: QueueFilter): readonly ReviewStatus[] {
  switch (filter) {
    case 'open':
      return REVIEW_STATUSES.filter(awaitsDecision);
    case 'information_requested':
      return ['information_requested'];
    case 'validated':
      return ['validated'];
    case 'withdrawn':
      return ['withdrawn'];
    case 'all':
      return REVIEW_STATUSES;
    default: {
      const unknown: never = filter;
      throw new Error(`unknown queue filter ${String(unknown)}`);
    }
  }
}

function withdrawnMessage(withdrawal: Withdrawal | null): string {
  const why = withdrawal ? ` when the mission became ${withdrawal.missionStatus} (${withdrawal.at.toISOString()})` : '';
  return `The case was withdrawn: its quote was voided${why}. No decision can be recorded on it.`;
}

function validInstant(at: Date): boolean {
  return at instanceof Date && !Number.isNaN(at.getTime());
}

function accept<E extends CaseEvent>(...events: E[]): DecideResult<E> {
  return { ok: true, events };
}

function refuse(code: CaseRefusalCode, message: string, field?: string): CaseRefusal {
  return field === undefined ? { ok: false, code, message } : { ok: false, code, message, field };
}

/** Whether a case awaiting the expert's decision is past its due date; `now` comes from the caller's clock. */
export function isOverdue(status: ReviewStatus, dueAt: Date | null, now: Date): boolean {
  return awaitsDecision(status) && dueAt !== null && now.getTime() > dueAt.getTime();
}
