// The verdict mission-intake publishes each time it changes (`mission.status-changed`): the other
// services act on it (quote voids what lost, the scheduler settles the deadline), never on a rule
// of their own. Pure: the handler decides when to publish (`verdictChanged`), this says what.
import type { EventPayload } from '../events.ts';
import type { MissionView, TrackingEntry } from './mission.ts';

/** Who the mission concerns, and its deadline as deposited. */
export interface MissionParties {
  readonly insurerId: string;
  readonly garageId: string;
  readonly expertOfficeId: string;
  readonly deadline: Date;
}

export function statusChangedPayload(
  mission: MissionParties,
  before: MissionView | null,
  after: MissionView,
  changedAt: Date,
  /** How many facts `after` was folded from: strictly increasing per mission (see the event's schema). */
  sequence: number,
): EventPayload<'mission.status-changed'> {
  return {
    insurerId: mission.insurerId,
    garageId: mission.garageId,
    expertOfficeId: mission.expertOfficeId,
    status: after.status,
    section: after.section,
    outcome: after.outcome,
    previousStatus: before?.status ?? null,
    reason: changeReason(before, after),
    changedAt: changedAt.toISOString(),
    sequence,
    deadline: (after.deadline ?? mission.deadline).toISOString(),
    quoteId: after.quote?.quoteId ?? null,
    procedure: after.quote?.procedure ?? null,
    voidedQuoteIds: [...after.voidedQuoteIds],
    expert: after.expert ? { name: after.expert.name, phone: after.expert.phone } : null,
    lastDecision: after.lastDecision
      ? { decision: after.lastDecision.decision, note: after.lastDecision.note, at: after.lastDecision.at.toISOString() }
      : null,
    ...(after.transmission > 0 ? { transmission: after.transmission } : {}),
    approvedTotalCents: after.approvedTotalCents,
    tracking: addedEntries(before, after).map((entry) => ({ at: entry.at.toISOString(), code: entry.code, params: { ...entry.params } })),
  };
}

/**
 * The tracking code of the entry that made the change: the newest entry `before` did not have. A
 * fact learned late can add an entry older than the newest one (a decision taken before a voided
 * abandon, say), so the newest entry alone could name something that changed nothing.
 */
export function changeReason(before: MissionView | null, after: MissionView): string {
  return (addedEntries(before, after).at(-1) ?? after.tracking.at(-1))?.code ?? after.status;
}

/** The tracking entries `after` has and `before` had not, oldest first. */
function addedEntries(before: MissionView | null, after: MissionView): readonly TrackingEntry[] {
  const known = new Set((before?.tracking ?? []).map(entryKey));
  return after.tracking.filter((entry) => !known.has(entryKey(entry)));
}

function entryKey(entry: TrackingEntry): string {
  return `${entry.at.getTime()} ${entry.code} ${JSON.stringify(entry.params)}`;
}
