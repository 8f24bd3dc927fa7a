// /v1/quotes/:id/payment-request: direct payment after repairs on a validated expertise.
import Type from 'typebox';
import type { Problem } from '@smart-expertise/contracts';
import { PaymentRequestBody, PaymentRequestView, QuoteParams } from '@smart-expertise/contracts/http/quote';
import { withTransaction, type App, type ServiceContext } from '@smart-expertise/service-runtime';
import type { QuoteServiceConfig } from '../config.ts';
import { decideOnQuote } from './quotes.ts';

const ProblemRef = Type.Unsafe<Problem>({ $ref: 'Problem#' });

export async function paymentRequestRoutes(app: App, ctx: ServiceContext<QuoteServiceConfig>): Promise<void> {
  app.post(
    '/v1/quotes/:id/payment-request',
    {
      config: { roles: ['garage'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 4 * 1024,
      schema: {
        tags: ['payment'],
        summary: 'Request direct payment of the repair invoice',
        description:
          'Only on a closed quote (409 quote_not_closed; a voided quote is never paid: 409 quote_voided) once the expert has validated the repair expertise ' +
          '(409 mission_not_validated; a confirmed total loss is never paid as a repair: 409 total_loss_not_payable), and only when the mission plans direct payment (409 direct_payment_not_planned); ' +
          'the invoice date may not be after today in Brussels (422). Idempotent: the first request answers 201, a repeat with the same body 200 with the same answer, ' +
          'a different body 409 payment_already_requested. The answer splits the amount between insurer and owner; the VAT rate of the invoice is the calculation’s. ' +
          'An invoice above the validated quote total is accepted and flagged aboveValidatedQuote.',
        params: QuoteParams,
        body: PaymentRequestBody,
        response: { 200: PaymentRequestView, 201: PaymentRequestView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const { events, quote } = await withTransaction(ctx.pool, (tx) =>
        decideOnQuote(tx, ctx, request.principal, request.params.id, { type: 'request_payment', invoice: request.body, at: ctx.clock() }, request.id),
      );
      // No event: the same request again, answered as the first time.
      return reply.code(events.length > 0 ? 201 : 200).send(quote.paymentRequest!);
    },
  );
}
