/**
 * Exact arithmetic helpers shared by the quote's money rules.
 *
 * Money is integer euro cents. Where a rule multiplies cents by a decimal (a quantity, a number of
 * hours, a percentage), the decimal is first turned into an integer count of its smallest unit
 * (thousandths, hundredths, basis points) and the product is formed in BigInt, so the only rounding
 * is the one explicit division below.
 */

/** `numerator / denominator` rounded to the nearest integer, ties away from zero. */
export function divideRoundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = n / d;
  const remainder = n % d;
  // remainder * 2 >= d is "at least half": ties go up in magnitude, i.e. away from zero.
  const magnitude = remainder * 2n >= d ? quotient + 1n : quotient;
  return negative ? -magnitude : magnitude;
}

/**
 * The integer `value × 10^decimals` when `value` is written with at most `decimals` decimals,
 * otherwise null.
 *
 * Why this is exact: a JSON number such as 1.125 parses to the double nearest 1.125, and dividing
 * the integer 1125 by 1000 also yields the double nearest 1.125 (IEEE division is correctly
 * rounded), so the round trip compares equal exactly when the value had no further decimals.
 */
export function toScaledInteger(value: number, decimals: number): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** decimals;
  const scaled = Math.round(value * scale);
  if (!Number.isSafeInteger(scaled)) return null;
  return scaled / scale === value ? scaled : null;
}

/** A bigint back to a number, or null when it would not be a safe integer. */
export function toSafeNumber(value: bigint): number | null {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}
