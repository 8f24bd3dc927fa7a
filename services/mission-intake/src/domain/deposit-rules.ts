import { brusselsDayOf, isCalendarDate, resolveDeadline } from './deadline.ts';

/**
 * The deposit's rules beyond its types: what TypeBox cannot say about one field alone or about
 * today. Every broken rule is reported, each naming its field, so the insurer fixes them at once.
 */

export interface FieldError {
  /** JSON pointer of the field, e.g. /claim/lossDate. */
  readonly path: string;
  readonly message: string;
}

export interface DepositFacts {
  readonly claim: { readonly lossDate: string };
  readonly vehicle: { readonly firstRegistrationDate: string };
  readonly owner: { readonly vatRegime: 'none' | 'full' | 'partial'; readonly vatDeductiblePercent?: number };
  readonly directPayment?: { readonly ceilingCents: number; readonly deductibleCents: number };
  readonly deadline?: string;
}

export type DepositCheck =
  | { readonly ok: true; readonly deadline: Date }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export function checkDeposit(body: DepositFacts, context: { readonly now: Date; readonly workingDays: number }): DepositCheck {
  const errors: FieldError[] = [];
  // A date in the future makes no sense for something that already happened; "today" is Brussels' today.
  const today = brusselsDayOf(context.now);
  const pastDate = (path: string, value: string, what: string) => {
    if (!isCalendarDate(value)) errors.push({ path, message: `${value} is not a calendar date` });
    else if (value > today) errors.push({ path, message: `the ${what} ${value} is in the future (today is ${today} in Brussels)` });
  };
  pastDate('/claim/lossDate', body.claim.lossDate, 'loss date');
  pastDate('/vehicle/firstRegistrationDate', body.vehicle.firstRegistrationDate, 'first registration date');

  const { vatRegime, vatDeductiblePercent } = body.owner;
  if (vatRegime === 'partial' && vatDeductiblePercent === undefined) {
    errors.push({ path: '/owner/vatDeductiblePercent', message: 'is required when vatRegime is partial' });
  } else if (vatRegime !== 'partial' && vatDeductiblePercent !== undefined) {
    errors.push({ path: '/owner/vatDeductiblePercent', message: `is only allowed when vatRegime is partial, not ${vatRegime}` });
  }

  const payment = body.directPayment;
  if (payment && payment.deductibleCents > payment.ceilingCents) {
    errors.push({
      path: '/directPayment/deductibleCents',
      message: `the deductible (${payment.deductibleCents}) must not exceed the ceiling (${payment.ceilingCents})`,
    });
  }

  const deadline = resolveDeadline({ requested: body.deadline, depositedAt: context.now, workingDays: context.workingDays });
  if (!deadline.ok) errors.push({ path: '/deadline', message: deadline.reason });

  if (errors.length > 0 || !deadline.ok) return { ok: false, errors };
  return { ok: true, deadline: deadline.deadline };
}
