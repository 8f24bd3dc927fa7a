import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/**
 * Deadlines and working days (Europe/Brussels, Belgian public holidays), for every service: the
 * mission's deadline at deposit, its extensions, the answer to a request for information.
 *
 * The mission's deadline. The seed: "le délai de traitement est dépendant de la compagnie", so the
 * insurer either sends it (a date or an exact date-time) or it follows from the insurer's policy
 * (a number of working days). Dates are shown, and days counted, in Europe/Brussels.
 */

export const brusselsZone = 'Europe/Brussels';

export type DeadlineResolution =
  | { readonly ok: true; readonly deadline: Date }
  | { readonly ok: false; readonly reason: string };

export interface DeadlineInput {
  /** `YYYY-MM-DD` (end of that day in Brussels) or an ISO 8601 date-time with an offset. */
  readonly requested?: string;
  readonly depositedAt: Date;
  /** The insurer's policy: how many working days after the deposit day, at least 1. */
  readonly workingDays: number;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
// An instant is only unambiguous with its offset; a local date-time could mean two instants at a DST change.
const dateTimeWithOffsetPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T/;

export function resolveDeadline(input: DeadlineInput): DeadlineResolution {
  const { requested, depositedAt, workingDays } = input;
  if (Number.isNaN(depositedAt.getTime())) {
    return { ok: false, reason: 'the deposit instant is not a valid date' };
  }
  if (requested === undefined) {
    if (!Number.isInteger(workingDays) || workingDays < 1) {
      return { ok: false, reason: `the insurer's policy must give at least 1 working day, got ${workingDays}` };
    }
    return { ok: true, deadline: endOfNthWorkingDayAfter(depositedAt, workingDays) };
  }

  const parsed = parseRequested(requested);
  if (!parsed.ok) return parsed;
  if (parsed.deadline.getTime() <= depositedAt.getTime()) {
    return {
      ok: false,
      reason: `the deadline ${parsed.deadline.toISOString()} must be after the deposit (${depositedAt.toISOString()})`,
    };
  }
  return parsed;
}

/** Mon–Fri and not a Belgian public holiday; `date` is a Brussels calendar day. */
export function isWorkingDay(date: DateTime): boolean {
  return date.weekday <= 5 && !publicHolidaysOf(date.year).has(date.toISODate() ?? '');
}

function parseRequested(requested: string): DeadlineResolution {
  if (datePattern.test(requested)) {
    // A date means the whole of that day in Brussels: its last millisecond, whatever the DST offset.
    // Insurers send a handful of distinct dates: each is resolved through the zone rules once.
    const end = remember(endOfRequestedDay, requested, () => {
      const day = DateTime.fromISO(requested, { zone: brusselsZone });
      return day.isValid ? day.endOf('day').toMillis() : null;
    });
    if (end === null) return { ok: false, reason: `the deadline ${requested} is not a valid calendar date` };
    return { ok: true, deadline: new Date(end) };
  }
  if (dateTimeWithOffsetPattern.test(requested)) {
    const instant = DateTime.fromISO(requested, { setZone: true });
    if (!instant.isValid) return { ok: false, reason: `the deadline ${requested} is not a valid date-time` };
    return { ok: true, deadline: instant.toJSDate() };
  }
  if (dateTimePattern.test(requested)) {
    return {
      ok: false,
      reason: `the deadline ${requested} must carry a UTC offset (Z or ±hh:mm) to name one instant`,
    };
  }
  return { ok: false, reason: `the deadline ${requested} must be a date YYYY-MM-DD or an ISO 8601 date-time with offset` };
}

const HOUR_MS = 3_600_000;
/** At most this many entries in each memo below before it starts again (a few days of deposits). */
const MEMO_LIMIT = 10_000;
const brusselsDayByUtcHour = new Map<number, string>();
const deadlineByDay = new Map<string, number>();
const endOfRequestedDay = new Map<string, number | null>();

function remember<K, V>(memo: Map<K, V>, key: K, compute: () => V): V {
  const known = memo.get(key);
  if (known !== undefined) return known;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  const value = compute();
  memo.set(key, value);
  return value;
}

/**
 * The Brussels calendar day (`YYYY-MM-DD`) of an instant. It is the same for every instant of one
 * UTC hour: Brussels is one or two whole hours ahead of UTC and changes offset on a whole UTC hour,
 * so its midnight is always one too. Kept per UTC hour: asking the zone rules (Intl, through luxon)
 * was the costliest step of a deposit's own work.
 */
export function brusselsDayOf(instant: Date): string {
  return remember(brusselsDayByUtcHour, Math.floor(instant.getTime() / HOUR_MS), () => DateTime.fromJSDate(instant, { zone: brusselsZone }).toISODate()!);
}

/** The end of the n-th working day after the deposit's Brussels day: the same for every deposit of that day. */
export function endOfNthWorkingDayAfter(depositedAt: Date, workingDays: number): Date {
  const from = brusselsDayOf(depositedAt);
  return new Date(
    remember(deadlineByDay, `${from}/${workingDays}`, () => {
      let day = DateTime.fromISO(from, { zone: brusselsZone });
      let counted = 0;
      while (counted < workingDays) {
        day = day.plus({ days: 1 });
        if (isWorkingDay(day)) counted += 1;
      }
      return day.endOf('day').toMillis();
    }),
  );
}

/** Whether `YYYY-MM-DD` names a day of the calendar (not 2026-02-30); no zone needed for that. */
export function isCalendarDate(value: string): boolean {
  const day = new Date(`${value}T00:00:00Z`);
  return datePattern.test(value) && !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

const belgium = new Holidays('BE');
const holidaysByYear = new Map<number, ReadonlySet<string>>();

/** Only the legal public holidays close garages and insurers; 'observance' days (Saint-Nicolas…) do not. */
function publicHolidaysOf(year: number): ReadonlySet<string> {
  let days = holidaysByYear.get(year);
  if (days === undefined) {
    days = new Set(
      belgium
        .getHolidays(year)
        .filter((holiday) => holiday.type === 'public')
        // `date` is the local calendar day, "YYYY-MM-DD hh:mm:ss".
        .map((holiday) => holiday.date.slice(0, 10)),
    );
    holidaysByYear.set(year, days);
  }
  return days;
}
