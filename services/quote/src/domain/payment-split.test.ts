import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { invoiceAboveQuote, PaymentSplitInputError, splitPayment } from './payment-split.ts';
import type { OwnerVatPosition, PaymentSplitInput } from './payment-split.ts';

// An invoice of 1 210.00 € incl. 21 % VAT: 1 000.00 € net, 210.00 € VAT.
const invoice = { amountCents: 121_000, vatRatePercent: 21, ceilingCents: 110_000, deductibleCents: 25_000 };

describe('splitPayment', () => {
  it('a private owner recovers no VAT and pays the deductible and what exceeds the ceiling', () => {
    expect(splitPayment({ ...invoice, owner: { vatRegime: 'none' } })).toMatchObject({
      recoverableVatCents: 0,
      aboveCeilingCents: 11_000,
      deductibleAppliedCents: 25_000,
      insurerShareCents: 85_000,
      ownerShareCents: 36_000,
    });
  });

  it('a fully VAT-registered owner pays all the VAT and the deductible', () => {
    expect(splitPayment({ ...invoice, owner: { vatRegime: 'full' } })).toMatchObject({
      recoverableVatCents: 21_000,
      aboveCeilingCents: 0,
      deductibleAppliedCents: 25_000,
      insurerShareCents: 75_000,
      ownerShareCents: 46_000,
    });
  });

  it('a partly VAT-registered owner pays the recoverable percentage of the VAT', () => {
    expect(splitPayment({ ...invoice, owner: { vatRegime: 'partial', vatDeductiblePercent: 60 } })).toMatchObject({
      recoverableVatCents: 12_600,
      aboveCeilingCents: 0,
      deductibleAppliedCents: 25_000,
      insurerShareCents: 83_400,
      ownerShareCents: 37_600,
    });
  });

  it('recoverable VAT comes off before the ceiling, so it does not use up the ceiling', () => {
    // Ceiling 1 000.00 €: the registered owner's 210.00 € of VAT is theirs; the insurer still covers up to the ceiling.
    const split = splitPayment({ ...invoice, ceilingCents: 100_000, deductibleCents: 0, owner: { vatRegime: 'full' } });
    expect(split).toMatchObject({ insurerShareCents: 100_000, ownerShareCents: 21_000, aboveCeilingCents: 0 });
  });

  it('reads the VAT out of an invoice at 6 %', () => {
    const split = splitPayment({ amountCents: 10_600, vatRatePercent: 6, ceilingCents: 1_000_000, deductibleCents: 0, owner: { vatRegime: 'full' } });
    expect(split).toMatchObject({ recoverableVatCents: 600, insurerShareCents: 10_000, ownerShareCents: 600 });
  });

  it('rounds the invoice VAT and the partial share half away from zero', () => {
    // 100 incl. 21 %: net = round(82.64) = 83, VAT = 17; 50 % of 17 = 8.5 → 9.
    const split = splitPayment({ amountCents: 100, vatRatePercent: 21, ceilingCents: 1_000, deductibleCents: 0, owner: { vatRegime: 'partial', vatDeductiblePercent: 50 } });
    expect(split).toMatchObject({ recoverableVatCents: 9, insurerShareCents: 91, ownerShareCents: 9 });
    expect(split.rounding).toMatch(/half away from zero/);
  });

  it('a deductible larger than what is covered leaves the insurer nothing and the owner everything', () => {
    const split = splitPayment({ ...invoice, deductibleCents: 500_000, owner: { vatRegime: 'none' } });
    expect(split).toMatchObject({ insurerShareCents: 0, ownerShareCents: 121_000, deductibleAppliedCents: 110_000 });
  });

  it('a zero ceiling leaves the whole invoice to the owner', () => {
    const split = splitPayment({ ...invoice, ceilingCents: 0, owner: { vatRegime: 'none' } });
    expect(split).toMatchObject({ insurerShareCents: 0, ownerShareCents: 121_000, aboveCeilingCents: 121_000, deductibleAppliedCents: 0 });
  });

  it('refuses a partial regime without a percentage', () => {
    expect(() => splitPayment({ ...invoice, owner: { vatRegime: 'partial' } })).toThrow(PaymentSplitInputError);
    expect(() => splitPayment({ ...invoice, owner: { vatRegime: 'partial', vatDeductiblePercent: 101 } })).toThrow(/vatDeductiblePercent/);
  });

  it('refuses amounts that are not whole cents and unknown VAT rates', () => {
    expect(() => splitPayment({ ...invoice, amountCents: 10.5, owner: { vatRegime: 'none' } })).toThrow(/amountCents/);
    expect(() => splitPayment({ ...invoice, deductibleCents: -1, owner: { vatRegime: 'none' } })).toThrow(/deductibleCents/);
    expect(() => splitPayment({ ...invoice, vatRatePercent: 12, owner: { vatRegime: 'none' } })).toThrow(/vatRatePercent/);
  });
});

