// /v1/subscriptions: an organisation's webhooks, their secrets, and their delivery log.
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import {
  CreateSubscriptionRequest,
  Delivery,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryParams,
  Subscription,
  SubscriptionList,
  SubscriptionParams,
  SubscriptionWithSecret,
} from '@smart-expertise/contracts/http/integrations';
import { decodeKeysetCursor, encodeKeysetCursor, withTransaction, type App, type Principal, type ServiceContext } from '@smart-expertise/service-runtime';
import type { IntegrationsConfig } from '../config.ts';
import { decryptSecret, encryptSecret, newSigningSecret } from '../domain/secrets.ts';
import { checkTarget } from '../domain/target.ts';
import { listDeliveries, redeliver, type DeliveryRow } from '../store/deliveries.ts';
import {
  deleteSubscription,
  enableSubscription,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  rotateSecret,
  type Owner,
  type SubscriptionRow,
} from '../store/subscriptions.ts';
import { problems } from './problems.ts';

const ProblemRef = Type.Ref('Problem');
const tags = ['subscriptions'];
/** Every organisation that reads missions through the API may subscribe to what it reads; ops reads no mission. */
export const SUBSCRIBER_ROLES = ['insurer', 'garage', 'expert'] as const;
/** After a rotation, the previous secret keeps signing beside the new one this long (api.md: 24 h). */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export function ownerOf(principal: Principal): Owner {
  return { organisation: principal.org, role: principal.role };
}

export function newSubscriptionId(): string {
  return `sub_${randomUUID().replaceAll('-', '')}`;
}

function view(row: SubscriptionRow, now: Date) {
  const overlap = row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? row.previousSecretExpiresAt.toISOString() : null;
  return {
    id: row.id,
    url: row.url,
    events: row.eventTypes,
    description: row.description,
    status: row.status,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    previousSecretExpiresAt: overlap,
    createdAt: row.createdAt.toISOString(),
  } as Subscription;
}

function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    missionId: row.missionId,
    status: row.status,
    attempts: row.attempts,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastResponseStatus: row.lastStatus,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  } as Delivery;
}

