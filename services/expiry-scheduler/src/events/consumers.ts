import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import type { ConsumerSpec, Tx } from '@smart-expertise/service-runtime';
import type { Logger } from 'pino';
import { evolve, type DeadlineFact, type DeadlineState } from '../domain/deadline.ts';
import { lockDeadline, lockDeadlines, saveDeadline, saveDeadlines } from '../store/deadlines.ts';

/** The deadline fact an event of mission-intake's topic carries, or null for one the scheduler ignores. */
export function factOf(event: DomainEvent): DeadlineFact | null {
  switch (event.type) {
    case 'mission.received':
      return { type: 'mission.received', eventId: event.id, deadline: new Date(event.payload.deadline) };
    case 'mission.status-changed':
      return {
        type: 'mission.status-changed',
        status: event.payload.status,
        changedAt: new Date(event.payload.changedAt),
        deadline: new Date(event.payload.deadline),
        ...(event.payload.sequence === undefined ? {} : { sequence: event.payload.sequence }),
      };
    default:
      return null;
  }
}

/**
 * The same as applying each event in turn, in three statements for a whole batch: create and lock
 * the rows (id order), fold every fact in memory in the batch's order, write the rows that changed.
 */
async function applyBatch(tx: Tx, events: DomainEvent[]): Promise<void> {
  const facts = events.flatMap((event) => {
    const fact = factOf(event);
    return fact ? [{ missionId: event.missionId, fact }] : [];
  });
  if (facts.length === 0) return;
  const before = await lockDeadlines(tx, facts.map((f) => f.missionId));
  const after = new Map<string, DeadlineState>(before);
  for (const { missionId, fact } of facts) after.set(missionId, evolve(after.get(missionId)!, fact));
  await saveDeadlines(tx, [...after].map(([missionId, state]) => ({ before: before.get(missionId)!, after: state })));
}

/** Applies one fact to the mission's locked row, in the inbox transaction. Emits nothing. */
async function apply(tx: Tx, logger: Logger, missionId: string, fact: DeadlineFact): Promise<void> {
  const before = await lockDeadline(tx, missionId);
  const after = evolve(before, fact);
  await saveDeadline(tx, before, after);
  if (before.status === 'expired' && after.status === 'running') {
    logger.info({ missionId, fact: fact.type, expired: before.expiredDeadline, deadline: after.deadline }, 'deadline runs again after its expiry: a later deadline or a new window');
  } else if (before.status !== after.status) {
    logger.debug({ missionId, fact: fact.type, from: before.status, to: after.status }, 'deadline status changed');
  }
}

/**
 * mission-intake's topic only: mission.received starts a running deadline, and the latest
 * mission.status-changed says whether it runs (new, information requested) and which deadline
 * holds (extensions, the answer's due date). The other events of the topic (mission.abandoned,
 * mission.cancelled, mission.deadline-extended) are ignored: their effect on the mission reaches
 * the scheduler as mission-intake's verdict.
 */
export function deadlineConsumer(logger: Logger): ConsumerSpec {
  return {
    groupId: 'expiry-scheduler.deadlines',
    topics: [Topics.missionIntake],
    handlers: {
      'mission.received': (tx, event) => apply(tx, logger, event.missionId, factOf(event)!),
      'mission.status-changed': (tx, event) => apply(tx, logger, event.missionId, factOf(event)!),
    },
    applyBatch,
  };
}
