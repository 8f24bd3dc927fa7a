/**
 * The two instants a sweep decides against, computed once from the instant `now` it was started
 * with; `store/deadlines.ts` selects with them (the selections are tested against PostgreSQL).
 */

/** Deadlines strictly before this instant are due for expiry: the grace period lets a quote closed just before the deadline reach mission-intake first. */
export function expiryCutoff(now: Date, graceSeconds: number): Date {
  return new Date(now.getTime() - graceSeconds * 1000);
}

/** Running deadlines after `now` and at or before this instant are due for a warning. */
export function warningHorizon(now: Date, warningHours: number): Date {
  return new Date(now.getTime() + Math.round(warningHours * 3_600_000));
}
