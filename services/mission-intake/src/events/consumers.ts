// Other services' events become lifecycle facts: each one is recorded by its event id and the
// mission is re-projected from everything known, so any delivery order gives the same state.
// mission.received and mission.abandoned are this service's own: recorded when they happen, never consumed.
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import type { ConsumerSpec, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import { evolve, initialState, project, type MissionFact, type MissionState, type MissionView } from '../domain/lifecycle.ts';
import { factsOfMissions, recordFact, recordFacts } from '../store/facts.ts';
import { refreshProjection } from '../store/lifecycle.ts';
import { findMission, lockMissions, saveProjections } from '../store/missions.ts';
import { recordAudit, recordAudits, type AuditEntry } from '../store/audit.ts';

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

/** Who made the change an event carries: the garage, the expert (office and name), or the scheduler. */
export function actorOf(event: Parameters<typeof factOf>[0]): Pick<AuditEntry, 'actorRole' | 'actorOrg' | 'actorName' | 'action'> {
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
    default: {
      const unknown: never = event;
      throw new Error(`no actor for event ${JSON.stringify(unknown)}`);
    }
  }
}

export function lifecycleConsumers(ctx: ServiceContext): ConsumerSpec[] {
  async function apply(tx: Tx, event: Parameters<typeof factOf>[0]): Promise<void> {
    // The row lock serialises this mission's events with each other and with an abandon.
    const mission = await findMission(tx, event.missionId, { lock: true });
    const fresh = await recordFact(tx, event.missionId, factOf(event));
    // A fact for a mission not (yet) known here is kept; the deposit projects everything known.
    const view = mission ? await refreshProjection(tx, event.missionId, ctx.clock()) : null;
    // The audit trail: who changed the state, in the same transaction (a redelivery adds nothing).
    if (fresh) {
      await recordAudit(tx, { ...actorOf(event), missionId: event.missionId, at: ctx.clock(), fromStatus: mission?.status ?? null, toStatus: view?.status ?? null, eventId: event.id });
    }
  }
  /**
   * The same as `apply` for each event in turn, in five statements for the whole batch: lock the
   * missions, record the facts, read every fact of those missions, write the projections, write
   * the audit entries. Each audit entry still names the status before and after its own event.
   */
  async function applyBatch(tx: Tx, events: DomainEvent[]): Promise<void> {
    const applied = events as Array<Parameters<typeof factOf>[0]>;
    const facts = applied.map((event) => ({ missionId: event.missionId, fact: factOf(event) }));
    const status = new Map<string, string | null>(await lockMissions(tx, [...new Set(applied.map((e) => e.missionId))]));
    const fresh = await recordFacts(tx, facts);
    // Each known mission's knowledge before this batch; its events are then added one at a time.
    const states = new Map<string, MissionState>();
    for (const [missionId, known] of await factsOfMissions(tx, [...status.keys()])) {
      states.set(missionId, known.filter((fact) => !fresh.has(fact.eventId)).reduce(evolve, initialState));
    }
    const at = ctx.clock();
    const views = new Map<string, MissionView>();
    const audits: AuditEntry[] = [];
    applied.forEach((event, i) => {
      const before = states.get(event.missionId);
      let view: MissionView | null = null;
      if (before) {
        const after = evolve(before, facts[i]!.fact);
        states.set(event.missionId, after);
        view = project(after);
        views.set(event.missionId, view);
      }
      if (fresh.has(event.id)) {
        audits.push({ ...actorOf(event), missionId: event.missionId, at, fromStatus: status.get(event.missionId) ?? null, toStatus: view?.status ?? null, eventId: event.id });
      }
      if (view) status.set(event.missionId, view.status);
    });
    await saveProjections(tx, views, at);
    await recordAudits(tx, audits);
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
      applyBatch,
    },
  ];
}
