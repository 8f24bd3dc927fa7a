// mission-intake's events → the local copy of the mission, and what its verdict does to the
// mission's quotes. Each handler runs in the inbox transaction (`tx`), so its effect, the outbox
// events it appends and the "applied" mark commit together: a redelivered event changes nothing.
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import { quoteStatusAfterVerdict } from '@smart-expertise/contracts/procedure';
import type { ConsumerSpec, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import type { QuoteServiceConfig } from '../config.ts';
import { decide } from '../domain/quote.ts';
import { findMission, lockMissions, recordReceived, recordReceivedMany, recordStatusChanged, recordVerdicts } from '../store/missions.ts';
import { listQuotesOfMission, quoteStatusesOfMissions, storeQuoteEvents } from '../store/quotes.ts';
import { publishQuoteEvents } from './published.ts';

export function quoteConsumers(ctx: ServiceContext<QuoteServiceConfig>): ConsumerSpec[] {
  const handlers = {
    'mission.received': async (tx: Tx, event: DomainEvent<'mission.received'>) => {
      await recordReceived(tx, event.payload);
    },
    'mission.status-changed': async (tx: Tx, event: DomainEvent<'mission.status-changed'>) => {
      await applyVerdict(tx, ctx, event);
    },
  };
  return [
    {
      groupId: 'quote',
      // mission-intake is the authority on the mission: its topic is all this service reads.
      topics: [Topics.missionIntake],
      handlers,
      applyBatch: (tx, events) => applyMissionEvents(tx, events, handlers),
    },
  ];
}

/**
 * A consumed batch in a few statements: lock its missions in id order, read the quotes the verdicts
 * concern, keep each mission's first reception and latest verdict. A mission whose verdict changes
 * one of its quotes (voids or reinstates it, which is rare) has its events applied one by one by the
 * handlers instead, in their order, after the others: what they decide and publish stays theirs.
 * The mission rows are locked before the quotes are read, as every HTTP command does.
 */
async function applyMissionEvents(
  tx: Tx,
  events: DomainEvent[],
  handlers: { 'mission.received': (tx: Tx, event: DomainEvent<'mission.received'>) => Promise<void>; 'mission.status-changed': (tx: Tx, event: DomainEvent<'mission.status-changed'>) => Promise<void> },
): Promise<void> {
  const received = new Map<string, DomainEvent<'mission.received'>>();
  const verdicts = new Map<string, DomainEvent<'mission.status-changed'>[]>();
  for (const event of events) {
    if (event.type === 'mission.received') {
      if (!received.has(event.missionId)) received.set(event.missionId, event as DomainEvent<'mission.received'>);
    } else if (event.type === 'mission.status-changed') {
      verdicts.set(event.missionId, [...(verdicts.get(event.missionId) ?? []), event as DomainEvent<'mission.status-changed'>]);
    }
  }
  await lockMissions(tx, [...new Set(events.map((e) => e.missionId))]);
  const quotes = verdicts.size > 0 ? await quoteStatusesOfMissions(tx, [...verdicts.keys()]) : new Map<string, never[]>();
  const oneByOne = new Set<string>();
  for (const [missionId, ofMission] of quotes) {
    const changes = verdicts.get(missionId)!.some(({ payload }) =>
      ofMission.some((quote) => quoteStatusAfterVerdict(quote, payload) !== quote.status),
    );
    if (changes) oneByOne.add(missionId);
  }
  await recordReceivedMany(tx, [...received].filter(([id]) => !oneByOne.has(id)).map(([, event]) => event.payload));
  await recordVerdicts(
    tx,
    [...verdicts]
      .filter(([id]) => !oneByOne.has(id))
      .map(([id, ofMission]) => ({ id, status: ofMission.at(-1)!.payload.status, outcome: ofMission.at(-1)!.payload.outcome })),
  );
  for (const event of events) {
    if (!oneByOne.has(event.missionId)) continue;
    if (event.type === 'mission.received') await handlers['mission.received'](tx, event as DomainEvent<'mission.received'>);
    else if (event.type === 'mission.status-changed') await handlers['mission.status-changed'](tx, event as DomainEvent<'mission.status-changed'>);
  }
}

/**
 * Keeps the verdict on the copy, then decides it on each quote of the mission: what lost is voided,
 * and a voided closed quote is announced (quote.voided) in the same transaction. The mission row
 * is locked first, then the quotes, the order of the HTTP commands: a close and the verdict that
 * voids it are applied one after the other.
 */
async function applyVerdict(tx: Tx, ctx: ServiceContext<QuoteServiceConfig>, event: DomainEvent<'mission.status-changed'>): Promise<void> {
  const { status, voidedQuoteIds, quoteId, changedAt } = event.payload;
  await recordStatusChanged(tx, event.missionId, event.payload);
  const mission = await findMission(tx, event.missionId);
  // A mission never received here has no quote to judge.
  if (!mission) return;
  for (const quote of await listQuotesOfMission(tx, mission.id, { forUpdate: true })) {
    const decision = decide({ mission, quote }, { type: 'apply_verdict', status, voidedQuoteIds, quoteId, at: new Date(changedAt) });
    if (!decision.ok) throw new Error(`verdict ${event.id} on quote ${quote.id} refused: ${decision.refusal.message}`);
    if (decision.events.length === 0) continue;
    const stored = await storeQuoteEvents(tx, quote, mission, decision.events);
    await publishQuoteEvents(tx, ctx.outbox, { events: decision.events, quote: stored, mission, correlationId: event.correlationId, causationId: event.id });
  }
}
