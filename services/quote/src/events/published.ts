// What other services hear of the deciders' events, appended to the outbox in the transaction that
// stores them. A draft and its edits are the garage's own business: nobody else knows drafts, so
// only a close (each transmission), a payment request, the voiding or reinstating of a transmitted
// quote and a supplement's submission are published. A quote returned for information is
// mission-intake's verdict already: nothing more is said of it here.
import { forExpert, type EventPayload } from '@smart-expertise/contracts';
import type { Outbox, Tx } from '@smart-expertise/service-runtime';
import type { PaymentRequest, QuoteEvent } from '../domain/quote.ts';
import type { SupplementEvent } from '../domain/supplement.ts';
import type { KnownMission } from '../store/missions.ts';
import { listPhotos, type PhotoRecord } from '../store/photos.ts';
import type { QuoteRecord } from '../store/quotes.ts';
import { listSupplementPhotos, type SupplementRecord } from '../store/supplements.ts';

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
        await outbox.append(tx, {
          ...common,
          type: 'quote.submitted',
          payload: quoteSubmittedPayload(quote, mission, photos ?? (await listPhotos(tx, quote.id)), event.at, event.transmission),
        });
        break;
      case 'payment_requested':
        await outbox.append(tx, { ...common, type: 'payment.requested', payload: paymentRequestedPayload(event.request, quote.garageId) });
        break;
      case 'quote_voided':
        // expert-review withdraws the case it opened from quote.submitted; a draft never reached it.
        if (event.previousStatus !== 'draft') {
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
      case 'quote_returned':
      case 'quote_return_ended':
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
export function quoteSubmittedPayload(
  quote: QuoteRecord,
  mission: KnownMission,
  photos: PhotoRecord[],
  closedAt: Date,
  transmission: number,
): EventPayload<'quote.submitted'> {
  const totals = quote.calculationTotals;
  return {
    quoteId: quote.id,
    garageId: quote.garageId,
    expertOfficeId: mission.expertOfficeId,
    procedure: quote.procedure,
    closedAt: closedAt.toISOString(),
    // 1 for the first close, +1 each time the garage answers a request for information.
    transmission,
    calculation: quote.calculation && totals ? submittedCalculation(quote.calculation, totals) : null,
    smartFrame: quote.smartFrame,
    vehicleStatus: quote.vehicleStatus,
    vehicleStatusNote: quote.vehicleStatusNote,
    photos: photos.map((p) => ({ id: p.id, sha256: p.sha256, contentType: p.contentType, sizeBytes: p.sizeBytes, seenOnOtherMission: p.seenOnOtherMission })),
    // A mission received before the copy kept the insurer's policy has no review file to give.
    // The deadline is the one that held when the quote was transmitted (the answer's due date for a re-transmission).
    ...(mission.policy ? { reviewFile: { mission: forExpert(mission.snapshot), deadline: mission.deadline.toISOString(), policy: mission.policy } } : {}),
  };
}

function submittedCalculation(
  calculation: NonNullable<QuoteRecord['calculation']>,
  totals: NonNullable<QuoteRecord['calculationTotals']>,
): NonNullable<EventPayload<'quote.submitted'>['calculation']> {
  return {
    calculationNumber: calculation.calculationNumber,
    vatRate: totals.vatRate,
    lines: calculation.lines.map((line, index) => ({ ...line, totalCents: totals.lines[index]!.totalCents })),
    totalExclVatCents: totals.totalExclVatCents,
    vatCents: totals.vatCents,
    totalInclVatCents: totals.totalInclVatCents,
  };
}

export interface SupplementPublication {
  events: readonly SupplementEvent[];
  /** The supplement as stored after the events. */
  supplement: SupplementRecord;
  quote: QuoteRecord;
  mission: KnownMission;
  correlationId: string;
  causationId?: string | null;
}

/** The expert office hears of a supplement once it is submitted; its draft and its decision are said elsewhere. */
export async function publishSupplementEvents(tx: Tx, outbox: Outbox, { events, supplement, quote, mission, correlationId, causationId = null }: SupplementPublication): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case 'supplement_submitted': {
        const photos = await listSupplementPhotos(tx, { supplementId: supplement.id });
        await outbox.append(tx, {
          missionId: quote.missionId,
          correlationId,
          causationId,
          occurredAt: event.at,
          type: 'supplement.submitted',
          payload: {
            quoteId: quote.id,
            supplementId: supplement.id,
            garageId: quote.garageId,
            expertOfficeId: mission.expertOfficeId,
            number: supplement.number,
            reason: supplement.reason,
            calculation: submittedCalculation(supplement.calculation, supplement.calculationTotals),
            photos: photos.map((p) => ({ id: p.id, sha256: p.sha256, contentType: p.contentType, sizeBytes: p.sizeBytes, seenOnOtherMission: p.seenOnOtherMission })),
            submittedAt: event.at.toISOString(),
          },
        });
        break;
      }
      case 'supplement_created':
      case 'supplement_photos_added':
      case 'supplement_decided':
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown supplement event ${JSON.stringify(unknown)}`);
      }
    }
  }
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
    ...(request.approvedTotalCents === null ? {} : { approvedTotalCents: request.approvedTotalCents }),
    aboveApprovedCents: request.aboveApprovedCents,
    requestedAt: request.requestedAt,
  };
}
