// expert-review reads the quote topic only: quote.submitted opens a case from its reviewFile (or,
// after a request for information, records the quote's next transmission on it), quote.voided
// withdraws it, quote.reinstated brings it back, supplement.submitted adds a supplement for hidden damage. It never reads
// mission.received, so it never holds the owner's contact; the quote's events come in order (one
// key, the mission id), so no cross-topic merge.
import { randomUUID } from 'node:crypto';
import { Topics, type DomainEvent, type EventType } from '@smart-expertise/contracts';
import { reviewDueAt } from '@smart-expertise/contracts/procedure';
import type { ConsumerSpec, EventHandler, EventHandlers, ServiceContext, Tx } from '@smart-expertise/service-runtime';
import { assess, type MissionPolicyFacts } from '../domain/assessment.ts';
import { decide, fold, openedAt as caseOpenedAt, withRecord, type ReviewCaseState, type WithdrawCommand } from '../domain/decision.ts';
import { caseMissionOf, caseQuoteOf, policyFactsOf } from '../domain/review-file.ts';
import {
  caseOfQuoteForUpdate,
  decisionsOf,
  openCase,
  openCases,
  recordTransmission,
  recordWithdrawal,
  stateOf,
  type CaseTransmission,
  type NewCase,
  type ReviewCaseRow,
} from '../store/review-cases.ts';
import { recordSupplement } from '../store/supplements.ts';
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

/** The transmission of a quote.submitted (absent: the first). */
function transmissionNumberOf(event: DomainEvent<'quote.submitted'>): number {
  return event.payload.transmission ?? 1;
}

/**
 * What a quote.submitted brings to its case. Its reviewFile is the quote service's latest view of
 * the mission and policy; a transmission without one (an old event) is assessed with what the case
 * already holds, or the platform's defaults.
 */
function transmissionOf(event: DomainEvent<'quote.submitted'>, held: Pick<ReviewCaseRow, 'mission' | 'policy'> | null): CaseTransmission {
  const quote = event.payload;
  const file = quote.reviewFile ?? null;
  const policy = file?.policy ?? held?.policy ?? null;
  const heldFacts: MissionPolicyFacts | null =
    held?.policy ? { vehicleValueCents: held.mission?.vehicle.valueCents, minPhotos: held.policy.minPhotos, reviewThresholds: held.policy.reviewThresholds } : null;
  return {
    transmission: transmissionNumberOf(event),
    quote: caseQuoteOf(quote),
    // A quote.submitted published before reviewFile existed still opens its case, with the
    // platform's default thresholds and no deadline, as a case whose mission was unknown did.
    mission: file && caseMissionOf(file),
    policy,
    deadline: file ? new Date(file.deadline) : null,
    assessment: assess(quote, file ? policyFactsOf(file) : heldFacts),
    // The office's answer is due the policy's working days after the quote reached it.
    dueAt: reviewDueAt(new Date(quote.closedAt), policy),
  };
}

/** The case a quote.submitted opens. */
function caseOf(event: DomainEvent<'quote.submitted'>, openedAt: Date): NewCase {
  return { id: newCaseId(), missionId: event.missionId, openedAt, ...transmissionOf(event, null) };
}

/**
 * The first transmissions of a batch in three statements: lock their quotes in id order, open the
 * cases (a quote that has one keeps it), read the voids recorded for the new ones (each withdraws
 * its case at once, as one by one). A quote with any rarer event in the batch (voided, reinstated,
 * a supplement, or a transmission after a request for information) has all its events applied one
 * by one by the handlers, in their order, after the others.
 */
async function applyQuoteEvents(tx: Tx, ctx: ServiceContext, events: DomainEvent[], handlers: EventHandlers): Promise<void> {
  const quoteIdOf = (event: DomainEvent) => (event.payload as { quoteId: string }).quoteId;
  const rare = (e: DomainEvent) => e.type !== 'quote.submitted' || transmissionNumberOf(e as DomainEvent<'quote.submitted'>) > 1;
  const oneByOne = new Set(events.filter(rare).map(quoteIdOf));
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
        const opened = cases.get(recorded.quoteId)!;
        await withdraw(tx, opened.id, caseOpenedAt(opened.transmission), recorded, ctx.clock());
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
      const { quoteId } = event.payload;
      await lockQuote(tx, quoteId);
      const held = await caseOfQuoteForUpdate(tx, quoteId);
      if (held) {
        // The quote already has its case: this is its next transmission (the garage's answer to a
        // request for information), or a copy of one already recorded, which changes nothing.
        const state = stateOf(held);
        const transmission = transmissionOf(event, held);
        const result = decide(state, { type: 'retransmit', transmission: transmission.transmission, at: new Date(event.payload.closedAt) });
        // Refused only for a transmission that cannot follow (one was lost, or no information was
        // requested): thrown, the event is retried then parked with the reason for ops.
        if (!result.ok) throw new Error(`quote ${quoteId} cannot bring transmission ${transmission.transmission} to case ${held.id}: ${result.code}: ${result.message}`);
        if (result.events.length === 0) return;
        await recordTransmission(tx, held.id, state, fold(state, result.events), transmission, ctx.clock());
        return;
      }
      // A case first learned at a later transmission (its first quote.submitted was never applied)
      // opens on the quote as it stands now.
      const reviewCase = caseOf(event, ctx.clock());
      if (!(await openCase(tx, reviewCase))) return;
      // A void recorded before the case (possible only out of order) withdraws it at once.
      const recorded = await voidOfQuote(tx, quoteId);
      if (recorded) await withdraw(tx, reviewCase.id, caseOpenedAt(reviewCase.transmission), recorded, ctx.clock());
    },
    // Kept by quote whether or not its case exists yet: the case shows it once it opens. A copy
    // of a recorded supplement changes nothing, not even a decision already taken on it.
    'supplement.submitted': async (tx, event) => {
      await lockQuote(tx, event.payload.quoteId);
      await recordSupplement(tx, event.missionId, event.payload, ctx.clock());
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
    // The void lost after all: the cancel to an earlier validation, or the expiry to an answer on time.
    'quote.reinstated': async (tx, event) => {
      const { quoteId, missionStatus, reinstatedAt } = event.payload;
      await lockQuote(tx, quoteId);
      await clearQuoteVoid(tx, quoteId);
      const reviewCase = await caseOfQuoteForUpdate(tx, quoteId);
      if (!reviewCase) return;
      // The case comes back as its own decisions say, which the stored status no longer shows.
      const state = withRecord(stateOf(reviewCase), await decisionsOf(tx, reviewCase.id));
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
