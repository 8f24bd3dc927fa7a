import { describe, expect, it } from 'vitest';
import { expiryCutoff, isDueForExpiry, isDueForWarning, selectDue, warningHorizon } from './sweep-rules.ts';

const now = new Date('2026-03-31T12:00:00Z');
const settings = { graceSeconds: 120, warningHours: 24 };
const at = (offsetSeconds: number) => new Date(now.getTime() + offsetSeconds * 1000);
const row = (deadline: Date | null, extra: Partial<{ status: string; warnedAt: Date | null; missionId: string }> = {}) => ({
  status: 'running',
  deadline,
  warnedAt: null,
  missionId: 'm',
  ...extra,
});

describe('what a sweep expires', () => {
  it('computes the cutoff as now minus the grace period', () => {
    expect(expiryCutoff(now, 120)).toEqual(at(-120));
  });

  it('expires a running deadline that passed more than the grace period ago', () => {
    expect(isDueForExpiry(row(at(-121)), now, settings)).toBe(true);
  });

  it('leaves a deadline that passed within the grace period, so that a quote closed just before has time to arrive', () => {
    expect(isDueForExpiry(row(at(-120)), now, settings)).toBe(false);
    expect(isDueForExpiry(row(at(-5)), now, settings)).toBe(false);
  });

  it('never expires a settled, expired or unknown deadline', () => {
    for (const status of ['quote_closed', 'abandoned', 'expired', 'awaiting_mission']) {
      expect(isDueForExpiry(row(at(-3600), { status }), now, settings)).toBe(false);
    }
    expect(isDueForExpiry(row(null), now, settings)).toBe(false);
  });

  it('takes due deadlines oldest first, then by mission id, up to the batch size', () => {
    const rows = [row(at(-200), { missionId: 'b' }), row(at(-500), { missionId: 'c' }), row(at(-200), { missionId: 'a' }), row(at(-10), { missionId: 'd' })];
    expect(selectDue(rows, now, settings, 2).map((r) => r.missionId)).toEqual(['c', 'a']);
  });
});

describe('what a sweep warns about', () => {
  it('warns about a running deadline within the warning window', () => {
    expect(warningHorizon(now, 24)).toEqual(at(24 * 3600));
    expect(isDueForWarning(row(at(24 * 3600)), now, settings)).toBe(true);
    expect(isDueForWarning(row(at(60)), now, settings)).toBe(true);
  });

  it('does not warn about a deadline further away than the window', () => {
    expect(isDueForWarning(row(at(24 * 3600 + 1)), now, settings)).toBe(false);
  });

  it('warns once only', () => {
    expect(isDueForWarning(row(at(3600), { warnedAt: at(-60) }), now, settings)).toBe(false);
  });

  it('does not warn about a deadline already past', () => {
    expect(isDueForWarning(row(at(0)), now, settings)).toBe(false);
  });

  it('does not warn when warnings are disabled', () => {
    expect(isDueForWarning(row(at(3600)), now, { ...settings, warningHours: 0 })).toBe(false);
  });
});
