/**
 * How a direct-payment invoice is split between the insurer and the vehicle's owner (seed §5):
 * "the insurer pays up to the ceiling, less the deductible and less the VAT the owner can recover
 * (fully VAT-registered: all of it; partly registered: a percentage; private person: none); the
 * owner pays the rest to the garage."
 *
 * The second loop adds the approved total (product page: "the direct-payment split never lets the
 * insurer's share exceed it"): the validated quote plus the approved supplements, incl. VAT.
 *
 * Order of the deductions, chosen so that each one has a single meaning:
 *   0. what the invoice charges above the approved total comes off first (`aboveApprovedCents`):
 *      the expert never approved it, so nothing of it is the insurer's, its VAT included;
 *   1. recoverable VAT of the approved part comes off next: it was never the insurer's to pay, so
 *      it must not use up the ceiling;
 *   2. the ceiling caps what remains (`aboveCeilingCents` is the excess);
 *   3. the deductible comes off the capped amount, as a deductible does in a policy: it is the
 *      owner's own contribution to the insured loss, not to the uninsured excess.
 *   approvedPart = min(amount, approvedTotal)          (the whole amount when no approved total is known)
 *   insurerShare = max(0, min(approvedPart − recoverableVat(approvedPart), ceiling) − deductible)
 *   ownerShare   = amount − insurerShare
 *                = aboveApproved + recoverableVat + aboveCeiling + deductibleApplied
 * So the insurer's share never exceeds the ceiling, nor the approved total less the VAT the owner
 * recovers on it.
 */
import { divideRoundHalfAwayFromZero, toScaledInteger } from './money.ts';

export type OwnerVatRegime = 'none' | 'full' | 'partial';
export const INVOICE_VAT_RATES = [21, 6] as const;
export type InvoiceVatRate = (typeof INVOICE_VAT_RATES)[number];

export interface OwnerVatPosition {
  vatRegime: OwnerVatRegime;
  /** Required for `partial`: 0 to 100, up to 2 decimals. Ignored otherwise, the regime says it all. */
  vatDeductiblePercent?: number;
}

export interface PaymentSplitInput {
  /** The invoice amount including VAT. */
  amountCents: number;
  /** The VAT rate of the invoice, percent. */
  vatRatePercent: number;
  ceilingCents: number;
  deductibleCents: number;
  owner: OwnerVatPosition;
  /** The approved total incl. VAT (validated quote plus approved supplements); null or absent: no such cap. */
  approvedTotalCents?: number | null | undefined;
}

export interface PaymentSplit {
  insurerShareCents: number;
  ownerShareCents: number;
  /** The part of the invoice above the approved total, paid by the owner (0 when there is no approved total). */
  aboveApprovedCents: number;
  /** The part of the VAT of the invoice's approved part that the owner recovers, hence pays. */
  recoverableVatCents: number;
  /** What the ceiling left to the owner, after recoverable VAT. */
  aboveCeilingCents: number;
  /** The part of the deductible that actually reduced the insurer's share (never more than what was covered). */
  deductibleAppliedCents: number;
  rounding: string;
}

export const PAYMENT_SPLIT_ROUNDING =
  'The approved part of the invoice = min(amount, approved total). VAT in it = approved part − round(approved part × 100 / (100 + rate)); recoverable VAT for a partly ' +
  'registered owner = round(VAT in it × percent / 100); both rounded to the cent half away ' +
  'from zero. Every other step is an exact subtraction or min/max on cents, so insurer share + owner ' +
  'share = amount exactly.';

/** Thrown for input the HTTP schema should already have refused; `field` names the culprit. */
export class PaymentSplitInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'PaymentSplitInputError';
  }
}

const BASIS_POINTS = 10_000n;

export function splitPayment(input: PaymentSplitInput): PaymentSplit {
  const { amountCents, ceilingCents, deductibleCents, owner } = input;
  requireCents(amountCents, 'amountCents');
  requireCents(ceilingCents, 'ceilingCents');
  requireCents(deductibleCents, 'deductibleCents');
  const rate = INVOICE_VAT_RATES.find((accepted) => accepted === input.vatRatePercent);
  if (rate === undefined) {
    throw new PaymentSplitInputError('vatRatePercent', `must be one of ${INVOICE_VAT_RATES.join(', ')}; got ${input.vatRatePercent}`);
  }

  const approvedTotalCents = input.approvedTotalCents ?? null;
  if (approvedTotalCents !== null) requireCents(approvedTotalCents, 'approvedTotalCents');

  const amount = BigInt(amountCents);
  const approvedPart = approvedTotalCents === null || amount <= BigInt(approvedTotalCents) ? amount : BigInt(approvedTotalCents);
  const netOfVat = divideRoundHalfAwayFromZero(approvedPart * 100n, BigInt(100 + rate));
  const vatInInvoice = approvedPart - netOfVat;
  const recoverableVat = recoverableShareOf(vatInInvoice, owner);

  const eligible = approvedPart - recoverableVat;
  const ceiling = BigInt(ceilingCents);
  const covered = eligible < ceiling ? eligible : ceiling;
  const deductible = BigInt(deductibleCents);
  const deductibleApplied = deductible < covered ? deductible : covered;
  const insurerShare = covered - deductibleApplied;

  return {
    insurerShareCents: Number(insurerShare),
    ownerShareCents: Number(amount - insurerShare),
    aboveApprovedCents: Number(amount - approvedPart),
    recoverableVatCents: Number(recoverableVat),
    aboveCeilingCents: Number(eligible - covered),
    deductibleAppliedCents: Number(deductibleApplied),
    rounding: PAYMENT_SPLIT_ROUNDING,
  };
}

/** Flag for the insurer: the garage invoices more than the expert validated. */
export function invoiceAboveQuote(amountCents: number, validatedQuoteTotalInclVatCents: number): boolean {
  return amountCents > validatedQuoteTotalInclVatCents;
}

function recoverableShareOf(vatInInvoice: bigint, owner: OwnerVatPosition): bigint {
  switch (owner.vatRegime) {
    case 'none':
      return 0n;
    case 'full':
      return vatInInvoice;
    case 'partial': {
      const percent = owner.vatDeductiblePercent;
      const basisPoints = percent === undefined || percent < 0 || percent > 100 ? null : toScaledInteger(percent, 2);
      if (basisPoints === null) {
        throw new PaymentSplitInputError(
          'owner.vatDeductiblePercent',
          `is required for a partly VAT-registered owner: 0 to 100, at most 2 decimals; got ${String(percent)}`,
        );
      }
      return divideRoundHalfAwayFromZero(vatInInvoice * BigInt(basisPoints), BASIS_POINTS);
    }
    default: {
      const unknown: never = owner.vatRegime;
      throw new PaymentSplitInputError('owner.vatRegime', `must be none, full or partial; got ${String(unknown)}`);
    }
  }
}

function requireCents(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PaymentSplitInputError(field, `must be a whole number of cents, 0 or more; got ${value}`);
  }
}
