import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { euros, preCheck, summarize, vatOf } from './findings.ts';
import type { CalculationLine, Finding, PreCheckInput, SmartFrame, SubmittedCalculation, SubmittedPhoto, SubmittedQuote } from './findings.ts';

const noSmartYes: SmartFrame = {
  probableTotalLoss: false,
  multipleDamageZones: false,
  expertAdviceNeeded: false,
  technicalInspectionNeeded: false,
  onSiteExpertNeeded: false,
};

function photo(n: number, overrides: Partial<SubmittedPhoto> = {}): SubmittedPhoto {
  return { id: `ph-${n}`, sha256: `${n}`.padStart(64, 'a'), seenOnOtherMission: false, ...overrides };
}

const photos = (count: number): SubmittedPhoto[] => Array.from({ length: count }, (_, i) => photo(i + 1));

function calculation(lines: CalculationLine[], vatRate = 21): SubmittedCalculation {
  const totalExclVatCents = lines.reduce((s, l) => s + l.totalCents, 0);
  const vatCents = vatOf(totalExclVatCents, vatRate);
  return { lines, totalExclVatCents, vatCents, totalInclVatCents: totalExclVatCents + vatCents, vatRate };
}

const part: CalculationLine = { kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 40_000, totalCents: 40_000 };
const labour = (rate: number, description = 'Bumper R&R'): CalculationLine => ({
  kind: 'labour',
  description,
  hours: 2,
  hourlyRateCents: rate,
  totalCents: 2 * rate,
});

/** A clean standard quote: €500.00 excl., €605.00 incl., four photos, all Smart answers no. */
function quote(overrides: Partial<SubmittedQuote> = {}): SubmittedQuote {
  return {
    procedure: 'standard',
    calculation: calculation([part, labour(5_000)]),
    smartFrame: noSmartYes,
    photos: photos(4),
    ...overrides,
  };
}

function input(q: Partial<SubmittedQuote> = {}, rest: Partial<Omit<PreCheckInput, 'quote'>> = {}): PreCheckInput {
  return {
    quote: quote(q),
    mission: { vehicleValueCents: 1_000_000 },
    thresholds: { minPhotos: 4, agreedLabourRateCents: 5_500, smartCeilingCents: 300_000, totalLossRatioPercent: 75 },
    ...rest,
  };
}

const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);

