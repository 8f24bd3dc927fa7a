/**
 * HTTP bodies of the integrations service (`/v1/subscriptions`, `/v1/feed`): webhook subscriptions
 * of an organisation, their delivery log, and the feed of its public events.
 */
import Type from 'typebox';
import { Id, Instant } from '../common.ts';
import { PUBLIC_EVENT_TYPES, PublicEventEnvelope } from '../public-events/catalogue.ts';

const closed = { additionalProperties: false } as const;

export const SubscriptionId = Type.String({ pattern: '^sub_[0-9a-f]{32}$' });
export const DeliveryId = Type.String({ pattern: '^dlv_[0-9a-f]{32}$' });

/** A public event type, or `*` for every type the organisation may receive. */
export const SubscribedEventType = Type.Union([...PUBLIC_EVENT_TYPES.map((t) => Type.Literal(t)), Type.Literal('*')]);

export const CreateSubscriptionRequest = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'https:// endpoint that receives the deliveries (POST, JSON, Standard Webhooks signature)' }),
    events: Type.Array(SubscribedEventType, { minItems: 1, maxItems: PUBLIC_EVENT_TYPES.length + 1, uniqueItems: true }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  closed,
);
export type CreateSubscriptionRequest = Type.Static<typeof CreateSubscriptionRequest>;

export const SubscriptionStatus = Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]);

export const Subscription = Type.Object(
  {
    id: SubscriptionId,
    url: Type.String(),
    events: Type.Array(SubscribedEventType),
    description: Type.Union([Type.String(), Type.Null()]),
    /** `disabled`: a delivery failed for the whole retry schedule; deliveries wait until the owner enables it again. */
    status: SubscriptionStatus,
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    disabledAt: Type.Union([Instant, Type.Null()]),
    /** Until then, deliveries are also signed with the secret before the last rotation. */
    previousSecretExpiresAt: Type.Union([Instant, Type.Null()]),
    createdAt: Instant,
  },
  closed,
);
export type Subscription = Type.Static<typeof Subscription>;

/** The answer to a creation or a rotation: the only time the secret is shown. */
export const SubscriptionWithSecret = Type.Object(
  {
    ...Subscription.properties,
    secret: Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]+$', description: 'the signing secret (Standard Webhooks); shown once, store it' }),
  },
  closed,
);

export const SubscriptionList = Type.Object({ items: Type.Array(Subscription) }, closed);

/** Ids in paths are the platform's `Id`: a malformed one is a 400, one of another organisation a 404. */
export const SubscriptionParams = Type.Object({ id: Id }, closed);
export const DeliveryParams = Type.Object({ id: Id, deliveryId: Id }, closed);

export const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);

export const Delivery = Type.Object(
  {
    id: DeliveryId,
    eventId: Type.String(),
    eventType: Type.String(),
    missionId: Type.String(),
    /** `failed`: given up after the retry schedule (redeliver to send it again). */
    status: DeliveryStatus,
    attempts: Type.Integer({ minimum: 0 }),
    lastAttemptAt: Type.Union([Instant, Type.Null()]),
    /** The HTTP status of the last answer, null when there was none (refused, timed out…). */
    lastResponseStatus: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    /** When it is tried next; null once delivered or given up. */
    nextAttemptAt: Type.Union([Instant, Type.Null()]),
    deliveredAt: Type.Union([Instant, Type.Null()]),
    createdAt: Instant,
  },
  closed,
);
export type Delivery = Type.Static<typeof Delivery>;

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatus),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'opaque; the nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  },
  closed,
);

/** Newest first. */
export const DeliveryPage = Type.Object({ items: Type.Array(Delivery), nextCursor: Type.Union([Type.String(), Type.Null()]) }, closed);

export const FeedQuery = Type.Object(
  {
    after: Type.Optional(Type.String({ maxLength: 512, description: 'opaque; the nextCursor of an earlier page (absent: the oldest event kept)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  closed,
);

/**
 * Oldest first. `nextCursor` is where to continue from, also when the page is empty (poll with it
 * again later); the events are exactly the bodies the webhooks deliver.
 */
export const FeedPage = Type.Object(
  {
    items: Type.Array(PublicEventEnvelope),
    nextCursor: Type.String(),
  },
  closed,
);
