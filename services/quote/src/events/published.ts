// What other services hear of the decider's events, appended to the outbox in the transaction that
// stores them. A draft and its edits are the garage's own business: nobody else knows drafts, so
// only a close, a payment request and the voiding of a transmitted quote are published.
import { forExpert, type EventPayload } from '@smart-expertise/contracts';
import type { Outbox, Tx } from '@smart-expertise/service-runtime';
import type { PaymentRequest, QuoteEvent } from '../domain/quote.ts';
import type { KnownMission } from '../store/missions.ts';
import { listPhotos, type PhotoRecord } from '../store/photos.ts';
import type { QuoteRecord } from '../store/quotes.ts';

export interface Publication {
  events: readonly QuoteEvent[];
  /** The quote as stored after the events. */
  quote: QuoteRecord;
  mission: KnownMission;
  correlationId: string;
  /** The event that caused these, when a consumer decided them. */
  causationId?: string | null;
  /** The quote's photos, when the caller has read them already. */
  photos?: PhotoRecord[];
}

export async function publishQuoteEvents(tx: Tx, outbox: Outbox, { events, quote, mission, correlationId, causationId = null, photos }: Publication): Promise<void> {
  for (const event of events) {
    const common = { missionId: quote.missionId, correlationId, causationId, occurredAt: event.at };
    switch (event.type) {
      case 'quote_closed':
        await outbox.append(tx, { ...common, type: 'quote.submitted', payload: quoteSubmittedPayload(quote, mission, photos ?? (await listPhotos(tx, quote.id)), event.at) });
        break;
      case 'payment_requested':
        await outbox.append(tx, { ...common, type: 'payment.requested', payload: paymentRequestedPayload(event.request, quote.garageId) });
        break;
      case 'quote_voided':
        // expert-review withdraws the case it opened from quote.submitted; a draft never reached it.
        if (event.previousStatus === 'closed') {
          await outbox.append(tx, {
            ...common,
            type: 'quote.voided',
            payload: { quoteId: quote.id, garageId: quote.garageId, expertOfficeId: mission.expertOfficeId, missionStatus: event.missionStatus, voidedAt: event.at.toISOString() },
          });
        }
        break;
      case 'quote_reinstated':
        // expert-review puts the case it withdrew back in the state the mission says.
        await outbox.append(tx, {
          ...common,
          type: 'quote.reinstated',
          payload: { quoteId: quote.id, garageId: quote.garageId, expertOfficeId: mission.expertOfficeId, missionStatus: event.missionStatus, reinstatedAt: event.at.toISOString() },
        });
        break;
      case 'quote_created':
      case 'calculation_set':
      case 'photos_added':
      case 'smart_frame_set':
      case 'vehicle_status_set':
      case 'quote_discarded':
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown quote event ${JSON.stringify(unknown)}`);
      }
    }
  }
}

/**
 * The closed quote for the expert office and mission-intake. The expert office reads this topic,
 * so the mission travels as `reviewFile` without the owner's phone and e-mail (`forExpert`), and
 * the former `administrative` field (the full snapshot) is no longer sent.
 */
export function quoteSubmittedPayload(quote: QuoteRecord, mission: KnownMission, photos: PhotoRecord[], closedAt: Date): EventPayload<'quote.submitted'> {
  const totals = quote.calculationTotals;
  return {
    quoteId: quote.id,
    garageId: quote.garageId,
    expertOfficeId: mission.expertOfficeId,
    procedure: quote.procedure,
    closedAt: closedAt.toISOString(),
    calculation:
      quote.calculation && totals
        ? {
            calculationNumber: quote.calculation.calculationNumber,
            vatRate: totals.vatRate,
            lines: quote.calculation.lines.map((line, index) => ({ ...line, totalCents: totals.lines[index]!.totalCents })),
            totalExclVatCents: totals.totalExclVatCents,
            vatCents: totals.vatCents,
            totalInclVatCents: totals.totalInclVatCents,
          }
        : null,
    smartFrame: quote.smartFrame,
    vehicleStatus: quote.vehicleStatus,
    vehicleStatusNote: quote.vehicleStatusNote,
    photos: photos.map((p) => ({ id: p.id, sha256: p.sha256, contentType: p.contentType, sizeBytes: p.sizeBytes, seenOnOtherMission: p.seenOnOtherMission })),
    // A mission received before the copy kept the insurer's policy has no review file to give.
    ...(mission.policy ? { reviewFile: { mission: forExpert(mission.snapshot), deadline: mission.deadline.toISOString(), policy: mission.policy } } : {}),
  };
}

export function paymentRequestedPayload(request: PaymentRequest, garageId: string): EventPayload<'payment.requested'> {
  return {
    quoteId: request.quoteId,
    garageId,
    invoiceNumber: request.invoiceNumber,
    invoiceDate: request.invoiceDate,
    amountCents: request.amountCents,
    replacementVehicle: request.replacementVehicle,
    insurerShareCents: request.insurerShareCents,
    ownerShareCents: request.ownerShareCents,
    recoverableVatCents: request.recoverableVatCents,
    deductibleAppliedCents: request.deductibleAppliedCents,
    aboveCeilingCents: request.aboveCeilingCents,
    aboveValidatedQuote: request.aboveValidatedQuote,
    requestedAt: request.requestedAt,
  };
}
