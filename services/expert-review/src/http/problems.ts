import { problemCatalogue } from '@smart-expertise/service-runtime';
import type { CaseRefusalCode } from '../domain/decision.ts';

/** Every problem this service answers with; the code is the key in snake_case. */
export const problems = problemCatalogue({
  reviewNotFound: { status: 404, title: 'Review case not found' },
  invalidCursor: { status: 400, title: 'The cursor is not valid' },
  /** api.md: a decision on a case whose mission is abandoned, cancelled or expired is 409. */
  caseWithdrawn: { status: 409, title: 'The case was withdrawn: its quote was voided' },
  caseFinal: { status: 409, title: 'The case is validated and closed' },
  sameDecision: { status: 409, title: 'The case already has this decision' },
  versionConflict: { status: 409, title: 'The case changed since it was read' },
  expertIdentityMissing: { status: 422, title: "The expert's name and phone are required" },
  invalidInstant: { status: 500, title: 'The decision instant is not valid' },
  unknownDecision: { status: 400, title: 'Unknown decision' },
});

/** Each refusal of the case's decider, as the problem the API answers with. */
export const refusals: Record<CaseRefusalCode, (detail: string) => Error> = {
  case_withdrawn: problems.caseWithdrawn,
  case_final: problems.caseFinal,
  same_decision: problems.sameDecision,
  version_conflict: problems.versionConflict,
  expert_identity_missing: problems.expertIdentityMissing,
  invalid_instant: problems.invalidInstant,
  unknown_decision: problems.unknownDecision,
};
