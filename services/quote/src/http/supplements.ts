// /v1/quotes/:id/supplements: hidden damage found during repairs (the second loop). Each command
// is the same four steps as a quote's: load the state (mission, quote, supplement rows locked in
// that order), decide, store, publish.
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import type { Problem } from '@smart-expertise/contracts';
import { allowsPayment, approvedTotal } from '@smart-expertise/contracts/procedure';
import {
  CreateSupplementBody,
  QuoteParams,
  SupplementList,
  SupplementParams,
  SupplementPhotoUploadResponse,
  SupplementView,
} from '@smart-expertise/contracts/http/quote';
import { withTransaction, type App, type Principal, type ServiceContext, type Tx } from '@smart-expertise/service-runtime';
import type { QuoteServiceConfig } from '../config.ts';
import type { NewPhoto } from '../domain/quote.ts';
import { decideSupplement, supplementDraftRefusal, type SupplementCommand } from '../domain/supplement.ts';
import { publishSupplementEvents } from '../events/published.ts';
import { findSupplement, listSupplementPhotos, listSupplements, storeSupplementEvents, type SupplementRecord } from '../store/supplements.ts';
import { quoteForCaller } from './access.ts';
import { PHOTO_UPLOAD_RULES, readPhotoUploads, registerPhotoUploads } from './photos.ts';
import { problemOf, problems } from './problems.ts';
import { photoView, supplementView } from './views.ts';

const tags = ['supplements'];
const ProblemRef = Type.Unsafe<Problem>({ $ref: 'Problem#' });
const errors = { 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 422: ProblemRef };

/**
 * Decides `command` on a supplement of the caller's garage's quote (null `supplementId`: one to
 * create), in `tx`, rows locked mission → quote → supplement; stores the events and appends what
 * the expert office must hear of. A refusal is thrown as its problem.
 */
async function decideOnSupplement(
  tx: Tx,
  ctx: ServiceContext<QuoteServiceConfig>,
  principal: Principal,
  quoteId: string,
  supplementId: string | null,
  command: SupplementCommand,
  correlationId: string,
): Promise<SupplementRecord> {
  const { quote, mission } = await quoteForCaller(tx, principal, quoteId, { lock: true, garageOnly: true });
  const supplement = supplementId === null ? null : await findSupplement(tx, quoteId, supplementId, { forUpdate: true });
  if (supplementId !== null && supplement === null) throw problems.supplementNotFound(`no supplement ${supplementId} on quote ${quoteId}`);
  const result = decideSupplement({ mission, quote, supplement }, command);
  if (!result.ok) throw problemOf(result.refusal);
  if (result.events.length === 0) return supplement!;
  const stored = await storeSupplementEvents(tx, supplement, result.events);
  await publishSupplementEvents(tx, ctx.outbox, { events: result.events, supplement: stored, quote, mission, correlationId });
  return stored;
}

