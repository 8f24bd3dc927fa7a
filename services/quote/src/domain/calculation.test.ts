import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Cents } from '@smart-expertise/contracts';
import { checkClientTotals, computeTotals, MAX_TOTAL_CENTS, ROUNDING_RULE } from './calculation.ts';
import type { Calculation, CalculationLine, CalculationTotals } from './calculation.ts';

function totalsOf(calculation: Calculation): CalculationTotals {
  const result = computeTotals(calculation);
  if (!result.ok) throw new Error(`expected valid calculation, got ${JSON.stringify(result.errors)}`);
  return result.totals;
}

function errorsOf(calculation: Calculation): { path: string; message: string }[] {
  const result = computeTotals(calculation);
  if (result.ok) throw new Error('expected the calculation to be refused');
  return result.errors;
}

const bumper: CalculationLine = { kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 45_000 };
const bodywork: CalculationLine = { kind: 'labour', description: 'Bodywork', hours: 2.5, hourlyRateCents: 6_000 };
const paint: CalculationLine = { kind: 'paint', description: 'Paint materials', quantity: 1, unitPriceCents: 12_345 };
const sundry: CalculationLine = { kind: 'sundry', description: 'Clips', quantity: 4, unitPriceCents: 150 };

describe('computeTotals', () => {
  it('totals a calculation with one line of each kind at 21 % VAT by default', () => {
    const totals = totalsOf({ lines: [bumper, bodywork, paint, sundry] });
    expect(totals.subtotalsCents).toEqual({ part: 45_000, labour: 15_000, paint: 12_345, sundry: 600 });
    expect(totals.totalExclVatCents).toBe(72_945);
    expect(totals.vatRate).toBe(21);
    // 72 945 × 21 % = 15 318.45 → 15 318
    expect(totals.vatCents).toBe(15_318);
    expect(totals.totalInclVatCents).toBe(88_263);
  });

  it('applies 6 % VAT when asked', () => {
    const totals = totalsOf({ lines: [bumper], vatRate: 6 });
    expect(totals.vatCents).toBe(2_700);
    expect(totals.totalInclVatCents).toBe(47_700);
  });

  it('prices labour as hours times the hourly rate', () => {
    const totals = totalsOf({ lines: [{ kind: 'labour', description: 'Mechanics', hours: 1.25, hourlyRateCents: 7_201 }] });
    // 1.25 × 7 201 = 9 001.25 → 9 001
    expect(totals.lines[0]?.totalCents).toBe(9_001);
  });

  it('multiplies fractional quantities exactly, without float drift', () => {
    // 0.1 × 3 cents would be 0.30000000000000004 in floats; 0.3 → 0 cents exactly.
    const totals = totalsOf({ lines: [{ kind: 'sundry', description: 'Sealant', quantity: 0.1, unitPriceCents: 3 }] });
    expect(totals.lines[0]?.totalCents).toBe(0);
    const litres = totalsOf({ lines: [{ kind: 'paint', description: 'Lacquer', quantity: 1.005, unitPriceCents: 1_000 }] });
    expect(litres.lines[0]?.totalCents).toBe(1_005);
  });

  it('rounds a line half away from zero after its discount', () => {
    // 1 × 1 001 less 50 % = 500.5 → 501
    const totals = totalsOf({ lines: [{ kind: 'part', description: 'A', quantity: 1, unitPriceCents: 1_001, discountPercent: 50 }] });
    expect(totals.lines[0]).toMatchObject({ grossCents: 1_001, discountCents: 500, totalCents: 501 });
  });

  it('rounds a line once, not the gross and then the discounted amount', () => {
    // 0.5 × 3 = 1.5, less 25 % = 1.125 → 1. Rounding the gross first would give 2 × 0.75 = 1.5 → 2.
    const totals = totalsOf({ lines: [{ kind: 'part', description: 'C', quantity: 0.5, unitPriceCents: 3, discountPercent: 25 }] });
    expect(totals.lines[0]?.totalCents).toBe(1);
  });

  it('computes VAT once on the total excluding VAT, not per line', () => {
    // Two lines of 2 cents: VAT per line would be 0 + 0; on the total 4 × 21 % = 0.84 → 1.
    const line: CalculationLine = { kind: 'sundry', description: 'Washer', quantity: 1, unitPriceCents: 2 };
    const totals = totalsOf({ lines: [line, line] });
    expect(totals.vatCents).toBe(1);
  });

  it('rounds VAT half away from zero', () => {
    // 50 × 21 % = 10.5 → 11
    const totals = totalsOf({ lines: [{ kind: 'sundry', description: 'Tape', quantity: 1, unitPriceCents: 50 }] });
    expect(totals.vatCents).toBe(11);
  });

  it('accepts a free line and a full discount', () => {
    const totals = totalsOf({
      lines: [
        { kind: 'part', description: 'Goodwill part', quantity: 1, unitPriceCents: 0 },
        { kind: 'labour', description: 'Goodwill labour', hours: 1, hourlyRateCents: 5_000, discountPercent: 100 },
      ],
    });
    expect(totals.totalInclVatCents).toBe(0);
  });

  it('states its rounding rule', () => {
    expect(ROUNDING_RULE).toMatch(/half away from zero/);
    expect(ROUNDING_RULE).toMatch(/VAT is computed once on the total excluding VAT/);
  });

  it('keeps the total including VAT equal to the sum of the lines plus VAT', () => {
    const lineArb = fc.oneof(
      fc.record({
        kind: fc.constantFrom('part' as const, 'paint' as const, 'sundry' as const),
        description: fc.constant('x'),
        quantity: fc.integer({ min: 1, max: 100_000 }).map((milli) => milli / 1000),
        unitPriceCents: fc.integer({ min: 0, max: 10_000_000 }),
        discountPercent: fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100),
      }),
      fc.record({
        kind: fc.constant('labour' as const),
        description: fc.constant('x'),
        hours: fc.integer({ min: 1, max: 10_000 }).map((hundredths) => hundredths / 100),
        hourlyRateCents: fc.integer({ min: 0, max: 100_000 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 20 }), fc.constantFrom(21, 6), (lines, vatRate) => {
        const totals = totalsOf({ lines, vatRate });
        const sumOfLines = totals.lines.reduce((sum, line) => sum + line.totalCents, 0);
        const sumOfSubtotals = Object.values(totals.subtotalsCents).reduce((sum, cents) => sum + cents, 0);
        expect(sumOfLines).toBe(totals.totalExclVatCents);
        expect(sumOfSubtotals).toBe(totals.totalExclVatCents);
        expect(totals.totalInclVatCents).toBe(totals.totalExclVatCents + totals.vatCents);
        for (const line of totals.lines) expect(Number.isSafeInteger(line.totalCents)).toBe(true);
      }),
    );
  });
});

