import { problemCatalogue } from '@smart-expertise/service-runtime';

/** Every problem code this service answers with (besides the runtime's common ones). */
export const problems = problemCatalogue({
  invalidCursor: { status: 400, title: 'The cursor is not valid' },
  expiryRunFailed: { status: 500, title: 'The expiry sweep failed' },
});