describe('preCheck', () => {
  it('a clean quote has no findings and suggests validation', () => {
    expect(preCheck(input())).toEqual({ findings: [], suggestedDecision: 'validate' });
  });

  describe('calculation consistency', () => {
    it('lines that do not add up to the stated total excl. VAT are critical, with both figures', () => {
      const calc = { ...calculation([part]), totalExclVatCents: 39_000 };
      const { findings, suggestedDecision } = preCheck(input({ calculation: calc }));
      const f = findings.find((x) => x.code === 'calculation.inconsistent');
      expect(f?.severity).toBe('critical');
      expect(f?.message).toContain('€400.00');
      expect(f?.message).toContain('€390.00');
      expect(suggestedDecision).toBe('remote_intervention');
    });

    it('a stated VAT that is not the rounded rate of the total is critical', () => {
      const calc = { ...calculation([part]), vatCents: 8_300, totalInclVatCents: 48_300 };
      const f = preCheck(input({ calculation: calc })).findings.find((x) => x.code === 'calculation.inconsistent');
      expect(f?.message).toContain('21 % VAT on €400.00 is €84.00 but the stated VAT is €83.00');
    });

    it('a stated total incl. VAT that is not excl. plus VAT is critical', () => {
      const calc = { ...calculation([part]), totalInclVatCents: 48_401 };
      expect(codes(preCheck(input({ calculation: calc })).findings)).toEqual(['calculation.inconsistent']);
    });

    it('VAT is rounded half away from zero', () => {
      expect(vatOf(50, 21)).toBe(11); // 10.5 → 11
      expect(vatOf(-50, 21)).toBe(-11); // a credit: -10.5 → -11
      expect(vatOf(49, 21)).toBe(10); // 10.29 → 10
      expect(vatOf(1_000, 5.5)).toBe(55);
    });

    it('amounts that are not whole cents are reported instead of throwing', () => {
      const calc = { ...calculation([part]), vatCents: 84.5 };
      expect(codes(preCheck(input({ calculation: calc })).findings)).toEqual(['calculation.inconsistent']);
    });

    it('totals recomputed from any lines are never reported as inconsistent', () => {
      const line = fc.record({
        kind: fc.constantFrom('part', 'labour', 'paint', 'sundry') as fc.Arbitrary<CalculationLine['kind']>,
        description: fc.string(),
        totalCents: fc.integer({ min: -100_000, max: 10_000_000 }),
      });
      fc.assert(
        fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom(0, 6, 12, 21), (lines, rate) => {
          const findings = preCheck(input({ calculation: calculation(lines, rate) })).findings;
          expect(codes(findings)).not.toContain('calculation.inconsistent');
        }),
      );
    });

    it('a standard quote without a calculation is critical', () => {
      expect(codes(preCheck(input({ calculation: undefined })).findings)).toEqual(['calculation.missing']);
    });
  });

  describe('labour rate', () => {
    it('a labour line above the agreed rate is a warning naming the line and both rates', () => {
      const calc = calculation([part, labour(6_200, 'Door repair')]);
      const { findings, suggestedDecision } = preCheck(input({ calculation: calc }));
      expect(findings).toEqual([
        {
          code: 'labour.rate_above_agreed',
          severity: 'warning',
          message: 'Labour line 2 ("Door repair") is charged at €62.00 per hour, above the agreed rate of €55.00 per hour.',
        },
      ]);
      expect(suggestedDecision).toBe('pending_validation');
    });

    it('a labour line at exactly the agreed rate is not reported', () => {
      expect(preCheck(input({ calculation: calculation([labour(5_500)]) })).findings).toEqual([]);
    });

    it('each labour line above the agreed rate gets its own finding', () => {
      const calc = calculation([labour(6_000, 'A'), labour(5_000, 'B'), labour(7_000, 'C')]);
      expect(codes(preCheck(input({ calculation: calc })).findings)).toEqual(['labour.rate_above_agreed', 'labour.rate_above_agreed']);
    });

    it('a paint line with a high hourly rate is not a labour line', () => {
      const paint: CalculationLine = { kind: 'paint', description: 'Paint', hours: 1, hourlyRateCents: 9_000, totalCents: 9_000 };
      expect(preCheck(input({ calculation: calculation([paint]) })).findings).toEqual([]);
    });
  });

  describe('repair cost', () => {
    const expensive = calculation([{ ...part, unitPriceCents: 300_000, totalCents: 300_000 }]); // €3,630.00 incl.

    it('a repair above the Smart ceiling is a warning with both figures', () => {
      const { findings } = preCheck(input({ calculation: expensive }));
      expect(findings).toEqual([
        {
          code: 'repair.above_smart_ceiling',
          severity: 'warning',
          message: 'The repair costs €3,630.00 incl. VAT, above the Smart ceiling of €3,000.00.',
        },
      ]);
    });

    it('a repair exactly at the Smart ceiling is not reported', () => {
      const thresholds = { minPhotos: 4, agreedLabourRateCents: 5_500, smartCeilingCents: 363_000, totalLossRatioPercent: 75 };
      expect(preCheck(input({ calculation: expensive }, { thresholds })).findings).toEqual([]);
    });

    it('a repair reaching the total-loss ratio of the vehicle value is critical and suggests total-loss handling', () => {
      const { findings, suggestedDecision } = preCheck(input({ calculation: expensive }, { mission: { vehicleValueCents: 484_000 } }));
      const f = findings.find((x) => x.code === 'repair.probable_total_loss');
      expect(f).toEqual({
        code: 'repair.probable_total_loss',
        severity: 'critical',
        message: "The repair costs €3,630.00 incl. VAT, 75 % of the vehicle's value of €4,840.00, reaching the total-loss threshold of 75 %.",
      });
      expect(suggestedDecision).toBe('total_loss_handling');
    });

    it('a repair one cent below the total-loss ratio is not reported as a total loss', () => {
      // 75 % of €4,840.01 is €3,630.0075, so €3,630.00 is below it.
      const { findings } = preCheck(input({ calculation: expensive }, { mission: { vehicleValueCents: 484_001 } }));
      expect(codes(findings)).not.toContain('repair.probable_total_loss');
    });

    it('without a known vehicle value the total-loss ratio is not checked', () => {
      expect(codes(preCheck(input({ calculation: expensive }, { mission: {} })).findings)).not.toContain('repair.probable_total_loss');
      expect(codes(preCheck(input({ calculation: expensive }, { mission: { vehicleValueCents: 0 } })).findings)).not.toContain('repair.probable_total_loss');
    });
  });

  describe('photos', () => {
    it('fewer photos than the policy minimum is critical, with both counts', () => {
      const { findings, suggestedDecision } = preCheck(input({ photos: photos(2) }));
      expect(findings).toEqual([
        { code: 'photos.too_few', severity: 'critical', message: 'The quote has 2 distinct photos, fewer than the 4 required.' },
      ]);
      expect(suggestedDecision).toBe('remote_intervention');
    });

    it('the same image uploaded twice counts once', () => {
      const { findings } = preCheck(input({ photos: [...photos(3), photo(3, { id: 'ph-copy' })] }));
      expect(findings[0]?.message).toBe('The quote has 3 distinct photos (4 uploaded), fewer than the 4 required.');
    });

    it('a total-loss file needs only one photo', () => {
      const totalLoss = { procedure: 'total_loss', calculation: undefined, smartFrame: undefined, vehicleStatus: 'wreck' } as const;
      expect(preCheck(input({ ...totalLoss, photos: photos(1) })).findings).toEqual([]);
      expect(codes(preCheck(input({ ...totalLoss, photos: [] })).findings)).toEqual(['photos.too_few']);
    });

    it('each photo seen on another mission is its own critical finding', () => {
      const seen = [photo(1, { seenOnOtherMission: true }), photo(2), photo(3, { seenOnOtherMission: true }), photo(4)];
      const { findings, suggestedDecision } = preCheck(input({ photos: seen }));
      expect(findings.map((f) => [f.code, f.severity])).toEqual([
        ['photo.seen_on_other_mission', 'critical'],
        ['photo.seen_on_other_mission', 'critical'],
      ]);
      expect(findings[0]?.message).toContain('ph-1');
      expect(findings[1]?.message).toContain('ph-3');
      expect(suggestedDecision).toBe('remote_intervention');
    });
  });

  describe('Smart answers', () => {
    const answering = (yes: Partial<SmartFrame>) => preCheck(input({ smartFrame: { ...noSmartYes, ...yes } }));

    it('probable total loss suggests total-loss handling', () => {
      const r = answering({ probableTotalLoss: true });
      expect(codes(r.findings)).toEqual(['smart.probable_total_loss']);
      expect(r.suggestedDecision).toBe('total_loss_handling');
    });

    it('several damage zones suggests a remote intervention', () => {
      const r = answering({ multipleDamageZones: true });
      expect(codes(r.findings)).toEqual(['smart.multiple_damage_zones']);
      expect(r.suggestedDecision).toBe('remote_intervention');
    });

    it("the expert's advice needed suggests a remote intervention", () => {
      const r = answering({ expertAdviceNeeded: true });
      expect(codes(r.findings)).toEqual(['smart.expert_advice_needed']);
      expect(r.suggestedDecision).toBe('remote_intervention');
    });

    it('an expert needed on site suggests an on-site intervention', () => {
      const r = answering({ onSiteExpertNeeded: true });
      expect(codes(r.findings)).toEqual(['smart.onsite_expert_needed']);
      expect(r.suggestedDecision).toBe('onsite_intervention');
    });

    it('a technical inspection needed is an information reminder that still allows validation', () => {
      const r = answering({ technicalInspectionNeeded: true });
      expect(r.findings).toEqual([
        {
          code: 'smart.technical_inspection_needed',
          severity: 'info',
          message: 'The garage answered that the vehicle needs a technical inspection (contrôle technique), which it must pass after the repair.',
        },
      ]);
      expect(r.suggestedDecision).toBe('validate');
    });

    it('a standard quote without Smart answers is critical', () => {
      expect(codes(preCheck(input({ smartFrame: undefined })).findings)).toEqual(['smart_frame.missing']);
    });
  });

  describe('suggested decision precedence', () => {
    const allYes: SmartFrame = { probableTotalLoss: true, multipleDamageZones: true, expertAdviceNeeded: true, technicalInspectionNeeded: true, onSiteExpertNeeded: true };

    it('the total-loss procedure suggests total-loss handling whatever else is found', () => {
      expect(preCheck(input({ procedure: 'total_loss', smartFrame: { ...allYes, probableTotalLoss: false } })).suggestedDecision).toBe('total_loss_handling');
    });

    it('total-loss handling wins over an on-site intervention', () => {
      expect(preCheck(input({ smartFrame: allYes })).suggestedDecision).toBe('total_loss_handling');
    });

    it('an on-site intervention wins over a remote one', () => {
      expect(preCheck(input({ smartFrame: { ...noSmartYes, onSiteExpertNeeded: true, multipleDamageZones: true }, photos: photos(1) })).suggestedDecision).toBe('onsite_intervention');
    });

    it('a critical finding wins over warnings', () => {
      expect(preCheck(input({ calculation: calculation([labour(9_000)]), photos: photos(1) })).suggestedDecision).toBe('remote_intervention');
    });
  });

  it('lists critical findings first, then warnings, then information', () => {
    const { findings } = preCheck(
      input({ calculation: calculation([labour(9_000)]), smartFrame: { ...noSmartYes, technicalInspectionNeeded: true }, photos: photos(1) }),
    );
    expect(findings.map((f) => f.severity)).toEqual(['critical', 'warning', 'info']);
  });

  it('gives the same findings for the same input', () => {
    const i = input({ calculation: calculation([labour(9_000)]), photos: [photo(1, { seenOnOtherMission: true })] });
    expect(preCheck(i)).toEqual(preCheck(i));
  });
});

