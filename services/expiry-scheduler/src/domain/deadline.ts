/**
 * A mission's running deadline, as this service knows it.
 *
 * mission-intake is the authority on the mission's status: the scheduler reads only its topic,
 * `mission.received` (the deadline starts running) and `mission.status-changed` (its verdict). The
 * deadline runs while the latest verdict says so, by the procedure's own predicate (`deadlineRuns`:
 * the mission is new, or information is requested of the garage), and it is the deadline that
 * verdict carries (extensions included, the answer's due date while information is requested).
 * This module keeps no rule of its own about closes, abandons, cancels or extensions.
 *
 * The state keeps the facts and derives the status from them:
 * - the deadline of `mission.received` until a verdict is known, then the latest verdict's (by
 *   its `sequence`, strictly increasing per mission): an older verdict changes nothing,
 *   so redelivery and reordering are harmless, and a verdict heard of before the mission itself is
 *   kept (`awaiting_mission`) for when the mission arrives;
 * - the last expiry a sweep decided, with the deadline it expired. The expiry stands while the
 *   deadline that holds is that one: a verdict on the same deadline never makes it run again, so a
 *   deadline expires once. A verdict that runs on another deadline does (an extension learned after
 *   the sweep, a new window of information requested): mission-intake voids an expiry decided on a
 *   deadline an extension had moved, and counts the one at the new deadline.
 */
import type { MissionStatus } from '@smart-expertise/contracts';
import { deadlineRuns } from '@smart-expertise/contracts/procedure';

export type DeadlineStatus =
  /** The mission itself is not known yet: nothing to sweep. */
  | 'awaiting_mission'
  | 'running'
  /** mission-intake's latest verdict is a status in which the deadline does not run. */
  | 'settled'
  /** A sweep expired the deadline that still holds. */
  | 'expired';

export interface DeadlineState {
  readonly missionId: string;
  readonly status: DeadlineStatus;
  /** The deadline that holds: mission.received's, then the latest verdict's. */
  readonly deadline: Date | null;
  /** The id of the mission.received event, the cause of a later warning or expiry. */
  readonly receivedEventId: string | null;
  /** mission-intake's latest verdict: the mission's status, when it changed, and its sequence (null: a verdict without one). */
  readonly verdictStatus: MissionStatus | null;
  readonly verdictAt: Date | null;
  readonly verdictSequence: number | null;
  /** When a warning about `deadline` was sent; cleared when the deadline that holds changes. */
  readonly warnedAt: Date | null;
  /** The last expiry decided by a sweep, and the deadline it expired. */
  readonly expiredAt: Date | null;
  readonly expiredDeadline: Date | null;
}

export type DeadlineFact =
  | { readonly type: 'mission.received'; readonly eventId: string; readonly deadline: Date }
  | {
      readonly type: 'mission.status-changed';
      readonly status: MissionStatus;
      readonly changedAt: Date;
      readonly deadline: Date;
      /** Strictly increasing per mission; absent on verdicts published before it was kept. */
      readonly sequence?: number;
    }
  /** Decided by a sweep; `store/deadlines.ts` applies both to whole batches of running rows in SQL. */
  | { readonly type: 'warned'; readonly warnedAt: Date }
  | { readonly type: 'expired'; readonly expiredAt: Date };

type Verdict = Extract<DeadlineFact, { type: 'mission.status-changed' }>;

export function initialState(missionId: string): DeadlineState {
  return {
    missionId,
    status: 'awaiting_mission',
    deadline: null,
    receivedEventId: null,
    verdictStatus: null,
    verdictAt: null,
    verdictSequence: null,
    warnedAt: null,
    expiredAt: null,
    expiredDeadline: null,
  };
}

const same = (a: Date | null, b: Date | null) => (a === null || b === null ? a === b : a.getTime() === b.getTime());

/** The status the known facts give. */
export function statusOf(facts: Omit<DeadlineState, 'missionId' | 'status'>): DeadlineStatus {
  if (facts.receivedEventId === null || facts.deadline === null) return 'awaiting_mission';
  // Before any verdict the deadline of mission.received runs: the mission is new.
  const runs = facts.verdictStatus === null || deadlineRuns(facts.verdictStatus);
  // Expired once per deadline: the expiry stands while the deadline it expired is the one that holds.
  if (same(facts.expiredDeadline, facts.deadline)) return 'expired';
  return runs ? 'running' : 'settled';
}

/**
 * Whether `verdict` is later than the one kept: by its sequence, which mission-intake makes strictly
 * increasing per mission (the verdicts of one consumed batch share their `changedAt`, so the
 * instant alone cannot order them). Verdicts published before the sequence was kept are ordered by
 * `changedAt`, then the later deadline, then the status, so that every order still gives one state.
 */
function isLater(verdict: Verdict, state: DeadlineState): boolean {
  if (state.verdictAt === null || state.verdictStatus === null) return true;
  if (verdict.sequence !== undefined && state.verdictSequence !== null) return verdict.sequence > state.verdictSequence;
  const byTime = verdict.changedAt.getTime() - state.verdictAt.getTime();
  if (byTime !== 0) return byTime > 0;
  const byDeadline = verdict.deadline.getTime() - (state.deadline?.getTime() ?? Number.NEGATIVE_INFINITY);
  if (byDeadline !== 0) return byDeadline > 0;
  return verdict.status > state.verdictStatus;
}

/** Folds one fact into the state. Redelivering a verdict, or delivering verdicts in another order, changes nothing. */
export function evolve(state: DeadlineState, fact: DeadlineFact): DeadlineState {
  let next: DeadlineState;
  switch (fact.type) {
    case 'mission.received':
      // A mission is deposited once: the first deadline heard of is its own, unless a verdict
      // (heard of first) already said which deadline holds.
      if (state.receivedEventId !== null) return state;
      next = { ...state, receivedEventId: fact.eventId, deadline: state.deadline ?? fact.deadline };
      break;
    case 'mission.status-changed':
      if (!isLater(fact, state)) return state;
      next = { ...state, verdictStatus: fact.status, verdictAt: fact.changedAt, verdictSequence: fact.sequence ?? null, deadline: fact.deadline };
      break;
    case 'warned':
      // The sweep warns about a running deadline it has not warned about yet.
      if (state.status !== 'running' || state.warnedAt !== null) return state;
      next = { ...state, warnedAt: fact.warnedAt };
      break;
    case 'expired':
      // Only a running deadline expires; the sweep selects nothing else.
      if (state.status !== 'running') return state;
      next = { ...state, expiredAt: fact.expiredAt, expiredDeadline: state.deadline };
      break;
    default: {
      const unknown: never = fact;
      throw new Error(`unknown deadline fact ${(unknown as { type: string }).type}`);
    }
  }
  // A new deadline gets its own warning (an extension, the answer's due date).
  if (!same(next.deadline, state.deadline)) next = { ...next, warnedAt: null };
  return { ...next, status: statusOf(next) };
}
