import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { inBrussels } from '@smart-expertise/contracts/tracking-messages';
import { brusselsDayOf, brusselsZone, isCalendarDate, isWorkingDay, resolveDeadline } from './deadline.ts';

/** The deadline's date as the tracking prints it (the catalogue's own formatter). */
const formatDeadlineDate = (deadline: Date): string => inBrussels(deadline).date;

const deposited = (iso: string): Date => new Date(iso);

function deadlineOf(input: Parameters<typeof resolveDeadline>[0]): string {
  const result = resolveDeadline(input);
  if (!result.ok) throw new Error(`expected a deadline, got: ${result.reason}`);
  return result.deadline.toISOString();
}

function refusalOf(input: Parameters<typeof resolveDeadline>[0]): string {
  const result = resolveDeadline(input);
  if (result.ok) throw new Error(`expected a refusal, got ${result.deadline.toISOString()}`);
  return result.reason;
}

describe('a deadline date sent by the insurer', () => {
  const depositedAt = deposited('2026-01-05T09:00:00Z');

  it('means the last millisecond of that day in Brussels in winter', () => {
    expect(deadlineOf({ requested: '2026-01-15', depositedAt, workingDays: 5 })).toBe('2026-01-15T22:59:59.999Z');
  });

  it('means the last millisecond of the day the clocks go forward in March', () => {
    expect(deadlineOf({ requested: '2026-03-29', depositedAt, workingDays: 5 })).toBe('2026-03-29T21:59:59.999Z');
  });

  it('means the last millisecond of the day the clocks go back in October', () => {
    expect(deadlineOf({ requested: '2026-10-25', depositedAt, workingDays: 5 })).toBe('2026-10-25T22:59:59.999Z');
  });

  it('is refused when the day is already over', () => {
    expect(refusalOf({ requested: '2026-01-04', depositedAt, workingDays: 5 })).toMatch(/after the deposit/);
  });

  it('is accepted on the deposit day itself, whose end is still to come', () => {
    expect(deadlineOf({ requested: '2026-01-05', depositedAt, workingDays: 5 })).toBe('2026-01-05T22:59:59.999Z');
  });

  it('is refused when it is not a calendar date', () => {
    expect(refusalOf({ requested: '2026-02-30', depositedAt, workingDays: 5 })).toMatch(/not a valid calendar date/);
  });

  it('is refused when it is neither a date nor a date-time', () => {
    expect(refusalOf({ requested: '30/03/26', depositedAt, workingDays: 5 })).toMatch(/YYYY-MM-DD/);
  });
});

describe('a deadline date-time sent by the insurer', () => {
  const depositedAt = deposited('2026-04-01T08:00:00Z');

  it('is taken as given when it carries an offset', () => {
    expect(deadlineOf({ requested: '2026-04-01T12:00:00+02:00', depositedAt, workingDays: 5 })).toBe(
      '2026-04-01T10:00:00.000Z',
    );
  });

  it('is taken as given in UTC', () => {
    expect(deadlineOf({ requested: '2026-04-02T16:30:00.250Z', depositedAt, workingDays: 5 })).toBe(
      '2026-04-02T16:30:00.250Z',
    );
  });

  it('is refused without an offset, which would be ambiguous', () => {
    expect(refusalOf({ requested: '2026-04-01T12:00:00', depositedAt, workingDays: 5 })).toMatch(/offset/);
  });

  it('is refused when it is in the past', () => {
    expect(refusalOf({ requested: '2026-03-31T12:00:00Z', depositedAt, workingDays: 5 })).toMatch(/after the deposit/);
  });

  it('is refused when it is exactly the deposit instant', () => {
    expect(refusalOf({ requested: '2026-04-01T08:00:00Z', depositedAt, workingDays: 5 })).toMatch(/after the deposit/);
  });
});

