/**
 * Which public events a batch of internal events gives, and to whom: pure, so the order rules are
 * tested without a database. An event of a mission whose mission.received has not arrived yet
 * (it travels on another topic, which this service may read behind the others) is held, and comes
 * out, in its order, right after that mission.received.
 */
import type { DomainEvent, EventType } from '@smart-expertise/contracts';
import { publicEventsOf, type MissionParties, type PublicDelivery } from '@smart-expertise/contracts/public-events';

/** The internal events that announce something public; the others are not read at all. */
export const PUBLISHING_EVENT_TYPES = [
  'mission.received',
  'mission.status-changed',
  'quote.submitted',
  'review.decided',
  'supplement.submitted',
  'supplement.decided',
  'payment.requested',
] as const satisfies readonly EventType[];

export interface RoutedBatch {
  /** Missions learned from this batch's mission.received. */
  readonly missions: MissionParties[];
  /** Events to keep until their mission is known, in order. */
  readonly held: DomainEvent[];
  /** Missions whose held events came out in this batch (their held rows go). */
  readonly released: string[];
  /** The public events, in the order to record them. */
  readonly deliveries: PublicDelivery[];
}

export function partiesOf(event: DomainEvent<'mission.received'>): MissionParties {
  const m = event.payload.mission;
  return { id: event.missionId, insurerId: m.insurerId, garageId: m.garageId, expertOfficeId: m.expertOfficeId };
}

/**
 * `known`: the parties of the batch's missions already recorded; `held`: the events held for the
 * batch's missions, oldest first. Throws (the consumer parks the event) when an event cannot be
 * mapped: its facts would send it to the wrong party.
 */
export function routeBatch(events: readonly DomainEvent[], known: ReadonlyMap<string, MissionParties>, held: ReadonlyMap<string, readonly DomainEvent[]>): RoutedBatch {
  const parties = new Map(known);
  const missions: MissionParties[] = [];
  const newlyHeld: DomainEvent[] = [];
  const released: string[] = [];
  const deliveries: PublicDelivery[] = [];
  const waiting = new Map<string, DomainEvent[]>();
  for (const [missionId, list] of held) if (list.length > 0) waiting.set(missionId, [...list]);

  for (const event of events) {
    if (event.type === 'mission.received') {
      if (parties.has(event.missionId)) continue; // a second copy under another id: the mission is the first's
      const mission = partiesOf(event as DomainEvent<'mission.received'>);
      parties.set(mission.id, mission);
      missions.push(mission);
      deliveries.push(...publicEventsOf(event, { mission }));
      const pending = waiting.get(mission.id);
      if (pending) {
        for (const earlier of pending) deliveries.push(...publicEventsOf(earlier, { mission }));
        waiting.delete(mission.id);
        if (held.has(mission.id)) released.push(mission.id);
      }
      continue;
    }
    const mission = parties.get(event.missionId);
    if (mission) {
      deliveries.push(...publicEventsOf(event, { mission }));
    } else {
      newlyHeld.push(event);
      waiting.set(event.missionId, [...(waiting.get(event.missionId) ?? []), event]);
    }
  }
  // Held in this batch and released in it too: never written to the held table.
  const stillHeld = newlyHeld.filter((e) => waiting.get(e.missionId)?.includes(e));
  return { missions, held: stillHeld, released, deliveries };
}
