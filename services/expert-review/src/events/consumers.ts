// expert-review reads the quote topic only: quote.submitted opens a case from its reviewFile,
// quote.voided withdraws it. It never reads mission.received, so it never holds the owner's
// contact; the quote's events come in order (one key, the mission id), so no cross-topic merge.
import { randomUUID } from 'node:crypto';
import { Topics, type DomainEvent, type EventType } from '@smart-expertise/contracts';
import type { ConsumerSpec, EventHandler, EventHandlers, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import { assess } from '../domain/assessment.ts';
import { decide, fold, initialReviewCase, type ReviewCaseState, type WithdrawCommand } from '../domain/decision.ts';
import { caseMissionOf, caseQuoteOf, policyFactsOf } from '../domain/review-file.ts';
import { caseOfQuoteForUpdate, openCase, openCases, recordWithdrawal, stateOf, type NewCase } from '../store/review-cases.ts';
import { clearQuoteVoid, lockQuote, lockQuotes, recordQuoteVoid, voidOfQuote, voidsOfQuotes, type QuoteVoid } from '../store/quote-voids.ts';

export const CONSUMER_GROUP = 'expert-review';

export function newCaseId(): string {
  return `rv_${randomUUID().replaceAll('-', '')}`;
}

/** The withdraw command of a recorded void. */
function withdrawal(v: QuoteVoid): WithdrawCommand {
  return { type: 'withdraw', missionStatus: v.missionStatus, at: v.voidedAt };
}

/** Decides a withdrawal on a case locked by the caller and stores what `evolve` gives. */
async function withdraw(tx: Tx, caseId: string, state: ReviewCaseState, v: QuoteVoid, at: Date): Promise<void> {
  const result = decide(state, withdrawal(v));
  // Refused only for an instant that is not a date, which the event schema already excludes:
  // thrown, the event is retried then parked with the reason.
  if (!result.ok) throw new Error(`quote ${v.quoteId} cannot withdraw case ${caseId}: ${result.code}: ${result.message}`);
  if (result.events.length === 0) return;
  await recordWithdrawal(tx, caseId, state, fold(state, result.events), at);
}

/** The case a quote.submitted opens. */
function caseOf(event: DomainEvent<'quote.submitted'>, openedAt: Date): NewCase {
  const quote = event.payload;
  const file = quote.reviewFile ?? null;
  return {
    id: newCaseId(),
    missionId: event.missionId,
    quote: caseQuoteOf(quote),
    // A quote.submitted published before reviewFile existed still opens its case, with the
    // platform's default thresholds and no deadline, as a case whose mission was unknown did.
    mission: file && caseMissionOf(file),
    deadline: file ? new Date(file.deadline) : null,
    assessment: assess(quote, file && policyFactsOf(file)),
    openedAt,
  };
}

/**
 * The quote.submitted of a batch in three statements: lock their quotes in id order, open the
 * cases (a quote that has one keeps it), read the voids recorded for the new ones (each withdraws
 * its case at once, as one by one). A quote with any other event in the batch (voided, reinstated)
 * has its events applied one by one by the handlers, in their order, after the others.
 */
async function applyQuoteEvents(tx: Tx, ctx: ServiceContext, events: DomainEvent[], handlers: EventHandlers): Promise<void> {
  const quoteIdOf = (event: DomainEvent) => (event.payload as { quoteId: string }).quoteId;
  const oneByOne = new Set(events.filter((e) => e.type !== 'quote.submitted').map(quoteIdOf));
  const submitted = events.filter((e): e is DomainEvent<'quote.submitted'> => e.type === 'quote.submitted' && !oneByOne.has(quoteIdOf(e)));
  if (submitted.length > 0) {
    await lockQuotes(tx, submitted.map(quoteIdOf));
    const openedAt = ctx.clock();
    const cases = new Map<string, NewCase>();
    // Unique on quote_id: a re-published quote.submitted opens nothing twice; the first one counts.
    for (const event of submitted) if (!cases.has(quoteIdOf(event))) cases.set(quoteIdOf(event), caseOf(event, openedAt));
    const opened = await openCases(tx, [...cases.values()]);
    if (opened.size > 0) {
      for (const recorded of (await voidsOfQuotes(tx, [...opened])).values()) {
        await withdraw(tx, cases.get(recorded.quoteId)!.id, initialReviewCase, recorded, ctx.clock());
      }
    }
  }
  for (const event of events) {
    if (oneByOne.has(quoteIdOf(event))) await (handlers[event.type] as EventHandler<EventType>)(tx, event as never);
  }
}

export function reviewConsumers(ctx: ServiceContext): ConsumerSpec[] {
  const handlers: EventHandlers = {
    'quote.submitted': async (tx, event) => {
      await lockQuote(tx, event.payload.quoteId);
      const reviewCase = caseOf(event, ctx.clock());
      // Unique on quote_id: a redelivered or re-published quote.submitted opens nothing twice.
      if (!(await openCase(tx, reviewCase))) return;
      // A void recorded before the case (possible only out of order) withdraws it at once.
      const recorded = await voidOfQuote(tx, event.payload.quoteId);
      if (recorded) await withdraw(tx, reviewCase.id, initialReviewCase, recorded, ctx.clock());
    },
    'quote.voided': async (tx, event) => {
      const v: QuoteVoid = {
        quoteId: event.payload.quoteId,
        missionId: event.missionId,
        missionStatus: event.payload.missionStatus,
        voidedAt: new Date(event.payload.voidedAt),
      };
      await lockQuote(tx, v.quoteId);
      await recordQuoteVoid(tx, v, ctx.clock());
      const reviewCase = await caseOfQuoteForUpdate(tx, v.quoteId);
      if (!reviewCase) return;
      // The first void recorded is the cause the case keeps, whichever copy this event is.
      const first = (await voidOfQuote(tx, v.quoteId)) ?? v;
      await withdraw(tx, reviewCase.id, stateOf(reviewCase), first, ctx.clock());
    },
    // The one reversal of the procedure: the cancel that voided the quote lost to an earlier validation.
    'quote.reinstated': async (tx, event) => {
      const { quoteId, missionStatus, reinstatedAt } = event.payload;
      await lockQuote(tx, quoteId);
      await clearQuoteVoid(tx, quoteId);
      const reviewCase = await caseOfQuoteForUpdate(tx, quoteId);
      if (!reviewCase) return;
      const state = stateOf(reviewCase);
      const result = decide(state, { type: 'reinstate', missionStatus, at: new Date(reinstatedAt) });
      if (!result.ok) throw new Error(`quote ${quoteId} cannot reinstate case ${reviewCase.id}: ${result.code}: ${result.message}`);
      if (result.events.length === 0) return;
      await recordWithdrawal(tx, reviewCase.id, state, fold(state, result.events), ctx.clock());
    },
  };
  return [
    {
      groupId: CONSUMER_GROUP,
      topics: [Topics.quote],
      handlers,
      applyBatch: (tx, events) => applyQuoteEvents(tx, ctx, events, handlers),
    },
  ];
}
