// /v1/quotes: create, read, calculation, Smart frame, vehicle status, close, discard.
// Each command is the same four steps: load the state (rows locked), decide, store, publish.
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import { Problem } from '@smart-expertise/contracts';
import {
  CalculationView,
  CreateQuoteBody,
  DiscardQuoteBody,
  PutCalculationBody,
  QuoteParams,
  QuoteView,
  SmartFrameBody,
  VehicleStatusBody,
} from '@smart-expertise/contracts/http/quote';
import { withTransaction, type App, type Principal, type ServiceContext, type Tx } from '@smart-expertise/service-runtime';
import { decide, type QuoteCommand, type QuoteEvent } from '../domain/quote.ts';
import type { QuoteServiceConfig } from '../config.ts';
import { publishQuoteEvents } from '../events/published.ts';
import { findMission, type KnownMission } from '../store/missions.ts';
import { listPhotos, type PhotoRecord } from '../store/photos.ts';
import { findQuote, recordQuoteEvents, storeQuoteEvents, type QuoteRecord } from '../store/quotes.ts';
import { quoteForCaller } from './access.ts';
import { problemOf, problems } from './problems.ts';
import { calculationView, quoteView } from './views.ts';

const tags = ['quotes'];
const ProblemRef = Type.Unsafe<Problem>({ $ref: 'Problem#' });
const errors = { 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef };

export interface Decided {
  events: readonly QuoteEvent[];
  /** The quote as stored after the events. */
  quote: QuoteRecord;
  mission: KnownMission;
  /** The quote's photos, when the command had to read them (a close publishes them). */
  photos?: PhotoRecord[];
}

/**
 * Decides `command` on the caller's garage's quote, in `tx`, with the mission and quote rows
 * locked (mission first, as the consumer does): loads the state, decides, stores the events and
 * appends what other services must hear of to the outbox. A refusal is thrown as its problem.
 */
