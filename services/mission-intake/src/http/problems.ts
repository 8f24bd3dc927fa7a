import type { AbandonRefusalCode, CancelRefusalCode } from '@smart-expertise/contracts/procedure';
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
});

/** Each refusal of a command (the procedure's deciders, and a mission the caller may not see), as the problem it answers: one table for every command. */
export const refusals: Record<AbandonRefusalCode | CancelRefusalCode | 'mission_not_found', (detail: string) => HttpProblem> = {
  mission_not_found: problems.missionNotFound,
  mission_not_new: problems.missionNotNew,
  mission_final: problems.missionFinal,
  deadline_passed: problems.deadlinePassed,
  reason_required: problems.reasonRequired,
};
