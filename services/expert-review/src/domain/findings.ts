/**
 * Automatic pre-checks of a submitted quote: what the expert should look at first, and the
 * decision the figures point to. The expert still decides; these are findings, not verdicts.
 */
import type { Decision } from './decision.ts';

export type { Decision } from './decision.ts';

export type Severity = 'info' | 'warning' | 'critical';

export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
}

export type SuggestedDecision = Decision | 'total_loss_handling';

export type CalculationLineKind = 'part' | 'labour' | 'paint' | 'sundry';

export interface CalculationLine {
  readonly kind: CalculationLineKind;
  readonly description: string;
  readonly quantity?: number | undefined;
  readonly unitPriceCents?: number | undefined;
  readonly hours?: number | undefined;
  readonly hourlyRateCents?: number | undefined;
  readonly discountPercent?: number | undefined;
  readonly totalCents: number;
}

export interface SubmittedCalculation {
  readonly lines: readonly CalculationLine[];
  readonly totalExclVatCents: number;
  readonly vatCents: number;
  readonly totalInclVatCents: number;
  /** Percent, 21 by default in Belgium. */
  readonly vatRate: number;
}

export interface SmartFrame {
  readonly probableTotalLoss: boolean;
  readonly multipleDamageZones: boolean;
  readonly expertAdviceNeeded: boolean;
  readonly technicalInspectionNeeded: boolean;
  readonly onSiteExpertNeeded: boolean;
}

export interface SubmittedPhoto {
  readonly id: string;
  readonly sha256: string;
  readonly seenOnOtherMission: boolean;
}

export interface SubmittedQuote {
  readonly procedure: 'standard' | 'total_loss';
  readonly calculation?: SubmittedCalculation | undefined;
  readonly smartFrame?: SmartFrame | undefined;
  readonly vehicleStatus?: string | undefined;
  readonly photos: readonly SubmittedPhoto[];
}

export interface MissionFacts {
  readonly vehicleValueCents?: number | undefined;
}

export interface ReviewThresholds {
  readonly minPhotos: number;
  readonly agreedLabourRateCents: number;
  readonly smartCeilingCents: number;
  readonly totalLossRatioPercent: number;
}

export interface PreCheckInput {
  readonly quote: SubmittedQuote;
  readonly mission: MissionFacts;
  readonly thresholds: ReviewThresholds;
}

export interface PreCheckResult {
  readonly findings: Finding[];
  readonly suggestedDecision: SuggestedDecision;
}

/** Stable codes, with the short label `summarize` uses for each. */
export const FINDING_LABELS = {
  'calculation.missing': 'calculation missing',
  'calculation.inconsistent': 'calculation totals inconsistent',
  'smart_frame.missing': 'Smart frame missing',
  'labour.rate_above_agreed': 'labour rate above agreed',
  'repair.above_smart_ceiling': 'repair above Smart ceiling',
  'repair.probable_total_loss': 'repair cost suggests total loss',
  'photos.too_few': 'too few photos',
  'photo.seen_on_other_mission': 'photo seen on another mission',
  'smart.probable_total_loss': 'garage declares probable total loss',
  'smart.multiple_damage_zones': 'several damage zones',
  'smart.expert_advice_needed': 'expert advice requested',
  'smart.onsite_expert_needed': 'on-site expert requested',
  'smart.technical_inspection_needed': 'technical inspection required',
} as const satisfies Record<string, string>;

export type FindingCode = keyof typeof FINDING_LABELS;

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'warning', 'info'];

export function preCheck(input: PreCheckInput): PreCheckResult {
  const { quote, mission, thresholds } = input;
  const findings: Finding[] = [
    ...checkCalculation(quote),
    ...checkRepairCost(quote, mission, thresholds),
    ...checkPhotos(quote, thresholds),
    ...checkSmartFrame(quote),
  ];
  // Critical first, then warnings, then information; within a severity, rule order.
  findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  return { findings, suggestedDecision: suggestDecision(quote, findings) };
}

function suggestDecision(quote: SubmittedQuote, findings: readonly Finding[]): SuggestedDecision {
  const has = (code: FindingCode): boolean => findings.some((f) => f.code === code);
  if (quote.procedure === 'total_loss' || has('smart.probable_total_loss') || has('repair.probable_total_loss')) {
    return 'total_loss_handling';
  }
  if (has('smart.onsite_expert_needed')) return 'onsite_intervention';
  if (has('smart.multiple_damage_zones') || has('smart.expert_advice_needed') || findings.some((f) => f.severity === 'critical')) {
    return 'remote_intervention';
  }
  if (findings.some((f) => f.severity === 'warning')) return 'pending_validation';
  return 'validate';
}

