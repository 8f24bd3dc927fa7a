// Payloads of the events this service publishes (through the outbox, in the transaction of the
// change they announce).
import type { EventPayload } from '@smart-expertise/contracts';
import type { QuoteRecord } from '../store/quotes.ts';
import type { PhotoRecord } from '../store/photos.ts';

export function quoteSubmittedPayload(quote: QuoteRecord, photos: PhotoRecord[], closedAt: Date): EventPayload<'quote.submitted'> {
  const totals = quote.calculationTotals;
  return {
    quoteId: quote.id,
    garageId: quote.garageId,
    expertOfficeId: quote.administrative.expertOfficeId,
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
    administrative: quote.administrative,
  };
}
