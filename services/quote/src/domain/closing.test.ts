import { describe, expect, it } from 'vitest';
import { closingConditions } from './closing.ts';
import type { MissionView, QuoteDraft } from './closing.ts';

const deadline = new Date('2016-03-30T21:59:59.999Z');
const secondsFromDeadline = (seconds: number): Date => new Date(deadline.getTime() + seconds * 1000);

function mission(overrides: Partial<MissionView> = {}): MissionView {
  return {
    status: 'received',
    deadline,
    policy: { minPhotos: 3 },
    directPayment: { planned: true, ceilingCents: 500_000, deductibleCents: 25_000 },
    ...overrides,
  };
}

function completeStandardQuote(overrides: Partial<QuoteDraft> = {}): QuoteDraft {
  return {
    procedure: 'standard',
    status: 'draft',
    calculation: {
      calculationNumber: 'AUD-1',
      lines: [{ kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 10_000 }],
      totals: { totalExclVatCents: 10_000, vatCents: 2_100, totalInclVatCents: 12_100 },
    },
    photoIds: ['p1', 'p2', 'p3'],
    smartFrame: {
      probableTotalLoss: false,
      multipleDamageZones: false,
      expertAdviceNeeded: false,
      technicalInspectionNeeded: false,
      onSiteExpertNeeded: false,
    },
    ...overrides,
  };
}

function completeTotalLossQuote(overrides: Partial<QuoteDraft> = {}): QuoteDraft {
  return { procedure: 'total_loss', status: 'draft', photoIds: ['p1'], vehicleStatus: 'wreck', ...overrides };
}

const codes = (conditions: { code: string }[]): string[] => conditions.map((c) => c.code);

describe('closing a quote: the deadline', () => {
  it('closing one second before the deadline is allowed', () => {
    expect(closingConditions(completeStandardQuote(), mission(), secondsFromDeadline(-1))).toEqual({ conflicts: [], unmet: [] });
  });

  it('closing at the deadline instant is still allowed', () => {
    expect(closingConditions(completeStandardQuote(), mission(), deadline).conflicts).toEqual([]);
  });

  it('closing one second after the deadline is refused as a conflict', () => {
    const { conflicts } = closingConditions(completeStandardQuote(), mission(), secondsFromDeadline(1));
    expect(codes(conflicts)).toEqual(['deadline_passed']);
  });
});

describe('closing a quote: conflicts', () => {
  const before = secondsFromDeadline(-60);

  it('closing on an abandoned mission is refused', () => {
    expect(codes(closingConditions(completeStandardQuote(), mission({ status: 'abandoned' }), before).conflicts)).toEqual([
      'mission_abandoned',
    ]);
  });

  it('closing on an expired mission is refused', () => {
    expect(codes(closingConditions(completeStandardQuote(), mission({ status: 'expired' }), before).conflicts)).toEqual([
      'mission_expired',
    ]);
  });

  it('closing on a mission already under analysis is refused', () => {
    expect(codes(closingConditions(completeStandardQuote(), mission({ status: 'under_analysis' }), before).conflicts)).toEqual([
      'mission_not_awaiting_quote',
    ]);
  });

  it('closing a quote twice is refused', () => {
    const quote = completeStandardQuote({ status: 'closed' });
    expect(codes(closingConditions(quote, mission(), before).conflicts)).toEqual(['quote_already_closed']);
  });

  it('conflicts are reported beside unmet conditions so the caller can choose 409 first', () => {
    const result = closingConditions(completeStandardQuote({ photoIds: [] }), mission({ status: 'expired' }), secondsFromDeadline(1));
    expect(codes(result.conflicts)).toEqual(['mission_expired', 'deadline_passed']);
    expect(codes(result.unmet)).toEqual(['photos_missing']);
  });
});

