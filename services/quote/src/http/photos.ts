// /v1/quotes/:id/photos: multipart upload, and the image served back.
import { createHash, randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import Type from 'typebox';
import type { Problem } from '@smart-expertise/contracts';
import { PhotoParams, PhotoUploadResponse, QuoteParams } from '@smart-expertise/contracts/http/quote';
import { withTransaction, type App, type ServiceContext } from '@smart-expertise/service-runtime';
import type { FastifyRequest } from 'fastify';
import type { QuoteServiceConfig } from '../config.ts';
import { draftRefusal, type NewPhoto } from '../domain/quote.ts';
import { detectImageType, type PhotoMimeType } from '../domain/photo-type.ts';
import { findPhotoBytes, listPhotos } from '../store/photos.ts';
import { quoteForCaller } from './access.ts';
import { problemOf, problems } from './problems.ts';
import { decideOnQuote } from './quotes.ts';
import { photoView } from './views.ts';

const tags = ['photos'];
const ProblemRef = Type.Unsafe<Problem>({ $ref: 'Problem#' });

export interface Upload {
  fileName: string | null;
  bytes: Buffer;
  sha256: string;
  contentType: PhotoMimeType;
}

/** Multipart parsing with the photo limits, for a plugin that takes photo uploads (the quote's, a supplement's). */
export async function registerPhotoUploads(app: App, config: QuoteServiceConfig): Promise<void> {
  const { PHOTO_MAX_BYTES, PHOTO_MAX_FILES_PER_REQUEST } = config;
  await app.register(multipart, {
    limits: { fileSize: PHOTO_MAX_BYTES, files: PHOTO_MAX_FILES_PER_REQUEST, fields: 10, parts: PHOTO_MAX_FILES_PER_REQUEST + 10 },
    throwFileSizeLimit: true,
  });
}

/** The description of a photo upload route: the same rules for the quote's photos and a supplement's. */
export const PHOTO_UPLOAD_RULES =
  `JPEG, PNG or HEIC, recognised from the bytes, never from the name or declared type: anything else is 415 photo_type_not_supported. ` +
  `Each file at most PHOTO_MAX_BYTES (default 10 MiB; 413 photo_too_large), at most PHOTO_MAX_FILES_PER_REQUEST files per request (default 10; 413), ` +
  `at most PHOTO_MAX_COUNT photos per quote or supplement (default 30; 422 too_many_photos). A batch is accepted whole or not at all. ` +
  `The same image sent twice is one photo. A photo whose SHA-256 is already attached to another mission is flagged seenOnOtherMission.`;

/**
 * Reads every file of a multipart upload and recognises its type from the bytes. The batch is
 * refused whole (415) when one file is not a JPEG, PNG or HEIC image; the limits answer 413.
 */
export async function readPhotoUploads(request: FastifyRequest, config: QuoteServiceConfig): Promise<Upload[]> {
  const { PHOTO_MAX_BYTES, PHOTO_MAX_FILES_PER_REQUEST } = config;
  const uploads: Upload[] = [];
  const refused: { path: string; message: string }[] = [];
  try {
    let index = 0;
    for await (const part of request.files()) {
      const bytes = await part.toBuffer();
      const contentType = await detectImageType(bytes);
      const name = part.filename || null;
      if (!contentType) {
        refused.push({ path: `/photos/${index}`, message: `${name ?? 'the file'} is not a JPEG, PNG or HEIC image (checked from its bytes)` });
      } else {
        uploads.push({ fileName: name, bytes, contentType, sha256: createHash('sha256').update(bytes).digest('hex') });
      }
      index += 1;
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw problems.photoTooLarge(`each photo may be at most ${PHOTO_MAX_BYTES} bytes`, { maxBytes: PHOTO_MAX_BYTES });
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
      throw problems.tooManyFilesInRequest(`at most ${PHOTO_MAX_FILES_PER_REQUEST} files per upload`, { maxFiles: PHOTO_MAX_FILES_PER_REQUEST });
    }
    // The multipart plugin's own refusals (not multipart, prototype field names...) keep their 4xx.
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status < 500) throw error;
    // A body the multipart parser cannot read (no boundary, truncated, cut short) is the client's
    // fault: 400, not 500 (found by the hostile-input campaign).
    throw problems.malformedUpload(`the multipart body could not be read: ${(error as Error).message}`);
  }
  if (refused.length > 0) throw problems.photoTypeNotSupported(refused.map((r) => r.message).join('; '), { errors: refused });
  if (uploads.length === 0) throw problems.noPhotoInRequest('send one or more image files as multipart/form-data');
  return uploads;
}

export async function photoRoutes(app: App, ctx: ServiceContext<QuoteServiceConfig>): Promise<void> {
  const { PHOTO_MAX_COUNT } = ctx.config;
  await registerPhotoUploads(app, ctx.config);

  app.post(
    '/v1/quotes/:id/photos',
    {
      config: { roles: ['garage'] },
      schema: {
        tags,
        summary: 'Upload photos (multipart/form-data, one or more files)',
        description: `${PHOTO_UPLOAD_RULES} A quote the expert returned for information takes photos like a draft.`,
        consumes: ['multipart/form-data'],
        params: QuoteParams,
        response: { 201: PhotoUploadResponse, 400: ProblemRef, 404: ProblemRef, 409: ProblemRef, 413: ProblemRef, 415: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const quoteId = request.params.id;
      // Refuse early, before reading megabytes, when the quote is not the caller's or not a draft
      // that may change; the decider asks the same again under lock when the photos are stored.
      {
        const { quote, mission } = await quoteForCaller(ctx.pool, request.principal, quoteId, { garageOnly: true });
        const refusal = draftRefusal({ mission, quote }, ctx.clock());
        if (refusal) throw problemOf(refusal);
      }

      const uploads = await readPhotoUploads(request, ctx.config);

      const photos: NewPhoto[] = uploads.map((upload) => ({ id: `ph_${randomUUID().replaceAll('-', '')}`, ...upload }));
      const stored = await withTransaction(ctx.pool, async (tx) => {
        await decideOnQuote(tx, ctx, request.principal, quoteId, { type: 'add_photos', photos, maxPhotos: PHOTO_MAX_COUNT, at: ctx.clock() }, request.id);
        return listPhotos(tx, quoteId);
      });
      // Answer in the order the files were sent; a photo the quote already had is answered as stored.
      const bySha = new Map(stored.map((p) => [p.sha256, p]));
      return reply
        .code(201)
        .send({ quoteId, photos: uploads.map((u) => photoView(bySha.get(u.sha256)!)), photoCount: stored.length, maxPhotos: PHOTO_MAX_COUNT });
    },
  );

  app.get(
    '/v1/quotes/:id/photos/:photoId',
    {
      config: { roles: ['garage', 'expert', 'insurer'] },
      schema: {
        tags,
        summary: 'The image, with its content type (the garage of the mission, its expert office, its insurer)',
        params: PhotoParams,
        response: {
          200: { description: 'the image bytes', content: { 'image/jpeg': { schema: {} }, 'image/png': { schema: {} }, 'image/heic': { schema: {} } } },
          404: ProblemRef,
        },
      },
    },
    async (request, reply) => {
      const { id, photoId } = request.params;
      await quoteForCaller(ctx.pool, request.principal, id);
      const photo = await findPhotoBytes(ctx.pool, id, photoId);
      if (!photo) throw problems.photoNotFound(`no photo ${photoId} on quote ${id}`);
      return reply
        .type(photo.contentType)
        .header('etag', `"${photo.sha256}"`)
        .header('cache-control', 'private, max-age=3600, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(photo.bytes);
    },
  );
}
