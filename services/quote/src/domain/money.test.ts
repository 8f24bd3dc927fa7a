import { describe, expect, it } from 'vitest';
import { divideRoundHalfAwayFromZero, toScaledInteger } from './money.ts';

describe('divideRoundHalfAwayFromZero', () => {
  it('rounds ties away from zero on both signs', () => {
    expect(divideRoundHalfAwayFromZero(5n, 2n)).toBe(3n);
    expect(divideRoundHalfAwayFromZero(-5n, 2n)).toBe(-3n);
    expect(divideRoundHalfAwayFromZero(5n, -2n)).toBe(-3n);
  });

  it('rounds non-ties to the nearest integer', () => {
    expect(divideRoundHalfAwayFromZero(14n, 10n)).toBe(1n);
    expect(divideRoundHalfAwayFromZero(16n, 10n)).toBe(2n);
    expect(divideRoundHalfAwayFromZero(-16n, 10n)).toBe(-2n);
  });
});

describe('toScaledInteger', () => {
  it('turns a decimal with few enough decimals into an exact integer', () => {
    expect(toScaledInteger(0.1, 3)).toBe(100);
    expect(toScaledInteger(1.005, 3)).toBe(1_005);
    expect(toScaledInteger(2.25, 2)).toBe(225);
  });

  it('refuses a decimal with too many decimals or no finite value', () => {
    expect(toScaledInteger(1.0005, 3)).toBeNull();
    expect(toScaledInteger(Number.NaN, 2)).toBeNull();
    expect(toScaledInteger(Number.POSITIVE_INFINITY, 2)).toBeNull();
  });
});
