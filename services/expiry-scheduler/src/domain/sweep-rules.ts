/**
 * The selection rules of a sweep, as pure functions of the instant the sweep decides against.
 * The store runs the same rules as SQL, with the instants these functions compute.
 */

export interface SweepSettings {
  /** A deadline expires only once it passed more than this many seconds ago. */
  graceSeconds: number;
  /** A running deadline closer than this is announced once with mission.deadline-approaching; 0 disables it. */
  warningHours: number;
}

/** Deadlines strictly before this instant are due for expiry. */
export function expiryCutoff(now: Date, graceSeconds: number): Date {
  return new Date(now.getTime() - graceSeconds * 1000);
}

/** Deadlines at or before this instant (and still in the future) are due for a warning. */
export function warningHorizon(now: Date, warningHours: number): Date {
  return new Date(now.getTime() + Math.round(warningHours * 3_600_000));
}

export interface SweepCandidate {
  status: string;
  deadline: Date | null;
  warnedAt: Date | null;
}

/** `status = 'running' AND deadline < now - grace` */
export function isDueForExpiry(row: SweepCandidate, now: Date, settings: SweepSettings): boolean {
  return row.status === 'running' && row.deadline !== null && row.deadline.getTime() < expiryCutoff(now, settings.graceSeconds).getTime();
}

/** `status = 'running' AND warned_at IS NULL AND now < deadline <= now + warning` */
export function isDueForWarning(row: SweepCandidate, now: Date, settings: SweepSettings): boolean {
  if (settings.warningHours <= 0 || row.status !== 'running' || row.deadline === null || row.warnedAt !== null) return false;
  const deadline = row.deadline.getTime();
  return deadline > now.getTime() && deadline <= warningHorizon(now, settings.warningHours).getTime();
}

/** The order a sweep takes due deadlines in: oldest deadline first, then mission id (stable across replicas). */
export function sweepOrder(a: { deadline: Date; missionId: string }, b: { deadline: Date; missionId: string }): number {
  return a.deadline.getTime() - b.deadline.getTime() || (a.missionId < b.missionId ? -1 : a.missionId > b.missionId ? 1 : 0);
}

/** Due candidates of a batch, in sweep order, at most `limit`: what the SQL selection returns. */
export function selectDue<T extends SweepCandidate & { missionId: string }>(rows: T[], now: Date, settings: SweepSettings, limit: number): T[] {
  return rows
    .filter((row) => isDueForExpiry(row, now, settings))
    .sort((a, b) => sweepOrder(a as T & { deadline: Date }, b as T & { deadline: Date }))
    .slice(0, limit);
}
