import { problemCatalogue } from '@smart-expertise/service-runtime';

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
  deadlinePassed: { status: 409, title: 'The deadline has passed' },
  reasonRequired: { status: 400, title: 'An abandon needs a reason' },
});
