// mission-intake's events → the local copy of the mission, and what its verdict does to the
// mission's quotes. Each handler runs in the inbox transaction (`tx`), so its effect, the outbox
// events it appends and the "applied" mark commit together: a redelivered event changes nothing.
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import type { ConsumerSpec, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import type { QuoteServiceConfig } from '../config.ts';
import { decide } from '../domain/quote.ts';
import { findMission, recordReceived, recordStatusChanged } from '../store/missions.ts';
import { findQuote, listQuotesOfMission, recordQuoteEvents } from '../store/quotes.ts';
import { publishQuoteEvents } from './published.ts';

export function quoteConsumers(ctx: ServiceContext<QuoteServiceConfig>): ConsumerSpec[] {
  return [
    {
      groupId: 'quote',
      // mission-intake is the authority on the mission: its topic is all this service reads.
      topics: [Topics.missionIntake],
      handlers: {
        'mission.received': async (tx, event) => {
          await recordReceived(tx, event.payload);
        },
        'mission.status-changed': async (tx, event) => {
          await applyVerdict(tx, ctx, event);
        },
      },
    },
  ];
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
    await recordQuoteEvents(tx, quote.id, decision.events);
    const stored = (await findQuote(tx, quote.id))!;
    await publishQuoteEvents(tx, ctx.outbox, { events: decision.events, quote: stored, mission, correlationId: event.correlationId, causationId: event.id });
  }
}
