/**
 * When the garage's answer to a request for information is due (product page, "The second loop":
 * "before the answer's due date (insurer policy, in working days; the expert may set it)").
 * Pure: the instant of the request and the case's policy come in.
 */
import type { InsurerPolicy } from '@smart-expertise/contracts';
import { resolveDeadline } from '@smart-expertise/contracts/calendar';
import { defaultRespondBy } from '@smart-expertise/contracts/procedure';

export type RespondByResolution = { readonly ok: true; readonly respondBy: Date } | { readonly ok: false; readonly reason: string };

/**
 * The expert's `respondBy` in the forms a deposit's deadline takes (`YYYY-MM-DD` = end of that day
 * in Europe/Brussels, or a date-time with offset), which must be after the request; without one, the
 * policy's working days for an answer (the platform's default when the case carries no policy).
 */
export function resolveRespondBy(
  requested: string | undefined,
  requestedAt: Date,
  policy: Pick<InsurerPolicy, 'informationWorkingDays'> | null,
): RespondByResolution {
  if (requested === undefined) return { ok: true, respondBy: defaultRespondBy(requestedAt, policy) };
  // resolveDeadline parses the forms and refuses an instant not after the request; its working
  // days only serve when nothing is requested, which is handled above.
  const resolved = resolveDeadline({ requested, depositedAt: requestedAt, workingDays: 1 });
  if (!resolved.ok) return { ok: false, reason: resolved.reason.replace(/^the deadline/, 'respondBy').replace('after the deposit', 'after the request') };
  return { ok: true, respondBy: resolved.deadline };
}
