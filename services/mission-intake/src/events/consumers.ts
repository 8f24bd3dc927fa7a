// Other services' events become lifecycle facts: each one is recorded by its event id and the
// mission is re-projected from everything known, so any delivery order gives the same state.
// mission.received and mission.abandoned are this service's own: recorded when they happen, never consumed.
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import type { ConsumerSpec, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import type { MissionFact } from '../domain/lifecycle.ts';
import { recordFact } from '../store/facts.ts';
import { refreshProjection } from '../store/lifecycle.ts';
import { findMission } from '../store/missions.ts';

export const CONSUMER_GROUP = 'mission-intake';

export function factOf(event: DomainEvent<'quote.submitted' | 'review.decided' | 'mission.deadline-approaching' | 'mission.expired' | 'payment.requested'>): MissionFact {
  switch (event.type) {
    case 'quote.submitted':
      return { type: 'quote_submitted', eventId: event.id, at: new Date(event.payload.closedAt), procedure: event.payload.procedure, quoteId: event.payload.quoteId };
    case 'review.decided': {
      const p = event.payload;
      return {
        type: 'review_decided',
        eventId: event.id,
        at: new Date(p.decidedAt),
        sequence: p.sequence,
        decision: p.decision,
        expertName: p.expertName,
        expertPhone: p.expertPhone,
        ...(p.note === null ? {} : { note: p.note }),
      };
    }
    case 'mission.deadline-approaching':
      return { type: 'deadline_approaching', eventId: event.id, at: new Date(event.payload.notifiedAt), deadline: new Date(event.payload.deadline) };
    case 'mission.expired':
      return { type: 'expired', eventId: event.id, at: new Date(event.payload.expiredAt), deadline: new Date(event.payload.deadline) };
    case 'payment.requested': {
      const p = event.payload;
      return {
        type: 'payment_requested',
        eventId: event.id,
        at: new Date(p.requestedAt),
        invoiceNumber: p.invoiceNumber,
        insurerShareCents: p.insurerShareCents,
        ownerShareCents: p.ownerShareCents,
        flagged: p.aboveValidatedQuote,
      };
    }
    default: {
      const unknown: never = event;
      throw new Error(`no fact for event ${JSON.stringify(unknown)}`);
    }
  }
}

export function lifecycleConsumers(ctx: ServiceContext): ConsumerSpec[] {
  async function apply(tx: Tx, event: Parameters<typeof factOf>[0]): Promise<void> {
    // The row lock serialises this mission's events with each other and with an abandon.
    const mission = await findMission(tx, event.missionId, { lock: true });
    await recordFact(tx, event.missionId, factOf(event));
    // A fact for a mission not (yet) known here is kept; the deposit projects everything known.
    if (mission) await refreshProjection(tx, event.missionId, ctx.clock());
  }
  return [
    {
      groupId: CONSUMER_GROUP,
      topics: [Topics.quote, Topics.expertReview, Topics.expiryScheduler],
      handlers: {
        'quote.submitted': apply,
        'review.decided': apply,
        'mission.deadline-approaching': apply,
        'mission.expired': apply,
        'payment.requested': apply,
      },
    },
  ];
}