describe('computeTotals validation', () => {
  it('refuses a calculation without lines', () => {
    expect(errorsOf({ lines: [] })).toEqual([{ path: 'lines', message: 'at least one line is required' }]);
  });

  it('refuses a VAT rate other than 21 or 6', () => {
    expect(errorsOf({ lines: [bumper], vatRate: 0 }).map((e) => e.path)).toEqual(['vatRate']);
    expect(errorsOf({ lines: [bumper], vatRate: 12 }).map((e) => e.path)).toEqual(['vatRate']);
  });

  it('refuses a part without a positive quantity or with a negative price', () => {
    const errors = errorsOf({
      lines: [
        { kind: 'part', description: 'Door', quantity: 0, unitPriceCents: 100 },
        { kind: 'part', description: 'Door', quantity: 1, unitPriceCents: -1 },
        { kind: 'paint', description: 'Paint' },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual([
      'lines[0].quantity',
      'lines[1].unitPriceCents',
      'lines[2].quantity',
      'lines[2].unitPriceCents',
    ]);
  });

  it('refuses a price that is not a whole number of cents', () => {
    const errors = errorsOf({ lines: [{ kind: 'sundry', description: 'Clip', quantity: 1, unitPriceCents: 1.5 }] });
    expect(errors.map((e) => e.path)).toEqual(['lines[0].unitPriceCents']);
  });

  it('refuses a quantity with more than three decimals', () => {
    const errors = errorsOf({ lines: [{ kind: 'part', description: 'Bolt', quantity: 1.0005, unitPriceCents: 10 }] });
    expect(errors).toEqual([{ path: 'lines[0].quantity', message: 'must have at most 3 decimals; got 1.0005' }]);
  });

  it('refuses labour without positive hours, with more than two decimals, or without a rate', () => {
    const errors = errorsOf({
      lines: [
        { kind: 'labour', description: 'Body', hours: 0, hourlyRateCents: 5_000 },
        { kind: 'labour', description: 'Body', hours: 1.255, hourlyRateCents: 5_000 },
        { kind: 'labour', description: 'Body', hours: 1 },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual(['lines[0].hours', 'lines[1].hours', 'lines[2].hourlyRateCents']);
  });

  it('refuses a line that mixes labour and part pricing', () => {
    const errors = errorsOf({
      lines: [{ kind: 'labour', description: 'Body', hours: 1, hourlyRateCents: 5_000, unitPriceCents: 100 }],
    });
    expect(errors.map((e) => e.path)).toEqual(['lines[0].unitPriceCents']);
  });

  it('refuses a discount outside 0–100 %', () => {
    const errors = errorsOf({
      lines: [
        { ...bumper, discountPercent: -1 },
        { ...bumper, discountPercent: 100.5 },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual(['lines[0].discountPercent', 'lines[1].discountPercent']);
  });

  it('refuses a line without a description', () => {
    expect(errorsOf({ lines: [{ ...bumper, description: '  ' }] }).map((e) => e.path)).toEqual(['lines[0].description']);
  });

  it('lists every error at once', () => {
    const errors = errorsOf({
      vatRate: 7,
      lines: [{ kind: 'part', description: '', quantity: -1, unitPriceCents: 1, discountPercent: 200 }],
    });
    expect(errors.map((e) => e.path)).toEqual([
      'vatRate',
      'lines[0].description',
      'lines[0].discountPercent',
      'lines[0].quantity',
    ]);
  });
});

describe('checkClientTotals', () => {
  const computed = totalsOf({ lines: [bumper, bodywork, paint, sundry] });

  it('accepts client totals equal to the computed ones', () => {
    expect(
      checkClientTotals(computed, {
        subtotalsCents: { part: 45_000, labour: 15_000 },
        totalExclVatCents: 72_945,
        vatCents: 15_318,
        totalInclVatCents: 88_263,
      }),
    ).toEqual([]);
  });

  it('accepts a calculation sent without totals', () => {
    expect(checkClientTotals(computed, undefined)).toEqual([]);
    expect(checkClientTotals(computed, {})).toEqual([]);
  });

  it('names each differing field with the sent and computed figures', () => {
    const mismatches = checkClientTotals(computed, {
      subtotalsCents: { paint: 12_346 },
      vatCents: 15_319,
      totalInclVatCents: 88_264,
    });
    expect(mismatches.map((m) => m.message)).toEqual([
      'subtotalsCents.paint: sent 12346, computed 12345',
      'vatCents: sent 15319, computed 15318',
      'totalInclVatCents: sent 88264, computed 88263',
    ]);
    expect(mismatches[2]).toEqual({
      field: 'totalInclVatCents',
      sentCents: 88_264,
      computedCents: 88_263,
      message: 'totalInclVatCents: sent 88264, computed 88263',
    });
  });
});

describe('computeTotals bounds (regression of the hostile-input campaign)', () => {
  it('refuses a total above the largest amount the contracts carry, which made the quote unreadable', () => {
    expect(MAX_TOTAL_CENTS).toBe((Cents as { maximum?: number }).maximum);
    const huge = computeTotals({ calculationNumber: 'AX-1', lines: [{ kind: 'part', description: 'gold bumper', quantity: 1, unitPriceCents: 2 ** 40 }] });
    expect(huge).toMatchObject({ ok: false, errors: [{ path: 'lines', message: 'the total is too large to be represented in cents' }] });
    const large = computeTotals({ calculationNumber: 'AX-2', lines: [{ kind: 'part', description: 'bumper', quantity: 1, unitPriceCents: 1_000_000_00 }] });
    expect(large).toMatchObject({ ok: true, totals: { totalInclVatCents: 1_210_000_00 } });
  });
});