describe('splitPayment properties', () => {
  const cents = fc.integer({ min: 0, max: 100_000_000 });
  const owner: fc.Arbitrary<OwnerVatPosition> = fc.oneof(
    fc.constant<OwnerVatPosition>({ vatRegime: 'none' }),
    fc.constant<OwnerVatPosition>({ vatRegime: 'full' }),
    fc.integer({ min: 0, max: 10_000 }).map((bp): OwnerVatPosition => ({ vatRegime: 'partial', vatDeductiblePercent: bp / 100 })),
  );
  const input: fc.Arbitrary<PaymentSplitInput> = fc.record({
    amountCents: cents,
    vatRatePercent: fc.constantFrom(21, 6),
    ceilingCents: cents,
    deductibleCents: cents,
    owner,
  });

  it('shares are non-negative integers that add up to the invoice amount', () => {
    fc.assert(
      fc.property(input, (i) => {
        const split = splitPayment(i);
        expect(Number.isSafeInteger(split.insurerShareCents) && split.insurerShareCents >= 0).toBe(true);
        expect(Number.isSafeInteger(split.ownerShareCents) && split.ownerShareCents >= 0).toBe(true);
        expect(split.insurerShareCents + split.ownerShareCents).toBe(i.amountCents);
        expect(split.recoverableVatCents + split.aboveCeilingCents + split.deductibleAppliedCents).toBe(split.ownerShareCents);
      }),
    );
  });

  it('the insurer share never exceeds the ceiling', () => {
    fc.assert(fc.property(input, (i) => splitPayment(i).insurerShareCents <= i.ceilingCents));
  });

  it('a larger deductible never increases the insurer share', () => {
    fc.assert(
      fc.property(input, cents, (i, extra) => {
        const smaller = splitPayment(i).insurerShareCents;
        const larger = splitPayment({ ...i, deductibleCents: i.deductibleCents + extra }).insurerShareCents;
        return larger <= smaller;
      }),
    );
  });
});

describe('splitPayment with an approved total', () => {
  it('leaves what the invoice charges above the approved total to the owner, VAT included', () => {
    // Approved 1 000.00 €, invoice 1 210.00 €: 210.00 € above it; the rest is split as usual.
    const split = splitPayment({ ...invoice, ceilingCents: 1_000_000, approvedTotalCents: 100_000, owner: { vatRegime: 'none' } });
    expect(split).toMatchObject({ aboveApprovedCents: 21_000, insurerShareCents: 75_000, deductibleAppliedCents: 25_000, ownerShareCents: 46_000 });
  });

  it('takes the recoverable VAT of the approved part only', () => {
    // Approved 605.00 € incl. 21 % = 500.00 + 105.00; the fully registered owner recovers 105.00 €.
    const split = splitPayment({ ...invoice, ceilingCents: 1_000_000, deductibleCents: 0, approvedTotalCents: 60_500, owner: { vatRegime: 'full' } });
    expect(split).toMatchObject({ aboveApprovedCents: 60_500, recoverableVatCents: 10_500, insurerShareCents: 50_000, ownerShareCents: 71_000 });
  });

  it('an invoice within the approved total is split as without it', () => {
    const without = splitPayment({ ...invoice, owner: { vatRegime: 'full' } });
    expect(splitPayment({ ...invoice, approvedTotalCents: 121_000, owner: { vatRegime: 'full' } })).toEqual({ ...without, aboveApprovedCents: 0 });
  });

  it('refuses an approved total that is not whole cents', () => {
    expect(() => splitPayment({ ...invoice, approvedTotalCents: -1, owner: { vatRegime: 'none' } })).toThrow(/approvedTotalCents/);
  });
});

