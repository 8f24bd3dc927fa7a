/**
 * When the garage may request direct payment (seed §4 and §5): only on a validated expertise
 * ("vous pouvez immédiatement commencer les travaux … et demander le paiement direct éventuel"),
 * only when the insurer planned direct payment on the mission, once, for an invoice already issued.
 */
import type { MissionView } from './closing.ts';

export type PaymentRequestRefusalCode = 'mission_not_validated' | 'direct_payment_not_planned' | 'invoice_date_in_future';

export interface PaymentRequestRefusal {
  code: PaymentRequestRefusalCode;
  message: string;
  field?: string;
}

export interface InvoiceRequest {
  invoiceNumber: string;
  /** YYYY-MM-DD */
  invoiceDate: string;
  amountCents: number;
  replacementVehicle: boolean;
}

/** Conflicts with the mission's state (409) come first; the invoice's own problem (422) after. */
export function paymentRequestRefusals(mission: Pick<MissionView, 'status' | 'directPayment'>, invoice: InvoiceRequest, now: Date): PaymentRequestRefusal[] {
  const refusals: PaymentRequestRefusal[] = [];
  if (mission.status !== 'validated') {
    refusals.push({
      code: 'mission_not_validated',
      message: `direct payment may be requested only once the expert has validated the expertise (mission is ${mission.status})`,
    });
  }
  if (!mission.directPayment?.planned) {
    refusals.push({ code: 'direct_payment_not_planned', message: 'the insurer did not plan direct payment on this mission' });
  }
  if (invoice.invoiceDate > brusselsDate(now)) {
    refusals.push({
      code: 'invoice_date_in_future',
      message: `the invoice date ${invoice.invoiceDate} is after today (${brusselsDate(now)}, Europe/Brussels)`,
      field: 'invoiceDate',
    });
  }
  return refusals;
}

/** A repeated request is the same request when every field the garage sent is the same. */
export function sameInvoice(a: InvoiceRequest, b: InvoiceRequest): boolean {
  return (
    a.invoiceNumber === b.invoiceNumber &&
    a.invoiceDate === b.invoiceDate &&
    a.amountCents === b.amountCents &&
    a.replacementVehicle === b.replacementVehicle
  );
}

const brusselsFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date (YYYY-MM-DD) of an instant in Belgium, where invoices are dated. */
export function brusselsDate(instant: Date): string {
  return brusselsFormat.format(instant);
}
