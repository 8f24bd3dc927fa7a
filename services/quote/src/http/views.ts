// Records → response bodies (schemas in @smart-expertise/contracts/http/quote).
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { CalculationView, PhotoView, QuoteView } from '@smart-expertise/contracts/http/quote';
import { ROUNDING_RULE } from '../domain/calculation.ts';
import type { Condition, ConflictCode } from '../domain/closing.ts';
import type { KnownMission } from '../store/missions.ts';
import { listPhotos, type PhotoRecord } from '../store/photos.ts';
import { findPaymentRequest } from '../store/payment-requests.ts';
import type { QuoteRecord } from '../store/quotes.ts';
import { missionView } from './access.ts';
import { problems } from './problems.ts';

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

export function calculationView(quote: QuoteRecord): CalculationView | null {
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

export async function quoteView(db: Pool | Tx, quote: QuoteRecord, mission: KnownMission): Promise<QuoteView> {
  const [photos, paymentRequest] = await Promise.all([listPhotos(db, quote.id), findPaymentRequest(db, quote.id)]);
  return {
    id: quote.id,
    missionId: quote.missionId,
    procedure: quote.procedure,
    status: quote.status,
    missionStatus: missionView(mission, quote.closedAt).status,
    deadline: mission.deadline.toISOString(),
    administrative: quote.administrative,
    minPhotos: quote.procedure === 'total_loss' ? 1 : mission.minPhotos,
    calculation: calculationView(quote),
    smartFrame: quote.smartFrame,
    vehicleStatus: quote.vehicleStatus,
    vehicleStatusNote: quote.vehicleStatusNote,
    photos: photos.map(photoView),
    paymentRequest,
    createdAt: quote.createdAt.toISOString(),
    updatedAt: quote.updatedAt.toISOString(),
    closedAt: quote.closedAt ? quote.closedAt.toISOString() : null,
  };
}

const CONFLICT_PROBLEMS: Record<ConflictCode, keyof typeof problems> = {
  deadline_passed: 'deadlinePassed',
  mission_abandoned: 'missionAbandoned',
  mission_expired: 'missionExpired',
  mission_not_awaiting_quote: 'missionNotAwaitingQuote',
  quote_already_closed: 'quoteAlreadyClosed',
};

/** The first conflict gives the code; all of them are listed in `conflicts`. */
export function conflictProblem(conflicts: Condition<ConflictCode>[]) {
  const first = conflicts[0]!;
  return problems[CONFLICT_PROBLEMS[first.code]](first.message, { conflicts: conflicts.map(({ code, message }) => ({ code, message })) });
}