export async function supplementRoutes(app: App, ctx: ServiceContext<QuoteServiceConfig>): Promise<void> {
  const { PHOTO_MAX_COUNT } = ctx.config;
  await registerPhotoUploads(app, ctx.config);

  app.post(
    '/v1/quotes/:id/supplements',
    {
      config: { roles: ['garage'] },
      schema: {
        tags,
        summary: 'Draft a supplement for hidden damage found during repairs',
        description:
          'Body `reason` (1–2000 characters) and `calculation` (the shape and rules of `PUT /v1/quotes/{id}/calculation`; the service computes the totals, ' +
          '422 calculation_invalid or calculation_totals_mismatch with the fields under /calculation). Only on a validated standard expertise before its payment request: ' +
          '409 total_loss on a total loss, payment_already_requested once direct payment was requested, mission_not_validated otherwise. ' +
          'Answers the supplement with its `number` (1, 2… per quote) and `status` draft; nothing is published until it is submitted.',
        params: QuoteParams,
        body: CreateSupplementBody,
        response: { 201: SupplementView, ...errors },
      },
    },
    async (request, reply) => {
      const quoteId = request.params.id;
      const { reason, calculation } = request.body;
      const supplementId = `sup_${randomUUID().replaceAll('-', '')}`;
      const command: SupplementCommand = { type: 'create_supplement', supplementId, reason, calculation, at: ctx.clock() };
      const stored = await withTransaction(ctx.pool, (tx) => decideOnSupplement(tx, ctx, request.principal, quoteId, null, command, request.id));
      return reply.code(201).header('location', `/v1/quotes/${quoteId}/supplements`).send(supplementView(stored, []));
    },
  );

  app.post(
    '/v1/quotes/:id/supplements/:supplementId/photos',
    {
      config: { roles: ['garage'] },
      schema: {
        tags,
        summary: 'Upload photos of the hidden damage (multipart/form-data, one or more files)',
        description: `${PHOTO_UPLOAD_RULES} Only on a draft supplement (409 supplement_already_submitted), under the rules of its creation (409 payment_already_requested, ...). The photos are served by GET /v1/quotes/{id}/photos/{photoId}.`,
        consumes: ['multipart/form-data'],
        params: SupplementParams,
        response: { 201: SupplementPhotoUploadResponse, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 413: ProblemRef, 415: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const { id: quoteId, supplementId } = request.params;
      // Refuse early, before reading megabytes; the decider asks the same again under lock.
      {
        const { quote, mission } = await quoteForCaller(ctx.pool, request.principal, quoteId, { garageOnly: true });
        const supplement = await findSupplement(ctx.pool, quoteId, supplementId);
        if (!supplement) throw problems.supplementNotFound(`no supplement ${supplementId} on quote ${quoteId}`);
        const refusal = supplementDraftRefusal({ mission, quote, supplement });
        if (refusal) throw problemOf(refusal);
      }
      const uploads = await readPhotoUploads(request, ctx.config);
      const photos: NewPhoto[] = uploads.map((upload) => ({ id: `ph_${randomUUID().replaceAll('-', '')}`, ...upload }));
      const stored = await withTransaction(ctx.pool, async (tx) => {
        const command: SupplementCommand = { type: 'add_supplement_photos', photos, maxPhotos: PHOTO_MAX_COUNT, at: ctx.clock() };
        await decideOnSupplement(tx, ctx, request.principal, quoteId, supplementId, command, request.id);
        return listSupplementPhotos(tx, { supplementId });
      });
      // Answer in the order the files were sent; a photo the supplement already had is answered as stored.
      const bySha = new Map(stored.map((p) => [p.sha256, p]));
      return reply.code(201).send({
        quoteId,
        supplementId,
        photos: uploads.map((u) => photoView(bySha.get(u.sha256)!)),
        photoCount: stored.length,
        maxPhotos: PHOTO_MAX_COUNT,
      });
    },
  );

  app.post(
    '/v1/quotes/:id/supplements/:supplementId/submit',
    {
      config: { roles: ['garage'] },
      bodyLimit: 1024,
      schema: {
        tags,
        summary: 'Submit the supplement to the expert office',
        description:
          'At least one photo of the hidden damage (422 supplement_incomplete). Once only: 409 supplement_already_submitted. Under the rules of its creation ' +
          '(409 payment_already_requested, mission_not_validated, ...). Publishes supplement.submitted; status `submitted` until the expert approves or rejects it.',
        params: SupplementParams,
        response: { 200: SupplementView, ...errors },
      },
    },
    async (request) => {
      const { id: quoteId, supplementId } = request.params;
      return withTransaction(ctx.pool, async (tx) => {
        const stored = await decideOnSupplement(tx, ctx, request.principal, quoteId, supplementId, { type: 'submit_supplement', at: ctx.clock() }, request.id);
        return supplementView(stored, await listSupplementPhotos(tx, { supplementId }));
      });
    },
  );

  app.get(
    '/v1/quotes/:id/supplements',
    {
      config: { roles: ['garage', 'expert', 'insurer'] },
      schema: {
        tags,
        summary: 'The supplements of a quote, with their status and the expert’s note (the garage of the mission, its expert office, its insurer)',
        description: '`approvedTotalCents`: the validated quote plus the approved supplements, incl. VAT, once the expertise is validated for repairs.',
        params: QuoteParams,
        response: { 200: SupplementList, 404: ProblemRef },
      },
    },
    async (request) => {
      const quoteId = request.params.id;
      const { quote, mission } = await quoteForCaller(ctx.pool, request.principal, quoteId);
      const [supplements, photos] = await Promise.all([listSupplements(ctx.pool, quoteId), listSupplementPhotos(ctx.pool, { quoteId })]);
      const validatedTotal = quote.calculationTotals?.totalInclVatCents ?? null;
      return {
        quoteId,
        approvedTotalCents: allowsPayment(mission.status, mission.outcome) && validatedTotal !== null ? approvedTotal(validatedTotal, supplements.map((s) => ({ status: s.status, totalInclVatCents: s.calculationTotals.totalInclVatCents }))) : null,
        supplements: supplements.map((s) => supplementView(s, photos.filter((p) => p.supplementId === s.id))),
      };
    },
  );
}
