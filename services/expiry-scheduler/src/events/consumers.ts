import { Topics } from '@smart-expertise/contracts';
import type { ConsumerSpec, Tx } from '@smart-expertise/service-runtime';
import type { Logger } from 'pino';
import { evolve, type DeadlineFact } from '../domain/deadline.ts';
import { lockDeadline, saveDeadline } from '../store/deadlines.ts';

/** Applies one fact to the mission's locked row, in the inbox transaction. Emits nothing. */
async function apply(tx: Tx, logger: Logger, missionId: string, fact: DeadlineFact): Promise<void> {
  const before = await lockDeadline(tx, missionId);
  const after = evolve(before, fact);
  await saveDeadline(tx, before, after);
  if (before.status !== after.status) logger.debug({ missionId, fact: fact.type, from: before.status, to: after.status }, 'deadline status changed');
  else if (before.status === 'expired') logger.info({ missionId, fact: fact.type }, 'fact after the expiry: nothing more done here (mission-intake voids an expiry that raced an on-time close)');
}

/**
 * mission-intake's topic only: mission.received starts a running deadline, and
 * mission.status-changed settles it once the verdict leaves the statuses in which it runs. The
 * other events of the topic (mission.abandoned, mission.cancelled) are ignored: their effect on the
 * mission reaches the scheduler as mission-intake's verdict.
 */
export function deadlineConsumer(logger: Logger): ConsumerSpec {
  return {
    groupId: 'expiry-scheduler.deadlines',
    topics: [Topics.missionIntake],
    handlers: {
      'mission.received': (tx, event) =>
        apply(tx, logger, event.missionId, { type: 'mission.received', eventId: event.id, deadline: new Date(event.payload.deadline) }),
      'mission.status-changed': (tx, event) =>
        apply(tx, logger, event.missionId, { type: 'mission.status-changed', status: event.payload.status, changedAt: new Date(event.payload.changedAt) }),
    },
  };
}