describe('summarize', () => {
  const f = (code: string, severity: Finding['severity']): Finding => ({ code, severity, message: '' });

  it('says no findings when there are none', () => {
    expect(summarize([])).toBe('no findings');
  });

  it('counts by severity and names each kind of finding once, most severe first', () => {
    expect(
      summarize([
        f('labour.rate_above_agreed', 'warning'),
        f('photo.seen_on_other_mission', 'critical'),
        f('photo.seen_on_other_mission', 'critical'),
      ]),
    ).toBe('2 critical, 1 warning: photo seen on another mission; labour rate above agreed');
  });

  it('pluralises warnings and includes information', () => {
    expect(summarize([f('repair.above_smart_ceiling', 'warning'), f('labour.rate_above_agreed', 'warning'), f('smart.technical_inspection_needed', 'info')])).toBe(
      '2 warnings, 1 info: repair above Smart ceiling; labour rate above agreed; technical inspection required',
    );
  });

  it('falls back to the code for a finding it has no label for', () => {
    expect(summarize([f('future.rule', 'warning')])).toBe('1 warning: future.rule');
  });
});

describe('euros', () => {
  it('formats cents with thousands separators and a sign', () => {
    expect(euros(123_456_789)).toBe('€1,234,567.89');
    expect(euros(5)).toBe('€0.05');
    expect(euros(-1_050)).toBe('-€10.50');
  });
});
