import { problemCatalogue } from '@smart-expertise/service-runtime';

/** Every problem this service answers with; the code is the key in snake_case. */
export const problems = problemCatalogue({
  reviewNotFound: { status: 404, title: 'Review case not found' },
  invalidCursor: { status: 400, title: 'The cursor is not valid' },
  caseFinal: { status: 409, title: 'The case is validated and closed' },
  sameDecision: { status: 409, title: 'The case already has this decision' },
  versionConflict: { status: 409, title: 'The case changed since it was read' },
  expertIdentityMissing: { status: 422, title: "The expert's name and phone are required" },
  invalidInstant: { status: 500, title: 'The decision instant is not valid' },
  unknownDecision: { status: 400, title: 'Unknown decision' },
});
