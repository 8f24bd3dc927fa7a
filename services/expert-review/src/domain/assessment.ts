/**
 * Turns a submitted quote and what is known of its mission into the pre-check input, and the
 * result into what a review case stores. Pure: the caller brings the data.
 */
import { DEFAULT_INSURER_POLICY, type EventPayload, type InsurerPolicy } from '@smart-expertise/contracts';
import { preCheck, summarize, type Finding, type SubmittedQuote, type SuggestedDecision } from './findings.ts';

export type QuoteSubmitted = EventPayload<'quote.submitted'>;

/** What the pre-checks need from the mission copy. */
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
  /** Which thresholds were applied: the insurer's, or the platform defaults while the mission is unknown. */
  readonly basis: FindingsBasis;
}

export function submittedQuoteOf(quote: QuoteSubmitted): SubmittedQuote {
  return {
    procedure: quote.procedure,
    calculation: quote.calculation ?? undefined,
    smartFrame: quote.smartFrame ?? undefined,
    vehicleStatus: quote.vehicleStatus ?? undefined,
    photos: quote.photos.map((p) => ({ id: p.id, sha256: p.sha256, seenOnOtherMission: p.seenOnOtherMission })),
  };
}

/**
 * Runs the pre-checks with the insurer's policy in force on the mission. A quote can reach this
 * service before its mission (two topics, any order): it is then assessed with the platform's
 * default policy and no vehicle value, and assessed again when the mission arrives.
 */
export function assess(quote: QuoteSubmitted, mission: MissionPolicyFacts | null): Assessment {
  const policy = mission ?? { minPhotos: DEFAULT_INSURER_POLICY.minPhotos, reviewThresholds: DEFAULT_INSURER_POLICY.reviewThresholds };
  const { findings, suggestedDecision } = preCheck({
    quote: submittedQuoteOf(quote),
    mission: { vehicleValueCents: mission?.vehicleValueCents },
    thresholds: { minPhotos: policy.minPhotos, ...policy.reviewThresholds },
  });
  return { findings, suggestedDecision, summary: summarize(findings), basis: mission ? 'insurer_policy' : 'default_policy' };
}
