// integrations reads the three topics whose events announce something public: mission-intake's
// (mission.received, which also says who the mission concerns, and mission.status-changed), quote's
// (quote.submitted, supplement.submitted, payment.requested) and expert-review's (review.decided,
// supplement.decided). Each event becomes, through the contracts' public catalogue, one public
// event per organisation entitled to it, appended to the feed with a delivery per subscription.
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import { afterCommit, type ConsumerSpec, type EventHandlers, type Tx } from '@smart-expertise/service-runtime';
import { PUBLISHING_EVENT_TYPES, routeBatch } from '../domain/routing.ts';
import { appendToFeed, heldEvents, hold, knownMissions, lockFeedWriter, recordMissions, release } from '../store/feed.ts';

export const CONSUMER_GROUP = 'integrations';

/**
 * Applies a batch in a handful of statements: the feed's writer lock, the missions and held events
 * the batch needs, then the missions learned, the events held or released, and the feed with its
 * deliveries. `onDeliveries` runs once the transaction has committed, when it made deliveries.
 */
export async function applyBatch(tx: Tx, events: DomainEvent[], onDeliveries: () => void): Promise<void> {
  await lockFeedWriter(tx);
  const missionIds = [...new Set(events.map((e) => e.missionId))];
  const receivedIds = [...new Set(events.filter((e) => e.type === 'mission.received').map((e) => e.missionId))];
  const [known, held] = [await knownMissions(tx, missionIds), await heldEvents(tx, receivedIds)];
  const routed = routeBatch(events, known, held);
  const receivedAt = new Map(events.flatMap((e) => (e.type === 'mission.received' ? [[e.missionId, e.payload.receivedAt] as const] : [])));
  await recordMissions(tx, routed.missions, receivedAt);
  await release(tx, routed.released);
  await hold(tx, routed.held);
  const made = await appendToFeed(tx, routed.deliveries);
  if (made > 0) afterCommit(tx, onDeliveries);
}

export function integrationsConsumer(onDeliveries: () => void): ConsumerSpec {
  const one = (tx: Tx, event: DomainEvent) => applyBatch(tx, [event], onDeliveries);
  const handlers = Object.fromEntries(PUBLISHING_EVENT_TYPES.map((type) => [type, one])) as EventHandlers;
  return {
    groupId: CONSUMER_GROUP,
    topics: [Topics.missionIntake, Topics.quote, Topics.expertReview],
    handlers,
    applyBatch: (tx, events) => applyBatch(tx, events, onDeliveries),
  };
}