function checkCalculation(quote: SubmittedQuote): Finding[] {
  const calc = quote.calculation;
  if (calc === undefined) {
    // The total-loss procedure has no Audatex calculation (seed section 5); a standard one must.
    return quote.procedure === 'standard'
      ? [finding('calculation.missing', 'critical', 'The standard-procedure quote was submitted without an Audatex calculation.')]
      : [];
  }
  const findings: Finding[] = [];
  const problems = totalsProblems(calc);
  if (problems.length > 0) {
    findings.push(finding('calculation.inconsistent', 'critical', `The calculation does not add up: ${problems.join('; ')}.`));
  }
  return findings;
}

/** Each mismatch between the stated totals and the totals recomputed from the lines. */
export function totalsProblems(calc: SubmittedCalculation): string[] {
  const amounts = [...calc.lines.map((l) => l.totalCents), calc.totalExclVatCents, calc.vatCents, calc.totalInclVatCents];
  if (!amounts.every(Number.isSafeInteger)) return ['its amounts are not all whole euro cents'];
  const problems: string[] = [];
  const linesSum = calc.lines.reduce((sum, line) => sum + line.totalCents, 0);
  if (linesSum !== calc.totalExclVatCents) {
    problems.push(`the ${calc.lines.length} lines sum to ${euros(linesSum)} but the stated total excl. VAT is ${euros(calc.totalExclVatCents)}`);
  }
  const expectedVat = vatOf(calc.totalExclVatCents, calc.vatRate);
  if (expectedVat !== calc.vatCents) {
    problems.push(`${percent(calc.vatRate)} VAT on ${euros(calc.totalExclVatCents)} is ${euros(expectedVat)} but the stated VAT is ${euros(calc.vatCents)}`);
  }
  const expectedIncl = calc.totalExclVatCents + calc.vatCents;
  if (expectedIncl !== calc.totalInclVatCents) {
    problems.push(`${euros(calc.totalExclVatCents)} plus ${euros(calc.vatCents)} VAT is ${euros(expectedIncl)} but the stated total incl. VAT is ${euros(calc.totalInclVatCents)}`);
  }
  return problems;
}

/** VAT in cents: totalExclVat × rate / 100, rounded half away from zero, computed exactly. */
export function vatOf(totalExclVatCents: number, vatRatePercent: number): number {
  return Number(roundHalfAwayFromZero(BigInt(totalExclVatCents) * scaled(vatRatePercent), 100n * RATE_SCALE));
}

function checkRepairCost(quote: SubmittedQuote, mission: MissionFacts, thresholds: ReviewThresholds): Finding[] {
  const calc = quote.calculation;
  if (calc === undefined) return [];
  const findings: Finding[] = [];

  calc.lines.forEach((line, index) => {
    if (line.kind === 'labour' && line.hourlyRateCents !== undefined && line.hourlyRateCents > thresholds.agreedLabourRateCents) {
      findings.push(
        finding(
          'labour.rate_above_agreed',
          'warning',
          `Labour line ${index + 1} ("${line.description}") is charged at ${euros(line.hourlyRateCents)} per hour, above the agreed rate of ${euros(thresholds.agreedLabourRateCents)} per hour.`,
        ),
      );
    }
  });

  const incl = calc.totalInclVatCents;
  if (incl > thresholds.smartCeilingCents) {
    findings.push(
      finding(
        'repair.above_smart_ceiling',
        'warning',
        `The repair costs ${euros(incl)} incl. VAT, above the Smart ceiling of ${euros(thresholds.smartCeilingCents)}.`,
      ),
    );
  }

  // Only a positive vehicle value is a known value: 0 would make every repair a total loss.
  const value = mission.vehicleValueCents;
  if (value !== undefined && value > 0 && Number.isSafeInteger(value) && Number.isSafeInteger(incl)) {
    // incl ≥ ratio % of value  ⇔  incl × 100 ≥ ratio × value, compared exactly.
    const reached = BigInt(incl) * 100n * RATE_SCALE >= scaled(thresholds.totalLossRatioPercent) * BigInt(value);
    if (reached) {
      findings.push(
        finding(
          'repair.probable_total_loss',
          'critical',
          `The repair costs ${euros(incl)} incl. VAT, ${ratioText(incl, value)} of the vehicle's value of ${euros(value)}, reaching the total-loss threshold of ${percent(thresholds.totalLossRatioPercent)}.`,
        ),
      );
    }
  }
  return findings;
}

