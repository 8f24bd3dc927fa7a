import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { maxAttempts, nextAttemptAt, parseRetrySchedule } from './retry.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const DEFAULT_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';
const at = new Date('2026-03-20T08:00:00.000Z');

/** How long after `at` the next attempt comes, in milliseconds. */
function waitAfter(schedule: readonly number[], attempts: number, random: number): number | null {
  const next = nextAttemptAt(schedule, attempts, at, random);
  return next === null ? null : next.getTime() - at.getTime();
}

describe('parseRetrySchedule', () => {
  it('reads each unit: ms, s, m, h and d', () => {
    expect(parseRetrySchedule('250ms,5s,5m,2h,1d')).toEqual([250, 5 * SECOND, 5 * MINUTE, 2 * HOUR, DAY]);
  });

  it('reads the default schedule as seven waits', () => {
    expect(parseRetrySchedule(DEFAULT_SCHEDULE)).toEqual([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  });

  it('ignores the spaces around each wait', () => {
    expect(parseRetrySchedule(' 5s , 5m ')).toEqual([5 * SECOND, 5 * MINUTE]);
  });

  it('refuses an empty schedule', () => {
    expect(() => parseRetrySchedule('')).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
  });

  it.each(['5s,,5m', '5s,', ',5s', '5s, ,5m'])('refuses an empty wait in %j', (text) => {
    expect(() => parseRetrySchedule(text)).toThrow(/WEBHOOK_RETRY_SCHEDULE .*give waits like/);
  });

  it.each(['5x', '1.5h', '-5s', '5', 'h', '5 s', '5S', '1e3ms'])('refuses %j, naming it as the part that is not a wait', (bad) => {
    expect(() => parseRetrySchedule(`5s,${bad},5m`)).toThrow(`"${bad}" is not a wait`);
  });

  it('refuses a wait of nothing', () => {
    expect(() => parseRetrySchedule('5s,0m')).toThrow(/longer than nothing/);
  });
});

describe('maxAttempts', () => {
  it('counts the first attempt and one after each wait', () => {
    expect(maxAttempts(parseRetrySchedule(DEFAULT_SCHEDULE))).toBe(8);
    expect(maxAttempts([5 * SECOND])).toBe(2);
    expect(maxAttempts([])).toBe(1);
  });
});

describe('nextAttemptAt', () => {
  const schedule = parseRetrySchedule('5s,5m,30m');

  it('waits the schedule’s wait after the attempt that failed, exactly so with random 0.5', () => {
    expect(waitAfter(schedule, 1, 0.5)).toBe(5 * SECOND);
    expect(waitAfter(schedule, 2, 0.5)).toBe(5 * MINUTE);
    expect(waitAfter(schedule, 3, 0.5)).toBe(30 * MINUTE);
  });

  it('shortens a wait by a tenth at most, with random 0', () => {
    expect(waitAfter(schedule, 2, 0)).toBe(4.5 * MINUTE);
  });

  it('lengthens a wait by just under a tenth at most, with random close to 1', () => {
    const wait = waitAfter(schedule, 2, 0.999_999)!;
    expect(wait).toBeGreaterThan(5 * MINUTE);
    expect(wait).toBeLessThanOrEqual(5.5 * MINUTE);
  });

  it('gives up once the last wait’s attempt has failed too', () => {
    expect(nextAttemptAt(schedule, maxAttempts(schedule), at, 0.5)).toBeNull();
    expect(nextAttemptAt(schedule, maxAttempts(schedule) + 1, at, 0.5)).toBeNull();
  });

  it('tries at once when no attempt has failed yet', () => {
    expect(nextAttemptAt(schedule, 0, at, 0.9)).toEqual(at);
  });

  it('retries for at least 24 h with the default schedule, even with every wait shortened by a tenth', () => {
    const waits = parseRetrySchedule(DEFAULT_SCHEDULE);
    let last = at;
    for (let attempts = 1; attempts < maxAttempts(waits); attempts += 1) last = nextAttemptAt(waits, attempts, last, 0)!;
    expect(nextAttemptAt(waits, maxAttempts(waits), last, 0)).toBeNull();
    expect(last.getTime() - at.getTime()).toBeGreaterThanOrEqual(DAY);
  });

  /** A schedule as an operator writes it: up to ten waits, each a whole number of one unit. */
  // Waits up to the 7 days parseRetrySchedule allows, in any unit.
  const LIMIT: Record<string, number> = { ms: 1_000, s: 1_000, m: 1_000, h: 168, d: 7 };
  const arbitrarySchedule = (unit: fc.Arbitrary<string>) =>
    fc
      .array(unit.chain((u) => fc.integer({ min: 1, max: LIMIT[u]! }).map((n) => `${n}${u}`)), { minLength: 1, maxLength: 10 })
      .map((waits) => waits.join(','));

  it('refuses a wait longer than 7 days', () => {
    expect(parseRetrySchedule('7d')).toEqual([7 * DAY]);
    expect(() => parseRetrySchedule('5s,8d')).toThrow(/"8d" is longer than the 7 days/);
    expect(() => parseRetrySchedule('100000000000d')).toThrow(/longer than the 7 days/);
  });

  it('keeps every wait of a schedule in whole seconds or more within a tenth either way, for any random in [0, 1)', () => {
    fc.assert(
      fc.property(arbitrarySchedule(fc.constantFrom('s', 'm', 'h', 'd')), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (text, random) => {
        const waits = parseRetrySchedule(text);
        waits.forEach((wait, index) => {
          const actual = waitAfter(waits, index + 1, random)!;
          expect(actual).toBeGreaterThanOrEqual(0.9 * wait);
          expect(actual).toBeLessThanOrEqual(1.1 * wait);
        });
        expect(waitAfter(waits, waits.length + 1, random)).toBeNull();
      }),
    );
  });

  it('keeps every wait within a tenth either way, to the millisecond, whatever the unit', () => {
    // A Date holds whole milliseconds: a wait of 6ms spread by -10 % (5.4 ms) can only be 5 ms.
    fc.assert(
      fc.property(arbitrarySchedule(fc.constantFrom('ms', 's', 'm', 'h', 'd')), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (text, random) => {
        const waits = parseRetrySchedule(text);
        waits.forEach((wait, index) => {
          const actual = waitAfter(waits, index + 1, random)!;
          expect(actual).toBeGreaterThanOrEqual(0.9 * wait - 0.5);
          expect(actual).toBeLessThanOrEqual(1.1 * wait + 0.5);
        });
      }),
    );
  });
});
