// Direct-payment requests (table `payment_requests`): one per quote, with the answer given to the
// garage, so a repeat of the same request gets the same answer.
import type { Tx } from '@smart-expertise/service-runtime';
import type { PaymentRequest } from '../domain/quote.ts';

export async function insertPaymentRequest(tx: Tx, answer: PaymentRequest): Promise<void> {
  await tx.query(
    `INSERT INTO payment_requests (quote_id, mission_id, invoice_number, invoice_date, amount_cents, replacement_vehicle, answer, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [answer.quoteId, answer.missionId, answer.invoiceNumber, answer.invoiceDate, answer.amountCents, answer.replacementVehicle, JSON.stringify(answer), answer.requestedAt],
  );
}
