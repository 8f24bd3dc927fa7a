import { problemCatalogue, type HttpProblem } from '@smart-expertise/service-runtime';
import type { CaseRefusalCode } from '../domain/decision.ts';
import type { SupplementRefusalCode } from '../domain/supplement.ts';

/** Every problem this service answers with; the code is the key in snake_case. */
export const problems = problemCatalogue({
  reviewNotFound: { status: 404, title: 'Review case not found' },
  supplementNotFound: { status: 404, title: 'Supplement not found' },
  invalidCursor: { status: 400, title: 'The cursor is not valid' },
  /** api.md: a decision on a case whose mission is abandoned, cancelled or expired is 409. */
  caseWithdrawn: { status: 409, title: 'The case was withdrawn: its quote was voided' },
  caseFinal: { status: 409, title: 'The case is validated and closed' },
  /** Information was requested: the garage has to transmit the quote again first. */
  awaitingGarage: { status: 409, title: "The case awaits the garage's answer to a request for information" },
  sameDecision: { status: 409, title: 'The case already has this decision' },
  versionConflict: { status: 409, title: 'The case changed since it was read' },
  caseNotValidated: { status: 409, title: 'Supplements are decided on a case validated for repairs' },
  supplementAlreadyDecided: { status: 409, title: 'The supplement is already decided' },
  expertIdentityMissing: { status: 422, title: "The expert's name and phone are required" },
  noteRequired: { status: 422, title: 'A note is required' },
  invalidRespondBy: { status: 422, title: 'respondBy is not a valid due date' },
  respondByNotAllowed: { status: 422, title: 'respondBy is only for request_information' },
  invalidInstant: { status: 500, title: 'The decision instant is not valid' },
  unexpectedTransmission: { status: 500, title: 'The transmission cannot follow the case' },
  unknownDecision: { status: 400, title: 'Unknown decision' },
});

type Problem = (detail?: string, extra?: { errors?: { path: string; message: string }[] }) => HttpProblem;

/** Each refusal of the case's decider, as the problem the API answers with. */
const caseRefusals: Record<CaseRefusalCode, Problem> = {
  case_withdrawn: problems.caseWithdrawn,
  case_final: problems.caseFinal,
  awaiting_garage: problems.awaitingGarage,
  same_decision: problems.sameDecision,
  version_conflict: problems.versionConflict,
  expert_identity_missing: problems.expertIdentityMissing,
  note_required: problems.noteRequired,
  respond_by_not_in_future: problems.invalidRespondBy,
  respond_by_not_allowed: problems.respondByNotAllowed,
  invalid_instant: problems.invalidInstant,
  unexpected_transmission: problems.unexpectedTransmission,
  unknown_decision: problems.unknownDecision,
};

/** Each refusal of a supplement decision, as the problem the API answers with. */
const supplementRefusals: Record<SupplementRefusalCode, Problem> = {
  case_withdrawn: problems.caseWithdrawn,
  case_not_validated: problems.caseNotValidated,
  supplement_already_decided: problems.supplementAlreadyDecided,
  note_required: problems.noteRequired,
  expert_identity_missing: problems.expertIdentityMissing,
  invalid_instant: problems.invalidInstant,
};

interface Refusal<C extends string> {
  readonly code: C;
  readonly message: string;
  /** The request field the refusal is about: named in the problem's `errors`, as a JSON pointer. */
  readonly field?: string;
}

function problemOf<C extends string>(catalogue: Record<C, Problem>, refusal: Refusal<C>): HttpProblem {
  const problem = catalogue[refusal.code];
  return refusal.field === undefined ? problem(refusal.message) : problem(refusal.message, { errors: [{ path: `/${refusal.field}`, message: refusal.message }] });
}

export function caseRefusal(refusal: Refusal<CaseRefusalCode>): HttpProblem {
  return problemOf(caseRefusals, refusal);
}

export function supplementRefusal(refusal: Refusal<SupplementRefusalCode>): HttpProblem {
  return problemOf(supplementRefusals, refusal);
}
