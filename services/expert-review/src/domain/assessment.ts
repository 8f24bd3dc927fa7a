/**
 * Turns a submitted quote and what is known of its mission into the pre-check input, and the
 * result into what a review case stores. Pure: the caller brings the data.
 */
import { DEFAULT_INSURER_POLICY, type EventPayload, type InsurerPolicy } from '@smart-expertise/contracts';
import { preCheck, summarize, type Finding, type SubmittedQuote, type SuggestedDecision } from './findings.ts';

export type QuoteSubmitted = EventPayload<'quote.submitted'>;

/** What the pre-checks need from the mission: the insurer's thresholds in force and the vehicle value. */
export interface MissionPolicyFacts {
  readonly vehicleValueCents?: number | undefined;
  readonly minPhotos: number;
  readonly reviewThresholds: InsurerPolicy['reviewThresholds'];
}

export type FindingsBasis = 'insurer_policy' | 'default_policy';

export interface Assessment {
  readonly findings: Finding[];
  readonly suggestedDecision: SuggestedDecision;
  readonly summary: string;
  /** Which thresholds were applied: the insurer's, or the platform defaults when the quote carried none. */
  readonly basis: FindingsBasis;
}

/** The parts of a submitted quote the pre-checks read. */
export type AssessedQuote = Pick<QuoteSubmitted, 'procedure' | 'calculation' | 'smartFrame' | 'vehicleStatus' | 'photos'>;

export function submittedQuoteOf(quote: AssessedQuote): SubmittedQuote {
  return {
    procedure: quote.procedure,
    calculation: quote.calculation ?? undefined,
    smartFrame: quote.smartFrame ?? undefined,
    vehicleStatus: quote.vehicleStatus ?? undefined,
    photos: quote.photos.map((p) => ({ id: p.id, sha256: p.sha256, seenOnOtherMission: p.seenOnOtherMission })),
  };
}

/**
 * Runs the pre-checks with the insurer's policy in force on the mission, as the quote's reviewFile
 * carries it. A quote.submitted published before reviewFile existed carries no policy: it is
 * assessed with the platform's default policy and no vehicle value (`default_policy`).
 */
export function assess(quote: AssessedQuote, mission: MissionPolicyFacts | null): Assessment {
  const policy = mission ?? { minPhotos: DEFAULT_INSURER_POLICY.minPhotos, reviewThresholds: DEFAULT_INSURER_POLICY.reviewThresholds };
  const { findings, suggestedDecision } = preCheck({
    quote: submittedQuoteOf(quote),
    mission: { vehicleValueCents: mission?.vehicleValueCents },
    thresholds: { minPhotos: policy.minPhotos, ...policy.reviewThresholds },
  });
  return { findings, suggestedDecision, summary: summarize(findings), basis: mission ? 'insurer_policy' : 'default_policy' };
}
