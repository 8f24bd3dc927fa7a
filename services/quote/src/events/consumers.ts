// mission-intake's events → the local copy of the mission, and what its verdict does to the
// mission's quotes; expert-review's decisions on supplements → the supplements. Each handler runs
// in the inbox transaction (`tx`), so its effect, the outbox events it appends and the "applied"
// mark commit together: a redelivered event changes nothing.
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import { quoteStatusAfterVerdict } from '@smart-expertise/contracts/procedure';
import type { ConsumerSpec, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import type { QuoteServiceConfig } from '../config.ts';
import { decide } from '../domain/quote.ts';
import { decideSupplement } from '../domain/supplement.ts';
import { findMission, lockMissions, recordReceived, recordReceivedMany, recordStatusChanged, recordVerdicts } from '../store/missions.ts';
import { findQuote, listQuotesOfMission, lockQuoteAndMission, quoteStatusesOfMissions, storeQuoteEvents } from '../store/quotes.ts';
import { findSupplement, storeSupplementEvents } from '../store/supplements.ts';
import { publishQuoteEvents, publishSupplementEvents } from './published.ts';

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
    {
      // The expert's decisions on supplements, from expert-review's topic; a group of its own, so
      // the mission events' batch path above stays about missions only.
      groupId: 'quote-supplements',
      topics: [Topics.expertReview],
      handlers: {
        'supplement.decided': async (tx: Tx, event: DomainEvent<'supplement.decided'>) => {
          await applySupplementDecision(tx, ctx, event);
        },
      },
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
      .map(([id, ofMission]) => ({ id, ...ofMission.at(-1)!.payload })),
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
  const { status, voidedQuoteIds, quoteId, transmission, changedAt } = event.payload;
  await recordStatusChanged(tx, event.missionId, event.payload);
  const mission = await findMission(tx, event.missionId);
  // A mission never received here has no quote to judge.
  if (!mission) return;
  for (const quote of await listQuotesOfMission(tx, mission.id, { forUpdate: true })) {
    const decision = decide({ mission, quote }, { type: 'apply_verdict', status, voidedQuoteIds, quoteId, transmission, at: new Date(changedAt) });
    if (!decision.ok) throw new Error(`verdict ${event.id} on quote ${quote.id} refused: ${decision.refusal.message}`);
    if (decision.events.length === 0) continue;
    const stored = await storeQuoteEvents(tx, quote, mission, decision.events);
    await publishQuoteEvents(tx, ctx.outbox, { events: decision.events, quote: stored, mission, correlationId: event.correlationId, causationId: event.id });
  }
}

/**
 * The expert's decision on a supplement: locks the mission, the quote and the supplement (the
 * order of the HTTP commands), decides and stores it. The first decision stands; one on a
 * supplement this service never had submitted is refused, and the event is parked for ops to see.
 */
async function applySupplementDecision(tx: Tx, ctx: ServiceContext<QuoteServiceConfig>, event: DomainEvent<'supplement.decided'>): Promise<void> {
  const { quoteId, supplementId, decision, note, expertName, expertPhone, decidedAt } = event.payload;
  const missionId = await lockQuoteAndMission(tx, quoteId);
  const mission = missionId ? await findMission(tx, missionId) : null;
  const quote = missionId ? await findQuote(tx, quoteId) : null;
  const supplement = quote ? await findSupplement(tx, quoteId, supplementId, { forUpdate: true }) : null;
  if (!mission || !quote) throw new Error(`supplement.decided ${event.id}: no quote ${quoteId} here`);
  const result = decideSupplement(
    { mission, quote, supplement },
    { type: 'record_supplement_decision', decision, note, expert: { name: expertName, phone: expertPhone }, at: new Date(decidedAt) },
  );
  if (!result.ok) throw new Error(`supplement.decided ${event.id} on supplement ${supplementId} refused: ${result.refusal.message}`);
  if (result.events.length === 0) return;
  const stored = await storeSupplementEvents(tx, supplement, result.events);
  await publishSupplementEvents(tx, ctx.outbox, { events: result.events, supplement: stored, quote, mission, correlationId: event.correlationId, causationId: event.id });
}
