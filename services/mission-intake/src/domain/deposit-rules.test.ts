import { describe, expect, it } from 'vitest';
import { checkDeposit, type DepositFacts } from './deposit-rules.ts';

const now = new Date('2026-04-02T08:00:00Z');
const valid: DepositFacts = {
  claim: { lossDate: '2026-03-30' },
  vehicle: { firstRegistrationDate: '2019-05-01' },
  owner: { vatRegime: 'none' },
  directPayment: { ceilingCents: 5_000_00, deductibleCents: 250_00 },
};
const check = (over: Partial<DepositFacts>) => checkDeposit({ ...valid, ...over }, { now, workingDays: 3 });
const paths = (over: Partial<DepositFacts>) => {
  const result = check(over);
  return result.ok ? [] : result.errors.map((e) => e.path);
};

describe('deposit rules beyond the schema', () => {
  it('accepts a valid deposit and computes the deadline from the working days, Easter Monday excluded', () => {
    const result = check({});
    // Fri 3, (Easter Monday 6), Tue 7, Wed 8
    expect(result).toEqual({ ok: true, deadline: new Date('2026-04-08T21:59:59.999Z') });
  });

  it('accepts a loss today in Brussels, even when it is still yesterday in UTC', () => {
    const lateEvening = new Date('2026-04-01T22:30:00Z'); // 00:30 on 2 April in Brussels
    expect(checkDeposit({ ...valid, claim: { lossDate: '2026-04-02' } }, { now: lateEvening, workingDays: 3 }).ok).toBe(true);
  });

  it('refuses a loss date in the future', () => {
    expect(paths({ claim: { lossDate: '2026-04-03' } })).toEqual(['/claim/lossDate']);
  });

  it('refuses a first registration in the future', () => {
    expect(paths({ vehicle: { firstRegistrationDate: '2027-01-01' } })).toEqual(['/vehicle/firstRegistrationDate']);
  });

  it('requires the deductible VAT share of a partly registered owner', () => {
    expect(paths({ owner: { vatRegime: 'partial' } })).toEqual(['/owner/vatDeductiblePercent']);
    expect(check({ owner: { vatRegime: 'partial', vatDeductiblePercent: 50 } }).ok).toBe(true);
  });

  it('refuses a deductible VAT share for an owner who is not partly registered', () => {
    expect(paths({ owner: { vatRegime: 'full', vatDeductiblePercent: 50 } })).toEqual(['/owner/vatDeductiblePercent']);
  });

  it('refuses a deductible above the ceiling', () => {
    expect(paths({ directPayment: { ceilingCents: 100_00, deductibleCents: 100_01 } })).toEqual(['/directPayment/deductibleCents']);
  });

  it('refuses a deadline in the past or without an offset', () => {
    expect(paths({ deadline: '2026-04-01' })).toEqual(['/deadline']);
    expect(paths({ deadline: '2026-04-10T12:00:00' })).toEqual(['/deadline']);
  });

  it('names every broken rule at once', () => {
    expect(
      paths({
        claim: { lossDate: '2030-01-01' },
        vehicle: { firstRegistrationDate: '2030-01-01' },
        owner: { vatRegime: 'partial' },
        directPayment: { ceilingCents: 0, deductibleCents: 1 },
        deadline: '2020-01-01',
      }),
    ).toEqual(['/claim/lossDate', '/vehicle/firstRegistrationDate', '/owner/vatDeductiblePercent', '/directPayment/deductibleCents', '/deadline']);
  });
});
