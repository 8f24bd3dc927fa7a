/**
 * The Audatex calculation attached to a standard quote, and its totals.
 *
 * Seed §3: closing is refused when "the calculation is missing or inconsistent (totals must equal
 * the sum of the lines, money in euro cents)". The service therefore computes the totals itself
 * and treats any figure sent by the client as a claim to check, never as the truth.
 */
import { divideRoundHalfAwayFromZero, toSafeNumber, toScaledInteger } from './money.ts';

export const LINE_KINDS = ['part', 'labour', 'paint', 'sundry'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

/** Belgian VAT rates a repair quote may carry: 21 % by default (seed §2), 6 % for the few reduced cases. */
export const VAT_RATES = [21, 6] as const;
export type VatRate = (typeof VAT_RATES)[number];
export const DEFAULT_VAT_RATE: VatRate = 21;

/** Decimals accepted in each decimal input; each becomes an integer count of that unit. */
export const QUANTITY_DECIMALS = 3;
export const HOURS_DECIMALS = 2;
export const DISCOUNT_DECIMALS = 2;

/**
 * The rounding rule, stated once so that the API documentation, the expert's screen and the code
 * say the same thing.
 */
export const ROUNDING_RULE =
  'Each line is computed exactly (quantity × unit price, or hours × hourly rate, less its discount) ' +
  'and rounded once to the cent, half away from zero. Subtotals and the total excluding VAT are exact ' +
  'sums of the rounded lines. VAT is computed once on the total excluding VAT and rounded to the cent, ' +
  'half away from zero. Total including VAT = total excluding VAT + VAT.';

export interface CalculationLine {
  kind: LineKind;
  description: string;
  /** part, paint, sundry: up to 3 decimals, > 0. */
  quantity?: number;
  /** part, paint, sundry: integer cents, >= 0. */
  unitPriceCents?: number;
  /** labour: up to 2 decimals, > 0. */
  hours?: number;
  /** labour: integer cents per hour, >= 0. */
  hourlyRateCents?: number;
  /** 0 to 100, up to 2 decimals; applied to the line before it is rounded. */
  discountPercent?: number;
}

/** Figures a client may send alongside its lines; each one present is checked against ours. */
export interface ClientTotals {
  subtotalsCents?: Partial<Record<LineKind, number>>;
  totalExclVatCents?: number;
  vatCents?: number;
  totalInclVatCents?: number;
}

export interface Calculation {
  calculationNumber?: string;
  lines: readonly CalculationLine[];
  /** 21 when absent. */
  vatRate?: number;
  totals?: ClientTotals;
}

export interface LineTotal {
  index: number;
  kind: LineKind;
  /** Before discount, rounded half away from zero (informative; the line total is rounded once from the exact value). */
  grossCents: number;
  discountCents: number;
  totalCents: number;
}

export interface CalculationTotals {
  lines: LineTotal[];
  subtotalsCents: Record<LineKind, number>;
  totalExclVatCents: number;
  vatRate: VatRate;
  vatCents: number;
  totalInclVatCents: number;
}

export interface FieldError {
  /** Where the problem is, from the calculation's root: `lines[2].hours`, `vatRate`. */
  path: string;
  message: string;
}

export type ComputeTotalsResult =
  | { ok: true; totals: CalculationTotals }
  | { ok: false; errors: FieldError[] };

export interface TotalsMismatch {
  field: string;
  sentCents: number;
  computedCents: number;
  /** `totalInclVatCents: sent 12346, computed 12345` */
  message: string;
}

/** A line reduced to integers: amount = units × priceCents / unitScale. */
interface ExactLine {
  kind: LineKind;
  units: bigint;
  unitScale: bigint;
  priceCents: bigint;
  discountBasisPoints: bigint;
}

const BASIS_POINTS = 10_000n;

/**
 * The largest amount the contracts carry (`Cents` in libs/contracts: 100 million euros). A larger total
 * was stored and then made every view of the quote fail to serialise (a 500 on every later request:
 * found by the hostile-input campaign); it is refused here instead.
 */
export const MAX_TOTAL_CENTS = 100_000_000_00;

export function computeTotals(calculation: Calculation): ComputeTotalsResult {
  const errors: FieldError[] = [];

  const vatRate = readVatRate(calculation.vatRate, errors);

  if (!Array.isArray(calculation.lines) || calculation.lines.length === 0) {
    errors.push({ path: 'lines', message: 'at least one line is required' });
  }

  const exactLines: ExactLine[] = [];
  const inputLines = Array.isArray(calculation.lines) ? calculation.lines : [];
  inputLines.forEach((line, index) => {
    const exact = readLine(line, `lines[${index}]`, errors);
    if (exact) exactLines.push(exact);
  });

  if (errors.length > 0 || vatRate === null) return { ok: false, errors };

  const lines: LineTotal[] = [];
  const subtotals: Record<LineKind, bigint> = { part: 0n, labour: 0n, paint: 0n, sundry: 0n };
  let totalExclVat = 0n;

  exactLines.forEach((line, index) => {
    const grossScaled = line.units * line.priceCents;
    // One division for the whole line: discounting an already rounded gross would round twice.
    const total = divideRoundHalfAwayFromZero(
      grossScaled * (BASIS_POINTS - line.discountBasisPoints),
      line.unitScale * BASIS_POINTS,
    );
    const gross = divideRoundHalfAwayFromZero(grossScaled, line.unitScale);
    subtotals[line.kind] += total;
    totalExclVat += total;
    lines.push({
      index,
      kind: line.kind,
      grossCents: Number(gross),
      discountCents: Number(gross - total),
      totalCents: Number(total),
    });
  });

  const vat = divideRoundHalfAwayFromZero(totalExclVat * BigInt(vatRate), 100n);
  const totalInclVat = toSafeNumber(totalExclVat + vat);
  if (totalInclVat === null || totalInclVat > MAX_TOTAL_CENTS) {
    return { ok: false, errors: [{ path: 'lines', message: 'the total is too large to be represented in cents' }] };
  }

  return {
    ok: true,
    totals: {
      lines,
      subtotalsCents: {
        part: Number(subtotals.part),
        labour: Number(subtotals.labour),
        paint: Number(subtotals.paint),
        sundry: Number(subtotals.sundry),
      },
      totalExclVatCents: Number(totalExclVat),
      vatRate,
      vatCents: Number(vat),
      totalInclVatCents: totalInclVat,
    },
  };
}

/** Every figure the client sent that differs from ours; an empty list means the totals agree. */
export function checkClientTotals(computed: CalculationTotals, clientTotals: ClientTotals | undefined): TotalsMismatch[] {
  if (!clientTotals) return [];
  const mismatches: TotalsMismatch[] = [];
  const compare = (field: string, sent: number | undefined, computedCents: number): void => {
    if (sent === undefined || sent === computedCents) return;
    mismatches.push({
      field,
      sentCents: sent,
      computedCents,
      message: `${field}: sent ${sent}, computed ${computedCents}`,
    });
  };
  for (const kind of LINE_KINDS) {
    compare(`subtotalsCents.${kind}`, clientTotals.subtotalsCents?.[kind], computed.subtotalsCents[kind]);
  }
  compare('totalExclVatCents', clientTotals.totalExclVatCents, computed.totalExclVatCents);
  compare('vatCents', clientTotals.vatCents, computed.vatCents);
  compare('totalInclVatCents', clientTotals.totalInclVatCents, computed.totalInclVatCents);
  return mismatches;
}

function readVatRate(vatRate: number | undefined, errors: FieldError[]): VatRate | null {
  if (vatRate === undefined) return DEFAULT_VAT_RATE;
  const accepted = VAT_RATES.find((rate) => rate === vatRate);
  if (accepted === undefined) {
    errors.push({ path: 'vatRate', message: `must be one of ${VAT_RATES.join(', ')} (percent); got ${String(vatRate)}` });
    return null;
  }
  return accepted;
}

function readLine(line: CalculationLine, path: string, errors: FieldError[]): ExactLine | null {
  const before = errors.length;

  if (typeof line !== 'object' || line === null) {
    errors.push({ path, message: 'must be an object' });
    return null;
  }
  if (!LINE_KINDS.includes(line.kind)) {
    errors.push({ path: `${path}.kind`, message: `must be one of ${LINE_KINDS.join(', ')}` });
    return null;
  }
  if (typeof line.description !== 'string' || line.description.trim() === '') {
    errors.push({ path: `${path}.description`, message: 'is required' });
  }

  const discountBasisPoints = readDiscount(line.discountPercent, `${path}.discountPercent`, errors);

  let units: number | null;
  let unitScale: number;
  let price: number | null;
  if (line.kind === 'labour') {
    // A labour line priced like a part would be silently ignored or double counted: refuse it.
    rejectPresent(line.quantity, `${path}.quantity`, 'a labour line has hours, not a quantity', errors);
    rejectPresent(line.unitPriceCents, `${path}.unitPriceCents`, 'a labour line has an hourly rate, not a unit price', errors);
    unitScale = 10 ** HOURS_DECIMALS;
    units = readPositiveDecimal(line.hours, HOURS_DECIMALS, `${path}.hours`, errors);
    price = readCents(line.hourlyRateCents, `${path}.hourlyRateCents`, errors);
  } else {
    rejectPresent(line.hours, `${path}.hours`, `a ${line.kind} line has a quantity, not hours`, errors);
    rejectPresent(line.hourlyRateCents, `${path}.hourlyRateCents`, `a ${line.kind} line has a unit price, not an hourly rate`, errors);
    unitScale = 10 ** QUANTITY_DECIMALS;
    units = readPositiveDecimal(line.quantity, QUANTITY_DECIMALS, `${path}.quantity`, errors);
    price = readCents(line.unitPriceCents, `${path}.unitPriceCents`, errors);
  }

  if (errors.length > before || units === null || price === null || discountBasisPoints === null) return null;
  return {
    kind: line.kind,
    units: BigInt(units),
    unitScale: BigInt(unitScale),
    priceCents: BigInt(price),
    discountBasisPoints: BigInt(discountBasisPoints),
  };
}

function rejectPresent(value: unknown, path: string, message: string, errors: FieldError[]): void {
  if (value !== undefined && value !== null) errors.push({ path, message });
}

function readPositiveDecimal(value: number | undefined, decimals: number, path: string, errors: FieldError[]): number | null {
  if (value === undefined || value === null) {
    errors.push({ path, message: 'is required' });
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    errors.push({ path, message: `must be a number greater than 0; got ${String(value)}` });
    return null;
  }
  const scaled = toScaledInteger(value, decimals);
  if (scaled === null) {
    errors.push({ path, message: `must have at most ${decimals} decimals; got ${value}` });
    return null;
  }
  return scaled;
}

function readCents(value: number | undefined, path: string, errors: FieldError[]): number | null {
  if (value === undefined || value === null) {
    errors.push({ path, message: 'is required' });
    return null;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    errors.push({ path, message: `must be a whole number of cents, 0 or more; got ${String(value)}` });
    return null;
  }
  return value;
}

function readDiscount(value: number | undefined, path: string, errors: FieldError[]): number | null {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    errors.push({ path, message: `must be between 0 and 100; got ${String(value)}` });
    return null;
  }
  const basisPoints = toScaledInteger(value, DISCOUNT_DECIMALS);
  if (basisPoints === null) {
    errors.push({ path, message: `must have at most ${DISCOUNT_DECIMALS} decimals; got ${value}` });
    return null;
  }
  return basisPoints;
}
