// Records → response bodies (schemas in @smart-expertise/contracts/http/quote).
import { forExpert } from '@smart-expertise/contracts';
import type { Pool, Principal, Tx } from '@smart-expertise/service-runtime';
import type { CalculationView, PhotoView, QuoteView, SupplementView } from '@smart-expertise/contracts/http/quote';
import { ROUNDING_RULE } from '../domain/calculation.ts';
import { minPhotosFor } from '../domain/quote.ts';
import type { KnownMission } from '../store/missions.ts';
import { listPhotos, type PhotoRecord } from '../store/photos.ts';
import type { QuoteRecord } from '../store/quotes.ts';
import type { SupplementRecord } from '../store/supplements.ts';

export function photoView(photo: PhotoRecord): PhotoView {
  return {
    id: photo.id,
    sha256: photo.sha256,
    contentType: photo.contentType,
    sizeBytes: photo.sizeBytes,
    fileName: photo.fileName,
    seenOnOtherMission: photo.seenOnOtherMission,
    uploadedAt: photo.uploadedAt.toISOString(),
    href: `/v1/quotes/${photo.quoteId}/photos/${photo.id}`,
  };
}

export function calculationView(quote: Pick<QuoteRecord, 'calculation' | 'calculationTotals'>): CalculationView | null {
  const { calculation, calculationTotals: totals } = quote;
  if (!calculation || !totals) return null;
  return {
    calculationNumber: calculation.calculationNumber,
    vatRate: totals.vatRate,
    lines: calculation.lines.map((line, index) => {
      const t = totals.lines[index]!;
      return { ...line, grossCents: t.grossCents, discountCents: t.discountCents, totalCents: t.totalCents };
    }),
    subtotalsCents: totals.subtotalsCents,
    totalExclVatCents: totals.totalExclVatCents,
    vatCents: totals.vatCents,
    totalInclVatCents: totals.totalInclVatCents,
    roundingRule: ROUNDING_RULE,
  };
}

/** The quote as `principal` may read it: the expert office never sees the owner's phone or e-mail. */
export async function quoteView(db: Pool | Tx, quote: QuoteRecord, mission: KnownMission, principal: Principal, known?: PhotoRecord[]): Promise<QuoteView> {
  const photos = known ?? (await listPhotos(db, quote.id));
  return {
    id: quote.id,
    missionId: quote.missionId,
    procedure: quote.procedure,
    status: quote.status,
    missionStatus: mission.status,
    missionOutcome: mission.outcome,
    deadline: mission.deadline.toISOString(),
    administrative: principal.role === 'expert' ? forExpert(quote.administrative) : quote.administrative,
    // A discarded quote says why the garage dropped it; a voided one, what the mission became.
    discardReason: quote.status === 'discarded' ? quote.discardReason : quote.status === 'voided' ? quote.voidedBy : null,
    voidedAt: quote.voidedAt ? quote.voidedAt.toISOString() : null,
    minPhotos: minPhotosFor(quote.procedure, mission),
    calculation: calculationView(quote),
    smartFrame: quote.smartFrame,
    vehicleStatus: quote.vehicleStatus,
    vehicleStatusNote: quote.vehicleStatusNote,
    photos: photos.map(photoView),
    paymentRequest: quote.paymentRequest,
    createdAt: quote.createdAt.toISOString(),
    updatedAt: quote.updatedAt.toISOString(),
    closedAt: quote.closedAt ? quote.closedAt.toISOString() : null,
    transmissions: quote.transmissions,
  };
}

/** A supplement with its computed totals, photos and the expert's decision. */
export function supplementView(supplement: SupplementRecord, photos: readonly PhotoRecord[]): SupplementView {
  return {
    id: supplement.id,
    quoteId: supplement.quoteId,
    missionId: supplement.missionId,
    number: supplement.number,
    reason: supplement.reason,
    status: supplement.status,
    calculation: calculationView(supplement)!,
    photos: photos.map(photoView),
    createdAt: supplement.createdAt.toISOString(),
    submittedAt: supplement.submittedAt ? supplement.submittedAt.toISOString() : null,
    decidedAt: supplement.decidedAt ? supplement.decidedAt.toISOString() : null,
    note: supplement.note,
    expert: supplement.expert,
  };
}
