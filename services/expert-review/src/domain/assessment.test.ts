import { describe, expect, it } from 'vitest';
import { assess, type QuoteSubmitted } from './assessment.ts';

const quote: QuoteSubmitted = {
  quoteId: 'q1',
  garageId: 'G1',
  expertOfficeId: 'EXP1',
  procedure: 'standard',
  closedAt: '2026-03-01T10:00:00.000Z',
  calculation: {
    calculationNumber: 'AX-1',
    vatRate: 21,
    lines: [{ kind: 'labour', description: 'Bumper R&R', hours: 2, hourlyRateCents: 60_00, totalCents: 120_00 }],
    totalExclVatCents: 120_00,
    vatCents: 25_20,
    totalInclVatCents: 145_20,
  },
  smartFrame: { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false },
  vehicleStatus: null,
  vehicleStatusNote: null,
  photos: [{ id: 'p1', sha256: 'a'.repeat(64), contentType: 'image/jpeg', sizeBytes: 10, seenOnOtherMission: false }],
};

describe('assess', () => {
  it('uses the insurer policy of the mission when it is known', () => {
    const result = assess(quote, { minPhotos: 1, reviewThresholds: { agreedLabourRateCents: 55_00, smartCeilingCents: 5_000_00, totalLossRatioPercent: 70 } });
    expect(result.basis).toBe('insurer_policy');
    expect(result.findings.map((f) => f.code)).toEqual(['labour.rate_above_agreed']);
    expect(result.summary).toBe('1 warning: labour rate above agreed');
  });

  it('falls back to the platform defaults when the quote carries no insurer policy', () => {
    const result = assess(quote, null);
    expect(result.basis).toBe('default_policy');
    // Default: four photos, labour agreed at €65.00.
    expect(result.findings.map((f) => f.code)).toEqual(['photos.too_few']);
  });
});