describe('splitPayment properties with an approved total', () => {
  const cents = fc.integer({ min: 0, max: 100_000_000 });
  const owner: fc.Arbitrary<OwnerVatPosition> = fc.oneof(
    fc.constant<OwnerVatPosition>({ vatRegime: 'none' }),
    fc.constant<OwnerVatPosition>({ vatRegime: 'full' }),
    fc.integer({ min: 0, max: 10_000 }).map((bp): OwnerVatPosition => ({ vatRegime: 'partial', vatDeductiblePercent: bp / 100 })),
  );
  const input = fc.record({
    amountCents: cents,
    vatRatePercent: fc.constantFrom(21, 6),
    ceilingCents: cents,
    deductibleCents: cents,
    owner,
    approvedTotalCents: cents,
  });

  it('the shares add up to the invoice, and the owner’s is each part it pays', () => {
    fc.assert(
      fc.property(input, (i) => {
        const split = splitPayment(i);
        expect(split.insurerShareCents).toBeGreaterThanOrEqual(0);
        expect(split.insurerShareCents + split.ownerShareCents).toBe(i.amountCents);
        expect(split.aboveApprovedCents + split.recoverableVatCents + split.aboveCeilingCents + split.deductibleAppliedCents).toBe(split.ownerShareCents);
        expect(split.aboveApprovedCents).toBe(Math.max(0, i.amountCents - i.approvedTotalCents));
      }),
    );
  });

  it('the insurer share never exceeds the ceiling nor the approved total', () => {
    fc.assert(fc.property(input, (i) => splitPayment(i).insurerShareCents <= Math.min(i.ceilingCents, i.approvedTotalCents)));
  });

  it('the insurer share never exceeds the approved total less the VAT the owner recovers on it', () => {
    fc.assert(
      fc.property(input, (i) => {
        // The approved total invoiced alone, with nothing capped: what of it is the insurer's at most.
        const approvedAlone = splitPayment({ ...i, amountCents: i.approvedTotalCents, ceilingCents: i.approvedTotalCents, deductibleCents: 0 });
        return splitPayment(i).insurerShareCents <= i.approvedTotalCents - approvedAlone.recoverableVatCents;
      }),
    );
  });

  it('a larger approved total never lowers the insurer share, and above the invoice changes nothing', () => {
    fc.assert(
      fc.property(input, cents, (i, extra) => {
        const share = splitPayment(i).insurerShareCents;
        expect(splitPayment({ ...i, approvedTotalCents: i.approvedTotalCents + extra }).insurerShareCents).toBeGreaterThanOrEqual(share);
        const { approvedTotalCents: _ignored, ...uncapped } = i;
        expect(splitPayment({ ...i, approvedTotalCents: i.amountCents + extra })).toEqual(splitPayment(uncapped));
      }),
    );
  });
});

describe('invoiceAboveQuote', () => {
  it('flags an invoice above the validated quote', () => {
    expect(invoiceAboveQuote(12_101, 12_100)).toBe(true);
  });

  it('does not flag an invoice equal to or below the validated quote', () => {
    expect(invoiceAboveQuote(12_100, 12_100)).toBe(false);
    expect(invoiceAboveQuote(9_000, 12_100)).toBe(false);
  });
});
