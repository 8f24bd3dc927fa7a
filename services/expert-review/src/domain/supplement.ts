/**
 * The expert's decision on a supplement for hidden damage (product page, "The second loop":
 * "on a validated standard mission, before the payment request, the garage submits a supplement
 * (reason, calculation lines, photos); the expert approves or rejects it with a note. The approved
 * total (incl. VAT) is the validated quote plus approved supplements").
 *
 * A small decider of its own: `decideSupplement(supplement, case, command)` gives the event, or the
 * rule it breaks; `evolveSupplement` folds it. No I/O, no clock: time comes in.
 */
import type { Procedure, SupplementDecision, SupplementStatus } from '@smart-expertise/contracts';
import { approvedTotal } from '@smart-expertise/contracts/procedure';
import type { ReviewStatus } from './decision.ts';

export interface SupplementState {
  readonly status: SupplementStatus;
}

/** What the decision needs to know of the case the supplement belongs to. */
export interface SupplementCaseFacts {
  readonly status: ReviewStatus;
  readonly procedure: Procedure;
}

export interface DecideSupplementCommand {
  readonly decision: SupplementDecision;
  readonly note?: string | undefined;
  readonly expertName: string;
  readonly expertPhone: string;
  readonly at: Date;
}

export interface SupplementDecided {
  readonly type: 'supplement_decided';
  readonly decision: SupplementDecision;
  readonly status: Extract<SupplementStatus, 'approved' | 'rejected'>;
  readonly note: string | null;
  readonly expertName: string;
  readonly expertPhone: string;
  readonly at: Date;
}

export type SupplementRefusalCode =
  | 'case_withdrawn'
  | 'case_not_validated'
  | 'supplement_already_decided'
  | 'note_required'
  | 'expert_identity_missing'
  | 'invalid_instant';

export type SupplementResult =
  | { readonly ok: true; readonly event: SupplementDecided }
  | { readonly ok: false; readonly code: SupplementRefusalCode; readonly message: string; readonly field?: string };

export function decideSupplement(supplement: SupplementState, reviewCase: SupplementCaseFacts, command: DecideSupplementCommand): SupplementResult {
  if (reviewCase.status === 'withdrawn') {
    return { ok: false, code: 'case_withdrawn', message: 'The case was withdrawn: its quote was voided. No supplement can be decided on it.' };
  }
  // Hidden damage is found during repairs, which start only once the expertise is validated; a
  // total loss is not repaired.
  if (reviewCase.status !== 'validated' || reviewCase.procedure !== 'standard') {
    return {
      ok: false,
      code: 'case_not_validated',
      message: `Supplements are decided on a case validated for repairs; this case is ${reviewCase.procedure === 'standard' ? reviewCase.status : 'a total loss'}.`,
    };
  }
  if (supplement.status !== 'submitted') {
    return { ok: false, code: 'supplement_already_decided', message: `The supplement is already ${supplement.status}; a decision is recorded once.` };
  }
  if (command.expertName.trim() === '' || command.expertPhone.trim() === '') {
    return { ok: false, code: 'expert_identity_missing', message: "A decision needs the expert's name and phone, which are shown to the garage." };
  }
  if (!(command.at instanceof Date) || Number.isNaN(command.at.getTime())) {
    return { ok: false, code: 'invalid_instant', message: 'The decision instant is not a valid date.' };
  }
  const note = command.note?.trim() ?? '';
  // The garage has to know why the hidden damage is not covered.
  if (command.decision === 'reject' && note === '') {
    return { ok: false, code: 'note_required', message: 'Rejecting a supplement needs a note saying why.', field: 'note' };
  }
  return {
    ok: true,
    event: {
      type: 'supplement_decided',
      decision: command.decision,
      status: command.decision === 'approve' ? 'approved' : 'rejected',
      note: note === '' ? null : note,
      expertName: command.expertName.trim(),
      expertPhone: command.expertPhone.trim(),
      at: command.at,
    },
  };
}

export function evolveSupplement(state: SupplementState, event: SupplementDecided): SupplementState {
  // Decided once: a second decision folded later changes nothing.
  return state.status === 'submitted' ? { status: event.status } : state;
}

/**
 * The approved total of a case: null until it is validated for repairs (a total loss has none);
 * then the validated transmission's total plus the approved supplements.
 */
export function approvedTotalOf(
  reviewCase: SupplementCaseFacts & { readonly validatedInclVatCents: number | null },
  supplements: ReadonlyArray<{ readonly status: SupplementStatus; readonly totalInclVatCents: number }>,
): number | null {
  if (reviewCase.status !== 'validated' || reviewCase.procedure !== 'standard' || reviewCase.validatedInclVatCents === null) return null;
  return approvedTotal(reviewCase.validatedInclVatCents, supplements);
}
