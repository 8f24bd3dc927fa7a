// Events of other services → the local copy of the mission. Each handler runs in the inbox
// transaction (`tx`), so its effect and the "applied" mark commit together.
import { Topics } from '@smart-expertise/contracts';
import type { ConsumerSpec } from '@smart-expertise/service-runtime';
import { recordAbandoned, recordDecision, recordExpired, recordReceived } from '../store/missions.ts';

export function quoteConsumers(): ConsumerSpec[] {
  return [
    {
      groupId: 'quote',
      topics: [Topics.missionIntake, Topics.expiryScheduler, Topics.expertReview],
      handlers: {
        'mission.received': async (tx, event) => {
          await recordReceived(tx, event.payload);
        },
        // The abandon is recorded as a fact even when a quote was already closed: the closed quote
        // stays closed, because the mission's status is derived with the close taking precedence
        // (domain/mission-view.ts). The mission row lock orders it against a concurrent close.
        'mission.abandoned': async (tx, event) => {
          await recordAbandoned(tx, event.missionId, event.payload.abandonedAt, event.payload.reason);
        },
        // Likewise the expiry: a quote closed at or before the deadline wins over it.
        'mission.expired': async (tx, event) => {
          await recordExpired(tx, event.missionId, event.payload.expiredAt);
        },
        'review.decided': async (tx, event) => {
          const { decision, sequence, decidedAt, expertName, expertPhone, note } = event.payload;
          await recordDecision(tx, event.missionId, { decision, sequence, decidedAt, expertName, expertPhone, note });
        },
      },
    },
  ];
}
