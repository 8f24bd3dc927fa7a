// /v1/quotes: create, read, calculation, Smart frame, vehicle status, close.
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import { Problem } from '@smart-expertise/contracts';
import {
  CalculationView,
  CreateQuoteBody,
  PutCalculationBody,
  QuoteParams,
  QuoteView,
  SmartFrameBody,
  VehicleStatusBody,
} from '@smart-expertise/contracts/http/quote';
import { withTransaction, type App, type Principal, type ServiceContext, type Tx } from '@smart-expertise/service-runtime';
import { checkClientTotals, computeTotals } from '../domain/calculation.ts';
import { closingConditions, missionConflicts, type QuoteDraft } from '../domain/closing.ts';
import type { QuoteServiceConfig } from '../config.ts';
import { quoteSubmittedPayload } from '../events/published.ts';
import { findMission, type KnownMission } from '../store/missions.ts';
import { listPhotos } from '../store/photos.ts';
import {
  closeQuote,
  findLiveQuoteOfMission,
  findQuote,
  insertQuote,
  saveCalculation,
  saveSmartFrame,
  saveVehicleStatus,
  type QuoteRecord,
} from '../store/quotes.ts';
import { missionView, quoteForCaller } from './access.ts';
import { pointer, problems } from './problems.ts';
import { calculationView, conflictProblem, quoteView } from './views.ts';

const tags = ['quotes'];
const ProblemRef = Type.Unsafe<Problem>({ $ref: 'Problem#' });
const errors = { 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef };

/**
 * Runs `work` on a draft the caller's garage may change, with the mission and quote rows locked:
 * a closed quote is immutable (409 quote_closed), and a mission that left the Smart procedure or
 * whose deadline passed accepts no more work (409).
 */
export async function changeDraft<T>(
  ctx: ServiceContext<QuoteServiceConfig>,
  principal: Principal,
  quoteId: string,
  work: (tx: Tx, quote: QuoteRecord, mission: KnownMission, now: Date) => Promise<T>,
): Promise<T> {
  return withTransaction(ctx.pool, async (tx) => {
    const { quote, mission } = await quoteForCaller(tx, principal, quoteId, { lock: true, garageOnly: true });
    const now = ctx.clock();
    if (quote.status === 'closed') throw problems.quoteClosed(`quote ${quote.id} was closed at ${quote.closedAt!.toISOString()} and can no longer change`);
    const conflicts = missionConflicts(missionView(mission, null), now);
    if (conflicts.length > 0) throw conflictProblem(conflicts);
    return work(tx, quote, mission, now);
  });
}

