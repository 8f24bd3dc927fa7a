/**
 * The quote service's copy of a mission, folded from events of three topics (mission-intake,
 * expiry-scheduler, expert-review). Kafka keeps order within one topic only, so each event records
 * a fact of its own and the status is derived from the facts: the same events in any order give
 * the same status (design: "replaying the same events in any order gives the same final state").
 */
import type { MissionStatus } from './closing.ts';

export type ExpertDecision = 'validate' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention';

export interface MissionFacts {
  deadline: Date;
  abandonedAt: Date | null;
  expiredAt: Date | null;
  /** The decision with the highest sequence seen so far. */
  latestDecision: ExpertDecision | null;
  /** When the mission's quote was closed, if it was. */
  quoteClosedAt: Date | null;
}

const STATUS_OF_DECISION: Record<ExpertDecision, MissionStatus> = {
  validate: 'validated',
  pending_validation: 'pending_validation',
  remote_intervention: 'remote_intervention',
  onsite_intervention: 'on_site_intervention',
};

export function missionStatusOf(facts: MissionFacts): MissionStatus {
  const { quoteClosedAt, deadline, expiredAt, abandonedAt, latestDecision } = facts;
  // Seed §5: a quote closed before the deadline always wins over an expiry, whatever order the
  // services learn of them in; and an abandon that reaches us after the close cannot un-close it
  // (the close was refused if the abandon had been applied first).
  const closedInTime = quoteClosedAt !== null && quoteClosedAt.getTime() <= deadline.getTime();
  if (quoteClosedAt !== null && (closedInTime || expiredAt === null)) {
    return latestDecision ? STATUS_OF_DECISION[latestDecision] : 'under_analysis';
  }
  if (abandonedAt) return 'abandoned';
  if (expiredAt) return 'expired';
  return 'received';
}
