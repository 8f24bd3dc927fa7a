import { describe, expect, it } from 'vitest';
import { resolveRespondBy } from './information-request.ts';

// Tuesday 3 March 2026, 10:00 in Brussels.
const requestedAt = new Date('2026-03-03T09:00:00Z');

describe('when the garage’s answer is due', () => {
  it('by default, the policy’s working days for an answer, at the end of the day in Brussels', () => {
    expect(resolveRespondBy(undefined, requestedAt, { informationWorkingDays: 2 })).toEqual({ ok: true, respondBy: new Date('2026-03-05T22:59:59.999Z') });
  });

  it('without a policy, the platform’s three working days (a weekend does not count)', () => {
    // Thursday 5 March → Fri 6, Mon 9, Tue 10.
    expect(resolveRespondBy(undefined, new Date('2026-03-05T09:00:00Z'), null)).toEqual({ ok: true, respondBy: new Date('2026-03-10T22:59:59.999Z') });
  });

  it('a date the expert sets is the end of that day in Brussels', () => {
    expect(resolveRespondBy('2026-03-20', requestedAt, null)).toEqual({ ok: true, respondBy: new Date('2026-03-20T22:59:59.999Z') });
  });

  it('a date-time with offset is taken as it is', () => {
    expect(resolveRespondBy('2026-03-06T12:00:00+01:00', requestedAt, null)).toEqual({ ok: true, respondBy: new Date('2026-03-06T11:00:00Z') });
  });

  it('a due date in the past, a date-time without offset or garbage is refused with a reason naming respondBy', () => {
    for (const bad of ['2026-03-02', '2026-03-06T12:00:00', 'next week', '2026-02-30']) {
      const resolved = resolveRespondBy(bad, requestedAt, null);
      expect(resolved.ok, bad).toBe(false);
      if (!resolved.ok) expect(resolved.reason).toMatch(/respondBy/);
    }
  });
});
