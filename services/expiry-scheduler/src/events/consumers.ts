import { Topics } from '@smart-expertise/contracts';
import type { ConsumerSpec, Tx } from '@smart-expertise/service-runtime';
import type { Logger } from 'pino';
import { evolve, type DeadlineFact } from '../domain/deadline.ts';
import { lockDeadline, saveDeadline } from '../store/deadlines.ts';

/** Applies one fact to the mission's locked row, in the inbox transaction. Emits nothing. */
async function apply(tx: Tx, logger: Logger, missionId: string, fact: DeadlineFact): Promise<void> {
  const before = await lockDeadline(tx, missionId);
  const after = evolve(before, fact);
  await saveDeadline(tx, after);
  if (before.status !== after.status) logger.debug({ missionId, fact: fact.type, from: before.status, to: after.status }, 'deadline status changed');
  else if (before.status === 'expired') logger.info({ missionId, fact: fact.type }, 'fact after the expiry: nothing more done here (mission-intake converges)');
}

/**
 * mission.received starts a running deadline; quote.submitted (closed at or before the deadline)
 * and mission.abandoned settle it; nothing else does.
 */
export function deadlineConsumer(logger: Logger): ConsumerSpec {
  return {
    groupId: 'expiry-scheduler.deadlines',
    topics: [Topics.missionIntake, Topics.quote],
    handlers: {
      'mission.received': (tx, event) =>
        apply(tx, logger, event.missionId, { type: 'mission.received', eventId: event.id, deadline: new Date(event.payload.deadline) }),
      'mission.abandoned': (tx, event) => apply(tx, logger, event.missionId, { type: 'mission.abandoned', abandonedAt: new Date(event.payload.abandonedAt) }),
      'quote.submitted': (tx, event) => apply(tx, logger, event.missionId, { type: 'quote.submitted', closedAt: new Date(event.payload.closedAt) }),
    },
  };
}