describe('closing a standard quote: unmet conditions', () => {
  const before = secondsFromDeadline(-60);

  it('every unmet condition is listed together, each Smart question by name', () => {
    const quote = completeStandardQuote({ calculation: null, photoIds: ['p1'], smartFrame: { probableTotalLoss: true, expertAdviceNeeded: null } });
    const { conflicts, unmet } = closingConditions(quote, mission(), before);
    expect(conflicts).toEqual([]);
    expect(unmet.map((c) => [c.code, c.field])).toEqual([
      ['calculation_missing', 'calculation'],
      ['photos_missing', 'photos'],
      ['smart_frame_incomplete', 'smartFrame.multipleDamageZones'],
      ['smart_frame_incomplete', 'smartFrame.expertAdviceNeeded'],
      ['smart_frame_incomplete', 'smartFrame.technicalInspectionNeeded'],
      ['smart_frame_incomplete', 'smartFrame.onSiteExpertNeeded'],
    ]);
    expect(unmet[1]?.message).toBe('at least 3 photos required, 1 attached');
  });

  it('a missing Smart frame names all five questions', () => {
    const { unmet } = closingConditions(completeStandardQuote({ smartFrame: null }), mission(), before);
    expect(unmet.map((c) => c.field)).toEqual([
      'smartFrame.probableTotalLoss',
      'smartFrame.multipleDamageZones',
      'smartFrame.expertAdviceNeeded',
      'smartFrame.technicalInspectionNeeded',
      'smartFrame.onSiteExpertNeeded',
    ]);
  });

  it('a "no" answer counts as answered', () => {
    const { unmet } = closingConditions(completeStandardQuote(), mission(), before);
    expect(unmet).toEqual([]);
  });

  it('the number of photos required comes from the insurer policy', () => {
    const quote = completeStandardQuote({ photoIds: ['p1', 'p2', 'p3'] });
    expect(codes(closingConditions(quote, mission({ policy: { minPhotos: 4 } }), before).unmet)).toEqual(['photos_missing']);
    expect(closingConditions(quote, mission({ policy: { minPhotos: 3 } }), before).unmet).toEqual([]);
  });

  it('totals that do not equal the sum of the lines block closing and name the figure', () => {
    const quote = completeStandardQuote({
      calculation: {
        lines: [{ kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 10_000 }],
        totals: { totalInclVatCents: 12_101 },
      },
    });
    const { unmet } = closingConditions(quote, mission(), before);
    expect(unmet).toEqual([
      {
        code: 'calculation_totals_mismatch',
        message: 'the totals do not equal the sum of the lines: totalInclVatCents: sent 12101, computed 12100',
        field: 'calculation.totals.totalInclVatCents',
      },
    ]);
  });

  it('an invalid calculation blocks closing and names the line field', () => {
    const quote = completeStandardQuote({
      calculation: { lines: [{ kind: 'labour', description: 'Body', hours: 0, hourlyRateCents: 5_000 }] },
    });
    const { unmet } = closingConditions(quote, mission(), before);
    expect(unmet.map((c) => [c.code, c.field])).toEqual([['calculation_invalid', 'calculation.lines[0].hours']]);
  });
});

describe('closing a total-loss quote', () => {
  const before = secondsFromDeadline(-60);

  it('a total-loss file with a vehicle status and one photo closes without calculation or Smart frame', () => {
    expect(closingConditions(completeTotalLossQuote(), mission(), before)).toEqual({ conflicts: [], unmet: [] });
  });

  it('a total-loss file needs one photo, not the policy minimum', () => {
    const result = closingConditions(completeTotalLossQuote({ photoIds: ['p1'] }), mission({ policy: { minPhotos: 6 } }), before);
    expect(result.unmet).toEqual([]);
  });

  it('a total-loss file without vehicle status or photos lists both', () => {
    const { unmet } = closingConditions(completeTotalLossQuote({ vehicleStatus: null, photoIds: [] }), mission(), before);
    expect(unmet.map((c) => [c.code, c.field])).toEqual([
      ['vehicle_status_missing', 'vehicleStatus'],
      ['photos_missing', 'photos'],
    ]);
  });

  it('a total-loss file carrying a calculation is refused', () => {
    const quote = completeTotalLossQuote({
      calculation: { lines: [{ kind: 'part', description: 'Door', quantity: 1, unitPriceCents: 1 }] },
    });
    expect(codes(closingConditions(quote, mission(), before).unmet)).toEqual(['calculation_not_allowed']);
  });

  it('a total-loss file after the deadline is refused like any other', () => {
    expect(codes(closingConditions(completeTotalLossQuote(), mission(), secondsFromDeadline(1)).conflicts)).toEqual([
      'deadline_passed',
    ]);
  });
});