export async function decideOnQuote(
  tx: Tx,
  ctx: ServiceContext<QuoteServiceConfig>,
  principal: Principal,
  quoteId: string,
  command: QuoteCommand,
  correlationId: string,
): Promise<Decided> {
  const { quote, mission } = await quoteForCaller(tx, principal, quoteId, { lock: true, garageOnly: true });
  const decision = decide({ mission, quote }, command);
  if (!decision.ok) throw problemOf(decision.refusal);
  if (decision.events.length === 0) return { events: [], quote, mission };
  const stored = await storeQuoteEvents(tx, quote, mission, decision.events);
  // A close publishes the photos; read once, they also answer the request.
  const photos = decision.events.some((e) => e.type === 'quote_closed') ? await listPhotos(tx, quote.id) : undefined;
  await publishQuoteEvents(tx, ctx.outbox, { events: decision.events, quote: stored, mission, correlationId, photos });
  return { events: decision.events, quote: stored, mission, photos };
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
          'Every administrative field is copied from the mission. Only for a new mission before its deadline (409 mission_abandoned, mission_cancelled, mission_expired, mission_not_awaiting_quote, deadline_passed); ' +
          'one live quote per mission (409 quote_already_exists) — once the draft is discarded, another (for example a total-loss quote) may be created. ' +
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
        const quoteId = `q_${randomUUID().replaceAll('-', '')}`;
        const decision = decide({ mission, quote: null }, { type: 'create', quoteId, procedure, at: ctx.clock() });
        if (!decision.ok) throw problemOf(decision.refusal);
        await recordQuoteEvents(tx, quoteId, decision.events).catch((error: { code?: string }) => {
          // The mission row lock makes this a safety net: `quotes_one_live_per_mission` has the last word.
          if (error.code === '23505') throw problems.quoteAlreadyExists(`mission ${missionId} already has a quote`);
          throw error;
        });
        return quoteView(tx, (await findQuote(tx, quoteId))!, mission, request.principal);
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
        description: 'The expert office reads the administrative data without the owner’s phone and e-mail.',
        params: QuoteParams,
        response: { 200: QuoteView, 404: ProblemRef },
      },
    },
    async (request) => {
      const { quote, mission } = await quoteForCaller(ctx.pool, request.principal, request.params.id);
      return quoteView(ctx.pool, quote, mission, request.principal);
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
      const { calculationNumber, lines, vatRate, totals } = request.body;
      const command: QuoteCommand = { type: 'set_calculation', calculation: { calculationNumber, lines, vatRate, totals }, at: ctx.clock() };
      const { quote } = await withTransaction(ctx.pool, (tx) => decideOnQuote(tx, ctx, request.principal, request.params.id, command, request.id));
      return calculationView(quote)!;
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
      const command: QuoteCommand = { type: 'set_smart_frame', smartFrame: request.body, at: ctx.clock() };
      return withTransaction(ctx.pool, async (tx) => {
        const { quote, mission } = await decideOnQuote(tx, ctx, request.principal, request.params.id, command, request.id);
        return quoteView(tx, quote, mission, request.principal);
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
      const command: QuoteCommand = { type: 'set_vehicle_status', vehicleStatus: request.body.vehicleStatus, note: request.body.note ?? null, at: ctx.clock() };
      return withTransaction(ctx.pool, async (tx) => {
        const { quote, mission } = await decideOnQuote(tx, ctx, request.principal, request.params.id, command, request.id);
        return quoteView(tx, quote, mission, request.principal);
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
          '409 when the deadline has passed or the mission no longer awaits a quote (abandoned, cancelled, expired; all conflicts in `conflicts`), when the quote was voided or discarded, ' +
          'or when it is already closed (a second close, also a concurrent one, is 409 quote_already_closed: one submission only). ' +
          '422 lists every unmet condition at once in `errors`. On success the quote is immutable and quote.submitted is published, with the review file the expert office reads.',
        params: QuoteParams,
        response: { 200: QuoteView, ...errors },
      },
    },
    async (request) => {
      const command: QuoteCommand = { type: 'close', at: ctx.clock() };
      return withTransaction(ctx.pool, async (tx) => {
        const { quote, mission, photos } = await decideOnQuote(tx, ctx, request.principal, request.params.id, command, request.id);
        return quoteView(tx, quote, mission, request.principal, photos);
      });
    },
  );

  app.post(
    '/v1/quotes/:id/discard',
    {
      config: { roles: ['garage'] },
      /** Per-route body limit (413 above); the runtime caps it at BODY_LIMIT_BYTES. */
      bodyLimit: 4 * 1024,
      schema: {
        tags,
        summary: 'Discard a draft quote, so that another one can be created for the mission',
        description:
          'Body `reason` (1–500 characters). Only a draft, never closed, while the mission still awaits its quote: 409 quote_closed, quote_voided, quote_discarded, ' +
          'or the mission’s conflict (mission_abandoned, mission_expired, deadline_passed, ...). The discarded quote stays readable with its reason; ' +
          '`POST /v1/quotes` may then create another quote for the mission, for example a total-loss quote. Nobody else knew the draft: no event is published.',
        params: QuoteParams,
        body: DiscardQuoteBody,
        response: { 200: QuoteView, ...errors },
      },
    },
    async (request) => {
      const command: QuoteCommand = { type: 'discard', reason: request.body.reason, at: ctx.clock() };
      const view = await withTransaction(ctx.pool, async (tx) => {
        const { quote, mission } = await decideOnQuote(tx, ctx, request.principal, request.params.id, command, request.id);
        return quoteView(tx, quote, mission, request.principal);
      });
      // No event tells anyone of a draft, so the log is the trace that it went (its reason is in the quote).
      request.log.info({ quoteId: view.id, missionId: view.missionId, procedure: view.procedure }, 'quote discarded');
      return view;
    },
  );
}
