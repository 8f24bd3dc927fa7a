/**
 * When a failed delivery is tried again: the waits of WEBHOOK_RETRY_SCHEDULE, one after each failed
 * attempt, each spread by up to a tenth either way so that the deliveries of one outage do not all
 * come back at the same second. After the last wait's attempt fails too, the delivery is given up.
 */
const MAX_WAIT_MS = 7 * 86_400_000;
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5s,5m,30m,2h` → waits in milliseconds. */
export function parseRetrySchedule(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new Error(`WEBHOOK_RETRY_SCHEDULE "${text}": give waits like 5s,5m,30m,2h`);
  return parts.map((part) => {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(part);
    if (!match) throw new Error(`WEBHOOK_RETRY_SCHEDULE "${text}": "${part}" is not a wait (a whole number and ms, s, m, h or d)`);
    const value = Number(match[1]) * UNITS[match[2]!]!;
    if (value <= 0) throw new Error(`WEBHOOK_RETRY_SCHEDULE "${text}": a wait must be longer than nothing`);
    if (value > MAX_WAIT_MS) throw new Error(`WEBHOOK_RETRY_SCHEDULE "${text}": "${part}" is longer than the 7 days a wait may last`);
    return value;
  });
}

/** How long a delivery is retried at the least: every wait spread down by a tenth. */
export function shortestRetryPeriod(schedule: readonly number[]): number {
  return schedule.reduce((sum, wait) => sum + wait * 0.9, 0);
}

/** Attempts a delivery gets at most: the first, and one after each wait. */
export function maxAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

/**
 * The instant of the next attempt after `attempts` attempts have failed, the last at `at`; null
 * when the schedule is spent. `random` is in [0, 1).
 */
export function nextAttemptAt(schedule: readonly number[], attempts: number, at: Date, random: number): Date | null {
  if (attempts < 1) return at;
  const wait = schedule[attempts - 1];
  if (wait === undefined) return null;
  const spread = wait * 0.1 * (2 * random - 1);
  return new Date(at.getTime() + Math.round(wait + spread));
}