export async function quoteRoutes(app: App, ctx: ServiceContext<QuoteServiceConfig>): Promise<void> {
  app.post(
    '/v1/quotes',
    {
      config: { roles: ['garage'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 4 * 1024,
      schema: {
        tags,
        summary: 'Create a draft quote based on a mission of the garage',
        description:
          'Every administrative field is copied from the mission. Only for a mission still awaiting its quote and before its deadline; one live quote per mission (409). ' +
          'A mission the quote service has not yet learnt of (mission.received still in flight) answers 404 like an unknown one: retry shortly.',
        body: CreateQuoteBody,
        response: { 201: QuoteView, ...errors },
      },
    },
    async (request, reply) => {
      const { missionId, procedure = 'standard' } = request.body;
      const view = await withTransaction(ctx.pool, async (tx) => {
        const mission = await findMission(tx, missionId, { forUpdate: true });
        if (!mission || mission.garageId !== request.principal.org) throw problems.missionNotFound(`no mission ${missionId}`);
        const existing = await findLiveQuoteOfMission(tx, missionId);
        if (existing) throw problems.quoteAlreadyExists(`mission ${missionId} already has quote ${existing.id}`, { quoteId: existing.id });
        const now = ctx.clock();
        const conflicts = missionConflicts(missionView(mission, null), now);
        if (conflicts.length > 0) throw conflictProblem(conflicts);
        const quote = await insertQuote(tx, {
          id: `q_${randomUUID().replaceAll('-', '')}`,
          missionId,
          garageId: mission.garageId,
          procedure,
          administrative: mission.snapshot,
          now,
        }).catch((error: { code?: string; constraint?: string }) => {
          if (error.code === '23505') throw problems.quoteAlreadyExists(`mission ${missionId} already has a quote`);
          throw error;
        });
        return quoteView(tx, quote, mission);
      });
      return reply.code(201).header('location', `/v1/quotes/${view.id}`).send(view);
    },
  );

  app.get(
    '/v1/quotes/:id',
    {
      config: { roles: ['garage', 'expert', 'insurer'] },
      schema: {
        tags,
        summary: 'Read a quote (the garage of the mission, its expert office, its insurer)',
        params: QuoteParams,
        response: { 200: QuoteView, 404: ProblemRef },
      },
    },
    async (request) => {
      const { quote, mission } = await quoteForCaller(ctx.pool, request.principal, request.params.id);
      return quoteView(ctx.pool, quote, mission);
    },
  );

  app.put(
    '/v1/quotes/:id/calculation',
    {
      config: { roles: ['garage'] },
      schema: {
        tags,
        summary: 'Attach the Audatex calculation; the service computes the totals',
        description:
          'Lines of parts, labour (hours × hourly rate), paint and sundries, optional discount per line; VAT 21 % by default, 6 % accepted. ' +
          'Totals are computed in integer cents with the rounding rule returned in `roundingRule`. Totals sent in `totals` that differ are refused (422) with both figures. ' +
          'Standard procedure only.',
        params: QuoteParams,
        body: PutCalculationBody,
        response: { 200: CalculationView, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      return changeDraft(ctx, request.principal, request.params.id, async (tx, quote, _mission, now) => {
        if (quote.procedure !== 'standard') throw problems.wrongProcedure('a total-loss file carries no calculation (seed §5)');
        const result = computeTotals({ calculationNumber: body.calculationNumber, lines: body.lines, vatRate: body.vatRate });
        if (!result.ok) {
          throw problems.calculationInvalid(result.errors.map((e) => `${e.path} ${e.message}`).join('; '), {
            errors: result.errors.map((e) => ({ path: pointer(e.path), message: e.message })),
          });
        }
        const mismatches = checkClientTotals(result.totals, body.totals);
        if (mismatches.length > 0) {
          throw problems.calculationTotalsMismatch(mismatches.map((m) => m.message).join('; '), {
            errors: mismatches.map((m) => ({ path: pointer(`totals.${m.field}`), message: `sent ${m.sentCents}, computed ${m.computedCents}` })),
            mismatches: mismatches.map(({ field, sentCents, computedCents }) => ({ field, sentCents, computedCents })),
          });
        }
        const stored = { calculationNumber: body.calculationNumber, vatRate: result.totals.vatRate, lines: body.lines };
        await saveCalculation(tx, quote.id, stored, result.totals, now);
        return calculationView({ ...quote, calculation: stored, calculationTotals: result.totals })!;
      });
    },
  );

  app.put(
    '/v1/quotes/:id/smart-frame',
    {
      config: { roles: ['garage'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 4 * 1024,
      schema: {
        tags,
        summary: 'Answer the five questions of the Smart frame (all required)',
        description: 'Standard procedure only; every answer is a boolean and none may be left out (seed §2: "complétez entièrement le cadre Smart").',
        params: QuoteParams,
        body: SmartFrameBody,
        response: { 200: QuoteView, ...errors },
      },
    },
    async (request) => {
      return changeDraft(ctx, request.principal, request.params.id, async (tx, quote, mission, now) => {
        if (quote.procedure !== 'standard') throw problems.wrongProcedure('the Smart frame belongs to the standard procedure; a total-loss file gives the vehicle status');
        await saveSmartFrame(tx, quote.id, request.body, now);
        return quoteView(tx, (await findQuote(tx, quote.id))!, mission);
      });
    },
  );

  app.put(
    '/v1/quotes/:id/vehicle-status',
    {
      config: { roles: ['garage'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        summary: 'Give the vehicle status of a probable total loss',
        description: 'Total-loss procedure only (seed §5: "Précisez le statut du véhicule et introduisez des photos").',
        params: QuoteParams,
        body: VehicleStatusBody,
        response: { 200: QuoteView, ...errors },
      },
    },
    async (request) => {
      return changeDraft(ctx, request.principal, request.params.id, async (tx, quote, mission, now) => {
        if (quote.procedure !== 'total_loss') throw problems.wrongProcedure('the vehicle status belongs to the total-loss procedure');
        await saveVehicleStatus(tx, quote.id, request.body.vehicleStatus, request.body.note ?? null, now);
        return quoteView(tx, (await findQuote(tx, quote.id))!, mission);
      });
    },
  );

  app.post(
    '/v1/quotes/:id/close',
    {
      config: { roles: ['garage'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 1024,
      schema: {
        tags,
        summary: 'Close and transmit the quote',
        description:
          '409 when the deadline has passed, the mission was abandoned or expired, or the quote is already closed (a second close, also a concurrent one, is 409 quote_already_closed: one submission only). ' +
          '422 lists every unmet condition at once in `errors`. On success the quote is immutable and quote.submitted is published.',
        params: QuoteParams,
        response: { 200: QuoteView, ...errors },
      },
    },
    async (request) => {
      return withTransaction(ctx.pool, async (tx) => {
        const { quote, mission } = await quoteForCaller(tx, request.principal, request.params.id, { lock: true, garageOnly: true });
        const now = ctx.clock();
        const photos = await listPhotos(tx, quote.id);
        const draft: QuoteDraft = {
          procedure: quote.procedure,
          status: quote.status,
          calculation: quote.calculation,
          photoIds: photos.map((p) => p.id),
          smartFrame: quote.smartFrame,
          vehicleStatus: quote.vehicleStatus,
        };
        const { conflicts, unmet } = closingConditions(draft, missionView(mission, quote.closedAt), now);
        if (conflicts.length > 0) throw conflictProblem(conflicts);
        if (unmet.length > 0) {
          throw problems.closingConditionsUnmet(unmet.map((c) => c.message).join('; '), {
            errors: unmet.map((c) => ({ path: pointer(c.field ?? ''), message: c.message })),
            conditions: unmet,
          });
        }
        if (!(await closeQuote(tx, quote.id, now))) throw problems.quoteAlreadyClosed('the quote is already closed');
        const closed = (await findQuote(tx, quote.id))!;
        await ctx.outbox.append(tx, {
          type: 'quote.submitted',
          missionId: quote.missionId,
          payload: quoteSubmittedPayload(closed, photos, now),
          correlationId: request.id,
          occurredAt: now,
        });
        return quoteView(tx, closed, mission);
      });
    },
  );
}
