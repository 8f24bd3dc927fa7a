/**
 * A mission's running deadline, as this service knows it.
 *
 * Facts reach the scheduler from two topics (mission-intake's and quote's). Kafka keeps the order
 * of one topic per mission, never the order across topics, so a quote or an abandon may be heard
 * of before the mission itself. The state therefore keeps the facts (the deadline, the earliest
 * quote closing, the abandon) and derives the status from them: any delivery order gives the same
 * status. Only the expiry, decided by a sweep, is final whatever is learnt afterwards (seed §5:
 * the Smart Expertise "devient une expertise classique"; mission-intake's convergence rule puts a
 * quote closed before the deadline back on the Smart path).
 */

export type DeadlineStatus =
  /** A quote or an abandon is known, the mission itself not yet: nothing to sweep. */
  | 'awaiting_mission'
  | 'running'
  | 'quote_closed'
  | 'abandoned'
  | 'expired';

export interface DeadlineState {
  readonly missionId: string;
  readonly status: DeadlineStatus;
  readonly deadline: Date | null;
  /** The id of the mission.received event, the cause of a later expiry. */
  readonly receivedEventId: string | null;
  /** The earliest quote closing heard of, whether before or after the deadline. */
  readonly quoteClosedAt: Date | null;
  readonly abandonedAt: Date | null;
  readonly expiredAt: Date | null;
}

export type DeadlineFact =
  | { readonly type: 'mission.received'; readonly eventId: string; readonly deadline: Date }
  | { readonly type: 'quote.submitted'; readonly closedAt: Date }
  | { readonly type: 'mission.abandoned'; readonly abandonedAt: Date };

export function initialState(missionId: string): DeadlineState {
  return { missionId, status: 'awaiting_mission', deadline: null, receivedEventId: null, quoteClosedAt: null, abandonedAt: null, expiredAt: null };
}

function earliest(a: Date | null, b: Date): Date {
  return a && a.getTime() <= b.getTime() ? a : b;
}

/** Only a quote closed at or before the deadline settles it; a later one settles nothing. */
export function quoteSettles(quoteClosedAt: Date | null, deadline: Date | null): boolean {
  return quoteClosedAt !== null && deadline !== null && quoteClosedAt.getTime() <= deadline.getTime();
}

/** The status the known facts give; an expiry already decided stays. */
export function statusOf(state: Omit<DeadlineState, 'status'> & { status?: DeadlineStatus }): DeadlineStatus {
  if (state.status === 'expired') return 'expired';
  if (state.deadline === null) return 'awaiting_mission';
  if (quoteSettles(state.quoteClosedAt, state.deadline)) return 'quote_closed';
  if (state.abandonedAt !== null) return 'abandoned';
  return 'running';
}

/** Folds one fact into the state. Redelivering a fact, or delivering facts in another order, changes nothing. */
export function evolve(state: DeadlineState, fact: DeadlineFact): DeadlineState {
  let next: DeadlineState;
  switch (fact.type) {
    case 'mission.received':
      // The first deadline heard of is the mission's: a mission is deposited once.
      next = state.deadline ? state : { ...state, deadline: fact.deadline, receivedEventId: fact.eventId };
      break;
    case 'quote.submitted':
      next = { ...state, quoteClosedAt: earliest(state.quoteClosedAt, fact.closedAt) };
      break;
    case 'mission.abandoned':
      next = { ...state, abandonedAt: earliest(state.abandonedAt, fact.abandonedAt) };
      break;
    default: {
      const unknown: never = fact;
      throw new Error(`unknown deadline fact ${(unknown as { type: string }).type}`);
    }
  }
  return { ...next, status: statusOf(next) };
}

