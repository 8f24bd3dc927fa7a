import type { AbandonRefusalCode, CancelRefusalCode, ExtensionRefusalCode } from '@smart-expertise/contracts/procedure';
import { problemCatalogue, type HttpProblem } from '@smart-expertise/service-runtime';

/** Every problem this service answers with; the code is the key in snake_case. */
export const problems = problemCatalogue({
  /** Also the answer for another organisation's mission: it must not reveal that it exists. */
  missionNotFound: { status: 404, title: 'Mission not found' },
  /** Another insurer's policy answers like an unknown one. */
  policyNotFound: { status: 404, title: 'Insurer policy not found' },
  validationFailed: { status: 400, title: 'The request is not valid' },
  invalidCursor: { status: 400, title: 'The cursor is not valid' },
  missionRefConflict: { status: 409, title: 'This insurerMissionRef was already deposited with another body' },
  missionNotNew: { status: 409, title: 'Only a new mission can be abandoned' },
  /** Closed, expired, abandoned or cancelled: no further command (procedure rules). */
  missionFinal: { status: 409, title: 'The mission is final' },
  deadlinePassed: { status: 409, title: 'The deadline has passed' },
  reasonRequired: { status: 400, title: 'A reason is required' },
  /** Extensions only while the garage has to act: new, or information requested. */
  missionNotAwaitingGarage: { status: 409, title: 'The garage no longer has a deadline to meet on this mission' },
  deadlineNotLater: { status: 422, title: 'The new deadline must be later than the one that holds' },
  invalidDeadline: { status: 400, title: 'The deadline is not valid' },
});

/** Each refusal of a command (the procedure's deciders, and a mission the caller may not see), as the problem it answers: one table for every command. */
export const refusals: Record<AbandonRefusalCode | CancelRefusalCode | ExtensionRefusalCode | 'mission_not_found', (detail: string) => HttpProblem> = {
  mission_not_found: problems.missionNotFound,
  mission_not_new: problems.missionNotNew,
  mission_final: problems.missionFinal,
  deadline_passed: problems.deadlinePassed,
  reason_required: problems.reasonRequired,
  mission_not_awaiting_garage: problems.missionNotAwaitingGarage,
  deadline_not_later: problems.deadlineNotLater,
};
