/**
 * A mission's running deadline, as this service knows it.
 *
 * mission-intake is the authority on the mission's status: the scheduler reads only its topic,
 * `mission.received` (the deadline starts running) and `mission.status-changed` (its verdict). The
 * deadline stops running when the verdict says so, by the procedure's own predicate
 * (`deadlineRuns`); this module keeps no rule of its own about closes, abandons or cancels.
 *
 * The state keeps the facts (the deadline, the first verdict that settled it) and derives the
 * status from them, so a settling verdict heard of before the mission itself still counts (one
 * topic keeps the order per mission, but the fold does not rely on it). The expiry, decided by a
 * sweep, is final whatever is learnt afterwards: an expiry that raced an on-time close is voided by
 * mission-intake's fold (tracking `expiry.voided`), and nothing more is done here.
 */
import type { MissionStatus } from '@smart-expertise/contracts';
import { deadlineRuns } from '@smart-expertise/contracts/procedure';

export type DeadlineStatus =
  /** A verdict is known, the mission itself not yet: nothing to sweep. */
  | 'awaiting_mission'
  | 'running'
  /** mission-intake's verdict left the statuses in which the deadline runs. */
  | 'settled'
  | 'expired';

export interface DeadlineState {
  readonly missionId: string;
  readonly status: DeadlineStatus;
  readonly deadline: Date | null;
  /** The id of the mission.received event, the cause of a later warning or expiry. */
  readonly receivedEventId: string | null;
  /** The mission's status in the earliest verdict that stopped the deadline. */
  readonly settledStatus: MissionStatus | null;
  readonly settledAt: Date | null;
  readonly expiredAt: Date | null;
}

export type DeadlineFact =
  | { readonly type: 'mission.received'; readonly eventId: string; readonly deadline: Date }
  | { readonly type: 'mission.status-changed'; readonly status: MissionStatus; readonly changedAt: Date }
  /** Decided by a sweep; `store/deadlines.ts` applies it to whole batches of running rows in SQL. */
  | { readonly type: 'expired'; readonly expiredAt: Date };

export function initialState(missionId: string): DeadlineState {
  return { missionId, status: 'awaiting_mission', deadline: null, receivedEventId: null, settledStatus: null, settledAt: null, expiredAt: null };
}

/** The status the known facts give; an expiry already decided stays. */
export function statusOf(facts: Pick<DeadlineState, 'deadline' | 'settledStatus' | 'expiredAt'>): DeadlineStatus {
  if (facts.expiredAt !== null) return 'expired';
  if (facts.deadline === null) return 'awaiting_mission';
  if (facts.settledStatus !== null) return 'settled';
  return 'running';
}

function settle(state: DeadlineState, status: MissionStatus, changedAt: Date): DeadlineState {
  if (deadlineRuns(status)) return state;
  // The earliest verdict out of the running statuses is when the deadline stopped; later verdicts
  // (and redeliveries) change nothing, whatever order they are heard of in.
  if (state.settledAt !== null && state.settledAt.getTime() <= changedAt.getTime()) return state;
  return { ...state, settledStatus: status, settledAt: changedAt };
}

/** Folds one fact into the state. Redelivering a fact, or delivering facts in another order, changes nothing. */
export function evolve(state: DeadlineState, fact: DeadlineFact): DeadlineState {
  // Seed §5: once expired, the Smart Expertise "devient une expertise classique"; mission-intake
  // alone may put it back on the Smart path, and it says so itself.
  if (state.status === 'expired') return state;
  let next: DeadlineState;
  switch (fact.type) {
    case 'mission.received':
      // The first deadline heard of is the mission's: a mission is deposited once.
      next = state.deadline ? state : { ...state, deadline: fact.deadline, receivedEventId: fact.eventId };
      break;
    case 'mission.status-changed':
      next = settle(state, fact.status, fact.changedAt);
      break;
    case 'expired':
      // Only a running deadline expires; the sweep selects nothing else.
      next = state.status === 'running' ? { ...state, expiredAt: fact.expiredAt } : state;
      break;
    default: {
      const unknown: never = fact;
      throw new Error(`unknown deadline fact ${(unknown as { type: string }).type}`);
    }
  }
  if (next === state) return state;
  return { ...next, status: statusOf(next) };
}