export function subscriptionRoutes(app: App, ctx: ServiceContext<IntegrationsConfig>, wakeSender: () => void): void {
  const { pool, config, clock } = ctx;
  const key = config.secretsKey;

  async function owned(id: string, principal: Principal): Promise<SubscriptionRow> {
    const row = await findSubscription(pool, id, ownerOf(principal));
    if (!row) throw problems.subscriptionNotFound(`No subscription ${id}.`);
    return row;
  }

  app.post(
    '/v1/subscriptions',
    {
      config: { roles: SUBSCRIBER_ROLES },
      bodyLimit: 8 * 1024,
      schema: {
        tags,
        summary: 'Subscribe a webhook endpoint to public events; the answer shows its signing secret once',
        body: CreateSubscriptionRequest,
        response: { 201: SubscriptionWithSecret, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 409: ProblemRef, 422: ProblemRef },
      },
    },
    async (request, reply) => {
      const { url, description } = request.body;
      const events = request.body.events as string[];
      const target = checkTarget(url, { allowHttp: config.WEBHOOK_ALLOW_HTTP, allowed: config.allowedNetworks });
      if (!target.ok) throw problems.targetNotAllowed(target.reason, { errors: [{ path: '/url', message: target.reason }] });
      const id = newSubscriptionId();
      const secret = newSigningSecret();
      const now = clock();
      const row = await withTransaction(pool, (tx) =>
        insertSubscription(
          tx,
          { id, owner: ownerOf(request.principal), url: target.url.href, eventTypes: events.includes('*') ? ['*'] : events, description: description ?? null, secretEncrypted: encryptSecret(key, id, secret), now },
          config.WEBHOOK_MAX_SUBSCRIPTIONS,
        ),
      );
      if (!row) throw problems.tooManySubscriptions(`An organisation holds at most ${config.WEBHOOK_MAX_SUBSCRIPTIONS} subscriptions; remove one first.`);
      // The one answer that shows the secret: no cache on the way may keep it.
      reply.code(201).header('location', `/v1/subscriptions/${id}`).header('cache-control', 'no-store');
      return { ...view(row, now), secret };
    },
  );

  app.get(
    '/v1/subscriptions',
    {
      config: { roles: SUBSCRIBER_ROLES },
      schema: { tags, summary: "The organisation's subscriptions, oldest first", response: { 200: SubscriptionList, 401: ProblemRef, 403: ProblemRef } },
    },
    async (request) => {
      const now = clock();
      return { items: (await listSubscriptions(pool, ownerOf(request.principal))).map((row) => view(row, now)) };
    },
  );

  app.get(
    '/v1/subscriptions/:id',
    {
      config: { roles: SUBSCRIBER_ROLES },
      schema: { tags, summary: 'One subscription (never its secret)', params: SubscriptionParams, response: { 200: Subscription, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef } },
    },
    async (request) => view(await owned(request.params.id, request.principal), clock()),
  );

  app.delete(
    '/v1/subscriptions/:id',
    {
      config: { roles: SUBSCRIBER_ROLES },
      schema: { tags, summary: 'Remove a subscription and its pending deliveries', params: SubscriptionParams, response: { 204: Type.Null(), 401: ProblemRef, 403: ProblemRef, 404: ProblemRef } },
    },
    async (request, reply) => {
      if (!(await deleteSubscription(pool, request.params.id, ownerOf(request.principal)))) throw problems.subscriptionNotFound(`No subscription ${request.params.id}.`);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/subscriptions/:id/rotate-secret',
    {
      config: { roles: SUBSCRIBER_ROLES },
      bodyLimit: 1024,
      schema: {
        tags,
        summary: 'A new signing secret; the previous one keeps signing beside it for 24 h',
        params: SubscriptionParams,
        response: { 200: SubscriptionWithSecret, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request, reply) => {
      const secret = newSigningSecret();
      const now = clock();
      reply.header('cache-control', 'no-store');
      const row = await withTransaction(pool, async (tx) => {
        const current = await findSubscription(tx, request.params.id, ownerOf(request.principal), { lock: true });
        if (!current) throw problems.subscriptionNotFound(`No subscription ${request.params.id}.`);
        // The secret in force until now becomes the previous one (re-sealed as it is: its text never leaves the server).
        const previous = encryptSecret(key, current.id, decryptSecret(key, current.id, current.secretEncrypted));
        return rotateSecret(tx, current.id, encryptSecret(key, current.id, secret), previous, new Date(now.getTime() + ROTATION_OVERLAP_MS), now);
      });
      return { ...view(row, now), secret };
    },
  );

  app.post(
    '/v1/subscriptions/:id/enable',
    {
      config: { roles: SUBSCRIBER_ROLES },
      bodyLimit: 1024,
      schema: {
        tags,
        summary: 'Enable a subscription disabled after persistent failure: its waiting deliveries go out again, in order',
        params: SubscriptionParams,
        response: { 200: Subscription, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const now = clock();
      const row = await enableSubscription(pool, request.params.id, ownerOf(request.principal), now);
      if (!row) throw problems.subscriptionNotFound(`No subscription ${request.params.id}.`);
      wakeSender();
      return view(row, now);
    },
  );

  app.get(
    '/v1/subscriptions/:id/deliveries',
    {
      config: { roles: SUBSCRIBER_ROLES },
      schema: {
        tags,
        summary: 'The delivery log, newest first: each delivery with its attempts, last answer and next attempt',
        params: SubscriptionParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPage, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request) => {
      const subscription = await owned(request.params.id, request.principal);
      const { status, cursor, limit = 50 } = request.query;
      const beforeSeq = cursor ? decodeSeq(cursor) : null;
      const rows = await listDeliveries(pool, subscription.id, { status, beforeSeq, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(deliveryView), nextCursor: rows.length > limit ? encodeKeysetCursor([page.at(-1)!.feedSeq]) : null };
    },
  );

  app.post(
    '/v1/subscriptions/:id/deliveries/:deliveryId/redeliver',
    {
      config: { roles: SUBSCRIBER_ROLES },
      bodyLimit: 1024,
      schema: {
        tags,
        summary: 'Send a delivery again (same webhook-id), with a fresh retry schedule',
        params: DeliveryParams,
        response: { 202: Delivery, 401: ProblemRef, 403: ProblemRef, 404: ProblemRef },
      },
    },
    async (request, reply) => {
      const subscription = await owned(request.params.id, request.principal);
      const row = await redeliver(pool, subscription.id, request.params.deliveryId, clock());
      if (!row) throw problems.deliveryNotFound(`No delivery ${request.params.deliveryId} on subscription ${subscription.id}.`);
      wakeSender();
      return reply.code(202).send(deliveryView(row));
    },
  );
}

function decodeSeq(cursor: string): number {
  const [seq] = decodeKeysetCursor(cursor, 1) ?? [];
  if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0) return seq;
  throw problems.invalidCursor('cursor is not one this service issued; start again without it', { errors: [{ path: '/query/cursor', message: 'is invalid' }] });
}