describe('a deadline computed from the insurer policy in working days', () => {
  it('skips the weekend', () => {
    // Friday 13 March 2026 → Monday 16, Tuesday 17, Wednesday 18.
    expect(deadlineOf({ depositedAt: deposited('2026-03-13T10:00:00Z'), workingDays: 3 })).toBe(
      '2026-03-18T22:59:59.999Z',
    );
  });

  it('starts counting after a deposit made on a Saturday', () => {
    expect(deadlineOf({ depositedAt: deposited('2026-03-14T10:00:00Z'), workingDays: 1 })).toBe(
      '2026-03-16T22:59:59.999Z',
    );
  });

  it('counts from the Brussels calendar day of the deposit, not the UTC one', () => {
    // 23:30 UTC on Thursday 12 March is already Friday 13 in Brussels.
    expect(deadlineOf({ depositedAt: deposited('2026-03-12T23:30:00Z'), workingDays: 1 })).toBe(
      '2026-03-16T22:59:59.999Z',
    );
  });

  it('ends at the Brussels end of day after the clocks went forward', () => {
    // Friday 27 March 2026 → Monday 30 March, in summer time.
    expect(deadlineOf({ depositedAt: deposited('2026-03-27T10:00:00Z'), workingDays: 1 })).toBe(
      '2026-03-30T21:59:59.999Z',
    );
  });

  it('skips Easter Monday', () => {
    // Thursday 2 April 2026 → Friday 3, (Monday 6 is Easter Monday), Tuesday 7.
    expect(deadlineOf({ depositedAt: deposited('2026-04-02T10:00:00Z'), workingDays: 2 })).toBe(
      '2026-04-07T21:59:59.999Z',
    );
  });

  it('skips Christmas and New Year', () => {
    // Wednesday 23 Dec 2026 → 24, (25 Christmas), 28, 29, 30, 31, (1 Jan New Year), Monday 4 Jan 2027.
    expect(deadlineOf({ depositedAt: deposited('2026-12-23T10:00:00Z'), workingDays: 6 })).toBe(
      '2027-01-04T22:59:59.999Z',
    );
  });

  it('skips the Armistice on 11 November', () => {
    // Tuesday 10 Nov 2026 → (Wednesday 11 Armistice), Thursday 12.
    expect(deadlineOf({ depositedAt: deposited('2026-11-10T10:00:00Z'), workingDays: 1 })).toBe(
      '2026-11-12T22:59:59.999Z',
    );
  });

  it('does not skip observances such as Saint-Nicolas', () => {
    // Friday 3 Dec 2027 → Monday 6 Dec 2027, Saint-Nicolas, an observance and still a working day.
    expect(deadlineOf({ depositedAt: deposited('2027-12-03T10:00:00Z'), workingDays: 1 })).toBe(
      '2027-12-06T22:59:59.999Z',
    );
  });

  it('is refused when the policy gives no working day', () => {
    expect(refusalOf({ depositedAt: deposited('2026-03-13T10:00:00Z'), workingDays: 0 })).toMatch(/at least 1/);
  });
});

