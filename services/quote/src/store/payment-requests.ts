// Direct-payment requests (table `payment_requests`): one per quote.
import type { Tx, Pool } from '@smart-expertise/service-runtime';
import type { PaymentRequestView } from '@smart-expertise/contracts/http/quote';

type Db = Tx | Pool;

export async function findPaymentRequest(db: Db, quoteId: string): Promise<PaymentRequestView | null> {
  const { rows } = await db.query<{ answer: PaymentRequestView }>('SELECT answer FROM payment_requests WHERE quote_id = $1', [quoteId]);
  return rows[0]?.answer ?? null;
}

export async function insertPaymentRequest(tx: Tx, answer: PaymentRequestView): Promise<void> {
  await tx.query(
    `INSERT INTO payment_requests (quote_id, mission_id, invoice_number, invoice_date, amount_cents, replacement_vehicle, answer, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [answer.quoteId, answer.missionId, answer.invoiceNumber, answer.invoiceDate, answer.amountCents, answer.replacementVehicle, JSON.stringify(answer), answer.requestedAt],
  );
}
