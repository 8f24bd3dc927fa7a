/**
 * What the garage changed between two transmissions of the same quote, so that the expert who
 * asked for information sees the answer at a glance: calculation lines added, removed or changed,
 * totals before and after, photos added or removed, Smart answers and vehicle status changed.
 * Pure and deterministic: the same two snapshots always give the same changes, in their order.
 */
import type { CaseQuote } from './review-file.ts';

type Calculation = NonNullable<CaseQuote['calculation']>;
export type CalculationLine = Calculation['lines'][number];
type Photo = CaseQuote['photos'][number];
type SmartFrame = NonNullable<CaseQuote['smartFrame']>;

/** A transmission as the changes compare it. */
export type TransmissionSnapshot = Pick<CaseQuote, 'calculation' | 'smartFrame' | 'vehicleStatus' | 'photos'>;

export interface Totals {
  readonly totalExclVatCents: number;
  readonly vatCents: number;
  readonly totalInclVatCents: number;
}

export interface TransmissionChanges {
  readonly calculation: {
    readonly linesAdded: CalculationLine[];
    readonly linesRemoved: CalculationLine[];
    readonly linesChanged: { readonly before: CalculationLine; readonly after: CalculationLine }[];
    readonly totalsBefore: Totals | null;
    readonly totalsAfter: Totals | null;
  };
  readonly photosAdded: Photo[];
  readonly photosRemoved: string[];
  readonly smartAnswersChanged: { readonly question: keyof SmartFrame; readonly before: boolean | null; readonly after: boolean | null }[];
  readonly vehicleStatusChanged: { readonly before: CaseQuote['vehicleStatus']; readonly after: CaseQuote['vehicleStatus'] } | null;
}

const SMART_QUESTIONS: readonly (keyof SmartFrame)[] = [
  'probableTotalLoss',
  'multipleDamageZones',
  'expertAdviceNeeded',
  'technicalInspectionNeeded',
  'onSiteExpertNeeded',
];

/** A line's figures, in a fixed field order, so that two equal lines compare equal however their JSON was ordered. */
function figures(line: CalculationLine): string {
  return JSON.stringify([line.kind, line.description, line.quantity, line.unitPriceCents, line.hours, line.hourlyRateCents, line.discountPercent, line.totalCents]);
}

/** Calculation lines carry no id: they match by their figures, then by kind and description. */
function lineChanges(
  before: readonly CalculationLine[],
  after: readonly CalculationLine[],
): Omit<TransmissionChanges['calculation'], 'totalsBefore' | 'totalsAfter'> {
  const removed = [...before];
  const added: CalculationLine[] = [];
  // Lines left untouched cancel out, one for one (a calculation may hold the same line twice).
  for (const line of after) {
    const i = removed.findIndex((old) => figures(old) === figures(line));
    if (i >= 0) removed.splice(i, 1);
    else added.push(line);
  }
  // What is left of the same kind and description changed its figures.
  const changed: { before: CalculationLine; after: CalculationLine }[] = [];
  const stillAdded: CalculationLine[] = [];
  for (const line of added) {
    const i = removed.findIndex((old) => old.kind === line.kind && old.description === line.description);
    if (i >= 0) changed.push({ before: removed.splice(i, 1)[0]!, after: line });
    else stillAdded.push(line);
  }
  return { linesAdded: stillAdded, linesRemoved: removed, linesChanged: changed };
}

function totalsOf(calculation: CaseQuote['calculation']): Totals | null {
  if (!calculation) return null;
  return { totalExclVatCents: calculation.totalExclVatCents, vatCents: calculation.vatCents, totalInclVatCents: calculation.totalInclVatCents };
}

export function changesBetween(previous: TransmissionSnapshot, latest: TransmissionSnapshot): TransmissionChanges {
  const previousPhotos = new Set(previous.photos.map((p) => p.id));
  const latestPhotos = new Set(latest.photos.map((p) => p.id));
  return {
    calculation: {
      ...lineChanges(previous.calculation?.lines ?? [], latest.calculation?.lines ?? []),
      totalsBefore: totalsOf(previous.calculation),
      totalsAfter: totalsOf(latest.calculation),
    },
    photosAdded: latest.photos.filter((p) => !previousPhotos.has(p.id)),
    photosRemoved: previous.photos.filter((p) => !latestPhotos.has(p.id)).map((p) => p.id),
    smartAnswersChanged: SMART_QUESTIONS.flatMap((question) => {
      const before = previous.smartFrame?.[question] ?? null;
      const after = latest.smartFrame?.[question] ?? null;
      return before === after ? [] : [{ question, before, after }];
    }),
    vehicleStatusChanged: previous.vehicleStatus === latest.vehicleStatus ? null : { before: previous.vehicleStatus, after: latest.vehicleStatus },
  };
}
