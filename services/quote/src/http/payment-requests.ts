// /v1/quotes/:id/payment-request: direct payment after repairs on a validated expertise.
import Type from 'typebox';
import type { Problem } from '@smart-expertise/contracts';
import { PaymentRequestBody, PaymentRequestView, QuoteParams } from '@smart-expertise/contracts/http/quote';
import { withTransaction, type App, type ServiceContext } from '@smart-expertise/service-runtime';
import type { QuoteServiceConfig } from '../config.ts';
import { DEFAULT_VAT_RATE } from '../domain/calculation.ts';
import { paymentRequestRefusals, sameInvoice } from '../domain/payment-request.ts';
import { invoiceAboveQuote, PaymentSplitInputError, splitPayment } from '../domain/payment-split.ts';
import { findPaymentRequest, insertPaymentRequest } from '../store/payment-requests.ts';
import { missionView, quoteForCaller } from './access.ts';
import { pointer, problems } from './problems.ts';

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
          'Only once the expert has validated (409 mission_not_validated) and only when the mission plans direct payment (409 direct_payment_not_planned); ' +
          'the invoice date may not be after today in Brussels (422). Idempotent: the first request answers 201, a repeat with the same body 200 with the same answer, ' +
          'a different body 409 payment_already_requested. The answer splits the amount between insurer and owner; the VAT rate of the invoice is the calculation’s (21 % for a total-loss file). ' +
          'An invoice above the validated quote total is accepted and flagged aboveValidatedQuote.',
        params: QuoteParams,
        body: PaymentRequestBody,
        response: { 200: PaymentRequestView, 201: PaymentRequestView, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const invoice = request.body;
      const { status, answer } = await withTransaction(ctx.pool, async (tx) => {
        const { quote, mission } = await quoteForCaller(tx, request.principal, request.params.id, { lock: true, garageOnly: true });
        const existing = await findPaymentRequest(tx, quote.id);
        if (existing) {
          if (sameInvoice(existing, invoice)) return { status: 200 as const, answer: existing };
          throw problems.paymentAlreadyRequested(`direct payment was already requested for invoice ${existing.invoiceNumber}; a request is made once`, {
            paymentRequest: existing,
          });
        }
        const now = ctx.clock();
        const view = missionView(mission, quote.closedAt);
        const refusals = paymentRequestRefusals(view, invoice, now);
        const first = refusals[0];
        if (first?.code === 'mission_not_validated') throw problems.missionNotValidated(first.message);
        if (first?.code === 'direct_payment_not_planned') throw problems.directPaymentNotPlanned(first.message);
        if (first?.code === 'invoice_date_in_future') throw problems.invoiceDateInFuture(first.message, { errors: [{ path: '/invoiceDate', message: first.message }] });
        const terms = mission.directPayment!;
        const vatRatePercent = quote.calculationTotals?.vatRate ?? DEFAULT_VAT_RATE;
        let split;
        try {
          split = splitPayment({ amountCents: invoice.amountCents, vatRatePercent, ceilingCents: terms.ceilingCents, deductibleCents: terms.deductibleCents, owner: mission.owner });
        } catch (error) {
          if (error instanceof PaymentSplitInputError) throw problems.paymentSplitImpossible(error.message, { errors: [{ path: pointer(error.field), message: error.message }] });
          throw error;
        }
        const validatedTotal = quote.calculationTotals?.totalInclVatCents ?? null;
        const answer: PaymentRequestView = {
          quoteId: quote.id,
          missionId: quote.missionId,
          invoiceNumber: invoice.invoiceNumber,
          invoiceDate: invoice.invoiceDate,
          amountCents: invoice.amountCents,
          replacementVehicle: invoice.replacementVehicle,
          vatRatePercent,
          ceilingCents: terms.ceilingCents,
          deductibleCents: terms.deductibleCents,
          ownerVatRegime: mission.owner.vatRegime,
          insurerShareCents: split.insurerShareCents,
          ownerShareCents: split.ownerShareCents,
          recoverableVatCents: split.recoverableVatCents,
          deductibleAppliedCents: split.deductibleAppliedCents,
          aboveCeilingCents: split.aboveCeilingCents,
          // A total-loss file has no calculated total to compare with: never flagged.
          aboveValidatedQuote: validatedTotal !== null && invoiceAboveQuote(invoice.amountCents, validatedTotal),
          validatedQuoteTotalInclVatCents: validatedTotal,
          roundingRule: split.rounding,
          requestedAt: now.toISOString(),
        };
        await insertPaymentRequest(tx, answer);
        await ctx.outbox.append(tx, {
          type: 'payment.requested',
          missionId: quote.missionId,
          payload: {
            quoteId: answer.quoteId,
            garageId: quote.garageId,
            invoiceNumber: answer.invoiceNumber,
            invoiceDate: answer.invoiceDate,
            amountCents: answer.amountCents,
            replacementVehicle: answer.replacementVehicle,
            insurerShareCents: answer.insurerShareCents,
            ownerShareCents: answer.ownerShareCents,
            recoverableVatCents: answer.recoverableVatCents,
            deductibleAppliedCents: answer.deductibleAppliedCents,
            aboveCeilingCents: answer.aboveCeilingCents,
            aboveValidatedQuote: answer.aboveValidatedQuote,
            requestedAt: answer.requestedAt,
          },
          correlationId: request.id,
          occurredAt: now,
        });
        return { status: 201 as const, answer };
      });
      return reply.code(status).send(answer);
    },
  );
}
