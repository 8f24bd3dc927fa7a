import type { EventType } from './events.ts';

/**
 * One topic per publishing service, so that one mission's events from one service keep their
 * order (the key is the mission id). Consumers pick the event types they need from each.
 */
export const Topics = {
  missionIntake: 'smart.mission-intake.events.v1',
  quote: 'smart.quote.events.v1',
  expertReview: 'smart.expert-review.events.v1',
  expiryScheduler: 'smart.expiry-scheduler.events.v1',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];
export const ALL_TOPICS: TopicName[] = Object.values(Topics);

/** Where each event type is published. */
export const TopicOf: Record<EventType, TopicName> = {
  'mission.received': Topics.missionIntake,
  'mission.abandoned': Topics.missionIntake,
  'mission.cancelled': Topics.missionIntake,
  'mission.status-changed': Topics.missionIntake,
  'mission.deadline-extended': Topics.missionIntake,
  'payment.requested': Topics.quote,
  'quote.submitted': Topics.quote,
  'quote.voided': Topics.quote,
  'quote.reinstated': Topics.quote,
  'review.decided': Topics.expertReview,
  'supplement.submitted': Topics.quote,
  'supplement.decided': Topics.expertReview,
  'mission.deadline-approaching': Topics.expiryScheduler,
  'mission.expired': Topics.expiryScheduler,
};

export const PARTITIONS_DEFAULT = 6;