function checkPhotos(quote: SubmittedQuote, thresholds: ReviewThresholds): Finding[] {
  const findings: Finding[] = [];
  // The total-loss procedure asks only for "photos" (seed section 5): at least one.
  const required = quote.procedure === 'total_loss' ? 1 : thresholds.minPhotos;
  // The same image uploaded twice is one photo of the damage, so distinct hashes are counted.
  const distinct = new Set(quote.photos.map((p) => p.sha256)).size;
  if (distinct < required) {
    const uploaded = quote.photos.length === distinct ? '' : ` (${quote.photos.length} uploaded)`;
    findings.push(
      finding(
        'photos.too_few',
        'critical',
        `The quote has ${plural(distinct, 'distinct photo')}${uploaded}, fewer than the ${required} required.`,
      ),
    );
  }
  for (const photo of quote.photos) {
    if (photo.seenOnOtherMission) {
      findings.push(
        finding(
          'photo.seen_on_other_mission',
          'critical',
          `Photo ${photo.id} (SHA-256 ${photo.sha256.slice(0, 12)}…) was already submitted on another mission.`,
        ),
      );
    }
  }
  return findings;
}

function checkSmartFrame(quote: SubmittedQuote): Finding[] {
  const frame = quote.smartFrame;
  if (frame === undefined) {
    // Closing a standard quote requires all five answers (seed section 2).
    return quote.procedure === 'standard'
      ? [finding('smart_frame.missing', 'critical', 'The standard-procedure quote was submitted without the Smart frame answers.')]
      : [];
  }
  const findings: Finding[] = [];
  if (frame.probableTotalLoss) {
    findings.push(finding('smart.probable_total_loss', 'warning', 'The garage answered that the vehicle is probably a total loss, so the file calls for total-loss handling.'));
  }
  if (frame.multipleDamageZones) {
    findings.push(finding('smart.multiple_damage_zones', 'warning', 'The garage answered that the vehicle has several damage zones of different natures, which calls for a remote intervention.'));
  }
  if (frame.expertAdviceNeeded) {
    findings.push(finding('smart.expert_advice_needed', 'warning', "The garage answered that the calculation is correct but the expert's technical advice is needed, which calls for a remote intervention."));
  }
  if (frame.onSiteExpertNeeded) {
    findings.push(finding('smart.onsite_expert_needed', 'warning', 'The garage answered that the extent of the damage requires an expert on site, which calls for an on-site intervention.'));
  }
  if (frame.technicalInspectionNeeded) {
    findings.push(finding('smart.technical_inspection_needed', 'info', 'The garage answered that the vehicle needs a technical inspection (contrôle technique), which it must pass after the repair.'));
  }
  return findings;
}

/**
 * One line for the queue: counts by severity, then the distinct findings, most severe first,
 * e.g. `2 critical, 1 warning: photo seen on another mission; labour rate above agreed`.
 */
export function summarize(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings';
  const counts = SEVERITY_ORDER.map((severity) => ({ severity, n: findings.filter((f) => f.severity === severity).length }))
    .filter(({ n }) => n > 0)
    .map(({ severity, n }) => (severity === 'warning' ? plural(n, 'warning') : `${n} ${severity}`));
  const labels: string[] = [];
  for (const severity of SEVERITY_ORDER) {
    for (const f of findings) {
      if (f.severity !== severity) continue;
      const label = labelOf(f.code);
      if (!labels.includes(label)) labels.push(label);
    }
  }
  return `${counts.join(', ')}: ${labels.join('; ')}`;
}

function labelOf(code: string): string {
  return Object.hasOwn(FINDING_LABELS, code) ? FINDING_LABELS[code as FindingCode] : code;
}

function finding(code: FindingCode, severity: Severity, message: string): Finding {
  return { code, severity, message };
}

// Rates and percentages may carry decimals (e.g. 5.5); they are scaled to integers so that every
// comparison and rounding on money is exact.
const RATE_SCALE = 10_000n;

function scaled(percentValue: number): bigint {
  return BigInt(Math.round(percentValue * Number(RATE_SCALE)));
}

function roundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (d * 2n);
  return negative ? -q : q;
}

/** Euro cents as `€1,234.56` (English formatting, no locale data so output never varies). */
export function euros(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.trunc(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = (abs % 100).toString().padStart(2, '0');
  return `${sign}€${whole}.${fraction}`;
}

function percent(value: number): string {
  return `${value} %`;
}

function ratioText(partCents: number, wholeCents: number): string {
  const tenths = Number(roundHalfAwayFromZero(BigInt(partCents) * 1000n, BigInt(wholeCents)));
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)} %`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