describe('the Brussels day and the working-day deadline, kept per UTC hour and per day', () => {
  // Instants from 2020 to 2035, with extra weight on the hours around each offset change.
  const changes = [2024, 2025, 2026, 2027].flatMap((y) => [`${y}-03-${lastSunday(y, 3)}T01:00:00Z`, `${y}-10-${lastSunday(y, 10)}T01:00:00Z`]);
  const instants = fc.oneof(
    fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 })).map(([at, shift]) => new Date(Date.parse(at) + shift)),
  );

  function lastSunday(year: number, month: number): string {
    const last = DateTime.fromObject({ year, month }, { zone: 'UTC' }).endOf('month');
    return String(last.minus({ days: last.weekday % 7 }).day).padStart(2, '0');
  }

  /** The deadline as the zone rules give it, from scratch every time. */
  function fromScratch(at: Date, workingDays: number): string {
    let day = DateTime.fromJSDate(at, { zone: brusselsZone }).startOf('day');
    for (let counted = 0; counted < workingDays; ) {
      day = day.plus({ days: 1 });
      if (isWorkingDay(day)) counted += 1;
    }
    return day.endOf('day').toJSDate().toISOString();
  }

  it('gives the day and deadline of the zone rules for any instant, however often that hour or day was asked before', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(instants, fc.integer({ min: 1, max: 15 })), { minLength: 1, maxLength: 20 }), (asks) => {
        // Each instant asked twice, so the second answer comes from what was kept.
        for (const [at, workingDays] of [...asks, ...asks]) {
          expect(brusselsDayOf(at)).toBe(DateTime.fromJSDate(at, { zone: brusselsZone }).toISODate());
          expect(deadlineOf({ depositedAt: at, workingDays })).toBe(fromScratch(at, workingDays));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('resolves a requested date to the end of that Brussels day as the zone rules say, however often it was asked before', () => {
    // Days of 2020-2035 with day numbers up to 31, so impossible dates (2026-02-30) come up too.
    const requested = fc
      .tuple(fc.integer({ min: 2020, max: 2035 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }))
      .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    const depositedAt = new Date('2019-06-01T10:00:00Z');
    fc.assert(
      fc.property(fc.array(requested, { minLength: 1, maxLength: 20 }), (dates) => {
        for (const date of [...dates, ...dates]) {
          const day = DateTime.fromISO(date, { zone: brusselsZone });
          if (day.isValid) expect(deadlineOf({ requested: date, depositedAt, workingDays: 5 })).toBe(day.endOf('day').toJSDate().toISOString());
          else expect(refusalOf({ requested: date, depositedAt, workingDays: 5 })).toMatch(/not a valid calendar date/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('tells calendar dates from impossible ones', () => {
    expect(['2026-02-28', '2028-02-29', '2026-12-31'].map(isCalendarDate)).toEqual([true, true, true]);
    expect(['2026-02-29', '2026-02-30', '2026-13-01', '2026-1-01', '2026-01-01T00:00:00Z'].map(isCalendarDate)).toEqual([false, false, false, false, false]);
  });
});

describe('the deadline as printed in the tracking', () => {
  it('reads dd/mm/yy like the seed', () => {
    expect(formatDeadlineDate(new Date('2016-03-30T21:59:59.999Z'))).toBe('30/03/16');
  });

  it('uses the Brussels calendar day', () => {
    expect(formatDeadlineDate(new Date('2026-03-29T22:30:00Z'))).toBe('30/03/26');
  });

  const printedByLuxon = (at: Date): string => DateTime.fromJSDate(at, { zone: brusselsZone }).toFormat('dd/MM/yy');

  it('prints the same day as the zone rules for any instant, however often that hour was printed before', () => {
    const hourMs = 3_600_000;
    // Any instant between 1900 and 2200, and instants near midnight and the offset changes, printed
    // after another instant of the same UTC hour, so the second one may come from what is kept.
    const around = (iso: string): fc.Arbitrary<number> =>
      fc.integer({ min: -3 * hourMs, max: 3 * hourMs }).map((d) => Date.parse(iso) + d);
    const instant = fc.oneof(
      fc.integer({ min: Date.parse('1900-01-01T00:00:00Z'), max: Date.parse('2200-01-01T00:00:00Z') }),
      around('2026-03-29T01:00:00Z'),
      around('2026-10-25T01:00:00Z'),
      around('2026-12-31T23:00:00Z'),
      around('2027-06-30T22:00:00Z'),
    );
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: hourMs - 1 }), (ms, other) => {
        const first = new Date(ms);
        const sameHour = new Date(Math.floor(ms / hourMs) * hourMs + other);
        expect(formatDeadlineDate(first)).toBe(printedByLuxon(first));
        expect(formatDeadlineDate(sameHour)).toBe(printedByLuxon(sameHour));
      }),
      { numRuns: 2_000 },
    );
  });

  it('prints the days around the spring and autumn offset changes in Brussels time', () => {
    expect(formatDeadlineDate(new Date('2026-03-28T22:59:59.999Z'))).toBe('28/03/26');
    expect(formatDeadlineDate(new Date('2026-03-28T23:00:00Z'))).toBe('29/03/26');
    expect(formatDeadlineDate(new Date('2026-10-24T21:59:59.999Z'))).toBe('24/10/26');
    expect(formatDeadlineDate(new Date('2026-10-24T22:00:00Z'))).toBe('25/10/26');
    expect(formatDeadlineDate(new Date('2026-10-25T22:59:59.999Z'))).toBe('25/10/26');
    expect(formatDeadlineDate(new Date('2026-10-25T23:00:00Z'))).toBe('26/10/26');
  });
});
