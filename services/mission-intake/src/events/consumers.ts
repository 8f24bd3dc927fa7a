// Other services' events become facts of the mission; the one command handler records each by its
// event id and re-projects the mission from everything known, so any delivery order gives the same
// verdict, and publishes mission.status-changed when the verdict changes.
// mission.received, mission.abandoned and mission.cancelled are this service's own: recorded when
// they happen, never consumed.
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import type { MissionFact } from '@smart-expertise/contracts/procedure';
import type { ConsumerSpec, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import { missionHandler, type Actor, type Learned } from './mission-handler.ts';

export const CONSUMER_GROUP = 'mission-intake';

type Consumed = DomainEvent<
  'quote.submitted' | 'review.decided' | 'mission.deadline-approaching' | 'mission.expired' | 'payment.requested' | 'supplement.submitted' | 'supplement.decided'
>;

export function factOf(event: Consumed): MissionFact {
  switch (event.type) {
    case 'quote.submitted': {
      const p = event.payload;
      return {
        type: 'quote_submitted',
        eventId: event.id,
        at: new Date(p.closedAt),
        procedure: p.procedure,
        quoteId: p.quoteId,
        transmission: p.transmission ?? 1,
        totalInclVatCents: p.calculation?.totalInclVatCents ?? null,
      };
    }
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
        // A decision counts only on the close its case was opened for, and on the transmission it was taken on.
        quoteId: p.quoteId,
        transmission: p.transmission ?? 1,
        ...(p.respondBy === undefined ? {} : { respondBy: new Date(p.respondBy) }),
      };
    }
    case 'supplement.submitted': {
      const p = event.payload;
      return {
        type: 'supplement_submitted',
        eventId: event.id,
        at: new Date(p.submittedAt),
        quoteId: p.quoteId,
        supplementId: p.supplementId,
        number: p.number,
        totalInclVatCents: p.calculation.totalInclVatCents,
      };
    }
    case 'supplement.decided': {
      const p = event.payload;
      return {
        type: 'supplement_decided',
        eventId: event.id,
        at: new Date(p.decidedAt),
        quoteId: p.quoteId,
        supplementId: p.supplementId,
        number: p.number,
        decision: p.decision,
        ...(p.note === null ? {} : { note: p.note }),
        expertName: p.expertName,
        expertPhone: p.expertPhone,
        totalInclVatCents: p.totalInclVatCents,
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

/** Who made the change an event carries: the garage, the expert (office and name), or the scheduler. */
export function actorOf(event: Consumed): Actor {
  switch (event.type) {
    case 'quote.submitted':
      return { actorRole: 'garage', actorOrg: event.payload.garageId, actorName: null, action: 'quote_submitted' };
    case 'review.decided':
      return { actorRole: 'expert', actorOrg: event.payload.expertOfficeId, actorName: event.payload.expertName, action: `review_decided.${event.payload.decision}` };
    case 'mission.deadline-approaching':
      return { actorRole: 'system', actorOrg: 'expiry-scheduler', actorName: null, action: 'deadline_approaching' };
    case 'mission.expired':
      return { actorRole: 'system', actorOrg: 'expiry-scheduler', actorName: null, action: 'expired' };
    case 'payment.requested':
      return { actorRole: 'garage', actorOrg: event.payload.garageId, actorName: null, action: 'payment_requested' };
    case 'supplement.submitted':
      return { actorRole: 'garage', actorOrg: event.payload.garageId, actorName: null, action: 'supplement_submitted' };
    case 'supplement.decided':
      return { actorRole: 'expert', actorOrg: event.payload.expertOfficeId, actorName: event.payload.expertName, action: `supplement_decided.${event.payload.decision}` };
    default: {
      const unknown: never = event;
      throw new Error(`no actor for event ${JSON.stringify(unknown)}`);
    }
  }
}

export function learnedOf(event: Consumed): Learned {
  return { missionId: event.missionId, fact: factOf(event), actor: actorOf(event), correlationId: event.correlationId };
}

export function lifecycleConsumers(ctx: ServiceContext): ConsumerSpec[] {
  const handler = missionHandler(ctx);
  // One event alone (a failing batch is retried this way) takes the same path as a batch.
  const apply = (tx: Tx, event: Consumed) => handler.learn(tx, [learnedOf(event)]);
  const applyBatch = (tx: Tx, events: DomainEvent[]) => handler.learn(tx, (events as Consumed[]).map(learnedOf));

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
        'supplement.submitted': apply,
        'supplement.decided': apply,
      },
      applyBatch,
    },
  ];
}
