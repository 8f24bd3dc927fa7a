/**
 * The review case lifecycle as a decider (seed section 4, "Expert analysis").
 *
 * A case opens when a closed quote reaches the expert office. The expert then decides:
 * validate, pending validation, remote intervention or on-site intervention. "After a remote or
 * on-site intervention, or a pending validation, the expert later validates", so those three
 * states accept any further decision; a validated case is closed and final.
 */

export type Decision = 'validate' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention';

export const DECISIONS: readonly Decision[] = ['validate', 'pending_validation', 'remote_intervention', 'onsite_intervention'];

export type ReviewStatus = 'open' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention' | 'validated';

export interface ReviewCaseState {
  readonly status: ReviewStatus;
  /** How many decisions have been recorded; also the case's version for optimistic concurrency. */
  readonly decisions: number;
}

export interface DecideCommand {
  readonly decision: Decision;
  readonly expertName: string;
  readonly expertPhone: string;
  readonly note?: string | undefined;
  /** When the expert decided; time comes in, the domain never reads a clock. */
  readonly at: Date;
  /** The version (`decisions`) the expert saw; when given and stale, the decision is refused. */
  readonly expectedVersion?: number | undefined;
}

export interface ReviewDecided {
  readonly decision: Decision;
  readonly expertName: string;
  readonly expertPhone: string;
  /** The trimmed note, or null when none (or only blanks) was given. */
  readonly note: string | null;
  readonly at: Date;
  /** 1 for the case's first decision, then +1 per recorded decision. */
  readonly sequence: number;
}

export type DecisionRefusalCode =
  | 'case_final'
  | 'version_conflict'
  | 'expert_identity_missing'
  | 'invalid_instant'
  | 'same_decision'
  | 'unknown_decision';

export type DecideResult =
  | { readonly ok: true; readonly event: ReviewDecided }
  | { readonly ok: false; readonly code: DecisionRefusalCode; readonly message: string };

export const initialReviewCase: ReviewCaseState = { status: 'open', decisions: 0 };

export function statusAfter(decision: Decision): Exclude<ReviewStatus, 'open'> {
  return decision === 'validate' ? 'validated' : decision;
}

export function decide(state: ReviewCaseState, command: DecideCommand): DecideResult {
  if (state.status === 'validated') {
    return refuse('case_final', 'The case is validated and closed; no further decision can be recorded.');
  }
  if (command.expectedVersion !== undefined && command.expectedVersion !== state.decisions) {
    return refuse(
      'version_conflict',
      `The case is at version ${state.decisions} but the decision was made on version ${command.expectedVersion}; reload the case and decide again.`,
    );
  }
  // The garage's tracking shows the expert's name and phone (seed: "avec l'expert"), so both are required.
  if (command.expertName.trim() === '' || command.expertPhone.trim() === '') {
    return refuse('expert_identity_missing', "A decision needs the expert's name and phone, which are shown to the garage.");
  }
  if (Number.isNaN(command.at.getTime())) {
    return refuse('invalid_instant', 'The decision instant is not a valid date.');
  }

  switch (command.decision) {
    case 'validate':
      return record(state, command, 'validated');
    case 'pending_validation':
      return record(state, command, 'pending_validation');
    case 'remote_intervention':
      return record(state, command, 'remote_intervention');
    case 'onsite_intervention':
      return record(state, command, 'onsite_intervention');
    default: {
      const _never: never = command.decision;
      return refuse('unknown_decision', `Unknown decision ${JSON.stringify(_never)}.`);
    }
  }
}

export function evolve(state: ReviewCaseState, event: ReviewDecided): ReviewCaseState {
  // A redelivered event (sequence already folded in) changes nothing, so replays are harmless.
  if (event.sequence <= state.decisions) return state;
  return { status: statusAfter(event.decision), decisions: event.sequence };
}

function record(state: ReviewCaseState, command: DecideCommand, target: Exclude<ReviewStatus, 'open'>): DecideResult {
  // Repeating the current status would record a second, identical decision and notify the garage
  // again for nothing: it is refused so the client learns the case is already there.
  if (state.status === target) {
    return refuse('same_decision', `The case is already in status ${target}; the same decision is not recorded twice.`);
  }
  const note = command.note?.trim() ?? '';
  return {
    ok: true,
    event: {
      decision: command.decision,
      expertName: command.expertName.trim(),
      expertPhone: command.expertPhone.trim(),
      note: note === '' ? null : note,
      at: command.at,
      sequence: state.decisions + 1,
    },
  };
}

function refuse(code: DecisionRefusalCode, message: string): DecideResult {
  return { ok: false, code, message };
}
