// The route table of the platform as api.md writes it: for each route, the roles allowed, the
// answer an allowed role gets on its own resource, whether another organisation's resource is a
// 404, and how to build a request on organisation A's resource (for a webhook subscription, which
// belongs to an organisation under one role, the resource of the role asking). The access matrix
// and the hostile-input campaign both read it; a route the services expose and this table does not
// know fails the matrix.
import type { Role } from '@smart-expertise/service-runtime';
import {
  Platform,
  Seeder,
  calculationBody,
  depositBody,
  jpeg,
  multipart,
  parties,
  paymentRequestBody,
  smartFrameBody,
  subscriptionBody,
  SUBSCRIBER_ROLES,
  type InjectOptions,
  type Parties,
  type ServiceName,
  type SubscriberRole,
} from './platform.ts';

export interface Fixtures {
  a: Parties;
  b: Parties;
  /** A validated expertise: mission, closed quote, photos, review case (read by every GET). */
  read: { missionId: string; quoteId: string; photoIds: string[]; reviewId: string };
  draft: { quoteId: string };
  totalLoss: { quoteId: string };
  /**
   * A's webhook subscriptions, one per role (a subscription belongs to an organisation under one
   * role), made before the expertise so that each has deliveries; `spareId` is a second one, the
   * one DELETE names (a hostile but valid DELETE may remove it).
   */
  subscriptions: Record<SubscriberRole, { id: string; deliveryId: string; spareId: string }>;
  seeder: Seeder;
}

export type Req = InjectOptions & { url: string; absent?: string };

export interface Expectation {
  service: ServiceName;
  /**
   * Every service answers this route for itself (the runtime's operations routes): the matrix and
   * the campaign call it on `service`, and the route table accepts it from any service.
   */
  everyService?: true;
  /** Roles allowed (must be exactly the route's config.roles). */
  roles: Role[];
  /** The answer for an allowed role on its own resource. */
  ok: number;
  /**
   * org: another organisation's resource answers 404; list: another organisation gets 200 without
   * the resource; none: nothing belongs to an organisation (or only ops calls it).
   */
  scope: 'org' | 'list' | 'none';
  /**
   * The request on organisation A's resource (no side effect needed: refused before the handler, or
   * a read); `role`, when given, is the role asking, whose resource it is where that matters.
   */
  request(f: Fixtures, role?: Role): Req;
  /** A fresh resource for the one allowed call that changes state. */
  fresh?(f: Fixtures, role?: Role): Promise<Req>;
}

/** A date two months ahead: later than any deposit's deadline here. */
const laterDate = () => new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);

/** The role whose subscription a request names: the role asking, or the garage's for a role refused anyway. */
const subscriber = (role?: Role): SubscriberRole => (role === 'insurer' || role === 'expert' ? role : 'garage');
const subscription = (f: Fixtures, role?: Role) => f.subscriptions[subscriber(role)];

const policy = { workingDays: 5, minPhotos: 4, reviewThresholds: { agreedLabourRateCents: 65_00, smartCeilingCents: 5_000_00, totalLossRatioPercent: 70 } };

/** route → expectation. A route the services expose and this table does not know fails the test. */
export const EXPECTATIONS: Record<string, Expectation> = {
  // mission-intake
  'POST /v1/missions': {
    service: 'mission-intake', roles: ['insurer'], ok: 201, scope: 'none',
    request: (f) => ({ url: '/v1/missions', body: depositBody(f.a) }),
  },
  'GET /v1/missions/:id': {
    service: 'mission-intake', roles: ['insurer', 'garage', 'expert', 'ops'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/missions/${f.read.missionId}` }),
  },
  'GET /v1/missions/:id/tracking': {
    service: 'mission-intake', roles: ['insurer', 'garage', 'expert', 'ops'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/missions/${f.read.missionId}/tracking` }),
  },
  'GET /v1/missions': {
    service: 'mission-intake', roles: ['insurer', 'ops'], ok: 200, scope: 'list',
    request: (f) => ({ url: '/v1/missions?limit=100', absent: f.read.missionId }),
  },
  'GET /v1/board': {
    service: 'mission-intake', roles: ['garage'], ok: 200, scope: 'list',
    request: (f) => ({ url: '/v1/board?section=smart.closed&limit=100', absent: f.read.missionId }),
  },
  'POST /v1/missions/:id/abandon': {
    service: 'mission-intake', roles: ['garage'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/missions/${f.read.missionId}/abandon`, body: { reason: 'customer went elsewhere' } }),
    fresh: async (f) => ({ url: `/v1/missions/${await f.seeder.mission(f.a)}/abandon`, body: { reason: 'customer went elsewhere' } }),
  },
  'POST /v1/missions/:id/cancel': {
    service: 'mission-intake', roles: ['insurer'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/missions/${f.read.missionId}/cancel`, body: { reason: 'claim settled elsewhere' } }),
    fresh: async (f) => ({ url: `/v1/missions/${await f.seeder.mission(f.a)}/cancel`, body: { reason: 'claim settled elsewhere' } }),
  },
  'POST /v1/missions/:id/deadline': {
    service: 'mission-intake', roles: ['insurer'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/missions/${f.read.missionId}/deadline`, body: { deadline: laterDate() } }),
    fresh: async (f) => ({ url: `/v1/missions/${await f.seeder.mission(f.a)}/deadline`, body: { deadline: laterDate() } }),
  },
  'PUT /v1/insurers/:insurerId/policy': {
    service: 'mission-intake', roles: ['ops'], ok: 200, scope: 'none',
    request: (f) => ({ url: `/v1/insurers/${f.a.insurerId}/policy`, body: policy }),
  },
  'GET /v1/insurers/:insurerId/policy': {
    service: 'mission-intake', roles: ['ops', 'insurer'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/insurers/${f.a.insurerId}/policy` }),
  },
  'GET /v1/missions/:id/audit': {
    service: 'mission-intake', roles: ['ops'], ok: 200, scope: 'none',
    request: (f) => ({ url: `/v1/missions/${f.read.missionId}/audit` }),
  },
  // quote
  'POST /v1/quotes': {
    service: 'quote', roles: ['garage'], ok: 201, scope: 'org',
    request: (f) => ({ url: '/v1/quotes', body: { missionId: f.read.missionId } }),
    fresh: async (f) => ({ url: '/v1/quotes', body: { missionId: await f.seeder.missionKnownToQuote(f.a) } }),
  },
  'GET /v1/quotes/:id': {
    service: 'quote', roles: ['garage', 'expert', 'insurer'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}` }),
  },
  'PUT /v1/quotes/:id/calculation': {
    service: 'quote', roles: ['garage'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.draft.quoteId}/calculation`, body: calculationBody() }),
  },
  'POST /v1/quotes/:id/photos': {
    service: 'quote', roles: ['garage'], ok: 201, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.draft.quoteId}/photos`, ...multipart([{ bytes: jpeg() }]) }),
  },
  'GET /v1/quotes/:id/photos/:photoId': {
    service: 'quote', roles: ['garage', 'expert', 'insurer'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/photos/${f.read.photoIds[0]}` }),
  },
  'PUT /v1/quotes/:id/smart-frame': {
    service: 'quote', roles: ['garage'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.draft.quoteId}/smart-frame`, body: smartFrameBody() }),
  },
  'PUT /v1/quotes/:id/vehicle-status': {
    service: 'quote', roles: ['garage'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.totalLoss.quoteId}/vehicle-status`, body: { vehicleStatus: 'wreck' } }),
  },
  'POST /v1/quotes/:id/close': {
    service: 'quote', roles: ['garage'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/close` }),
    fresh: async (f) => ({ url: `/v1/quotes/${(await f.seeder.readyQuote(f.a)).quoteId}/close` }),
  },
  'POST /v1/quotes/:id/discard': {
    service: 'quote', roles: ['garage'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/discard`, body: { reason: 'switching to the total-loss procedure' } }),
    fresh: async (f) => ({ url: `/v1/quotes/${(await f.seeder.readyQuote(f.a)).quoteId}/discard`, body: { reason: 'switching to the total-loss procedure' } }),
  },
  'POST /v1/quotes/:id/payment-request': {
    service: 'quote', roles: ['garage'], ok: 201, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/payment-request`, body: paymentRequestBody() }),
  },
  'POST /v1/quotes/:id/supplements': {
    service: 'quote', roles: ['garage'], ok: 201, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/supplements`, body: { reason: 'hidden damage', calculation: calculationBody() } }),
    fresh: async (f) => ({ url: `/v1/quotes/${(await f.seeder.validated(f.a)).quoteId}/supplements`, body: { reason: 'hidden damage', calculation: calculationBody() } }),
  },
  'GET /v1/quotes/:id/supplements': {
    service: 'quote', roles: ['garage', 'expert', 'insurer'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/supplements` }),
  },
  'POST /v1/quotes/:id/supplements/:supplementId/photos': {
    service: 'quote', roles: ['garage'], ok: 201, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/supplements/sup_unknown/photos`, ...multipart([{ bytes: jpeg() }]) }),
    fresh: async (f) => {
      const s = await f.seeder.supplement(f.a, false);
      return { url: `/v1/quotes/${s.quoteId}/supplements/${s.supplementId}/photos`, ...multipart([{ bytes: jpeg() }]) };
    },
  },
  'POST /v1/quotes/:id/supplements/:supplementId/submit': {
    service: 'quote', roles: ['garage'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/quotes/${f.read.quoteId}/supplements/sup_unknown/submit` }),
    fresh: async (f) => {
      const s = await f.seeder.supplement(f.a, false);
      const upload = multipart([{ bytes: jpeg() }]);
      await f.seeder.platform.request('quote', 'POST', `/v1/quotes/${s.quoteId}/supplements/${s.supplementId}/photos`, { token: f.a.garage, ...upload });
      return { url: `/v1/quotes/${s.quoteId}/supplements/${s.supplementId}/submit` };
    },
  },
  // expert-review
  'POST /v1/reviews/:id/supplements/:supplementId/decision': {
    service: 'expert-review', roles: ['expert'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/reviews/${f.read.reviewId}/supplements/sup_unknown/decision`, body: { decision: 'approve' } }),
    fresh: async (f) => {
      const s = await f.seeder.supplement(f.a, true);
      return { url: `/v1/reviews/${s.reviewId}/supplements/${s.supplementId}/decision`, body: { decision: 'approve' } };
    },
  },
  'GET /v1/reviews': {
    service: 'expert-review', roles: ['expert'], ok: 200, scope: 'list',
    request: (f) => ({ url: '/v1/reviews?status=all&limit=100', absent: f.read.reviewId }),
  },
  'GET /v1/reviews/:id': {
    service: 'expert-review', roles: ['expert'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/reviews/${f.read.reviewId}` }),
  },
  'POST /v1/reviews/:id/decision': {
    service: 'expert-review', roles: ['expert'], ok: 200, scope: 'org',
    request: (f) => ({ url: `/v1/reviews/${f.read.reviewId}/decision`, body: { decision: 'pending_validation' } }),
    fresh: async (f) => ({ url: `/v1/reviews/${(await f.seeder.reviewCase(f.a)).reviewId}/decision`, body: { decision: 'remote_intervention', note: 'call me' } }),
  },
  // expiry-scheduler
  'GET /v1/expiry-runs': {
    service: 'expiry-scheduler', roles: ['ops'], ok: 200, scope: 'none',
    request: () => ({ url: '/v1/expiry-runs' }),
  },
  'POST /v1/expiry-runs': {
    service: 'expiry-scheduler', roles: ['ops'], ok: 201, scope: 'none',
    request: () => ({ url: '/v1/expiry-runs?wait=true' }),
  },
  // every service: ops' parked events (the runtime's routes, the same code in each). The fixtures
  // park nothing, so an allowed call on an id answers 404: what the matrix checks is who may call.
  'GET /v1/parked-events': {
    service: 'quote', everyService: true, roles: ['ops'], ok: 200, scope: 'none',
    request: () => ({ url: '/v1/parked-events?status=parked&limit=10' }),
  },
  'GET /v1/parked-events/:id': {
    service: 'quote', everyService: true, roles: ['ops'], ok: 404, scope: 'none',
    request: () => ({ url: '/v1/parked-events/1' }),
  },
  'POST /v1/parked-events/:id/replay': {
    service: 'quote', everyService: true, roles: ['ops'], ok: 404, scope: 'none',
    request: () => ({ url: '/v1/parked-events/1/replay' }),
  },
  'POST /v1/parked-events/:id/discard': {
    service: 'quote', everyService: true, roles: ['ops'], ok: 404, scope: 'none',
    request: () => ({ url: '/v1/parked-events/1/discard', body: { reason: 'set aside by the access matrix' } }),
  },
  // integrations: a subscription belongs to an organisation under one role; the feed is the
  // organisation's own events.
  'POST /v1/subscriptions': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 201, scope: 'none',
    request: () => ({ url: '/v1/subscriptions', body: subscriptionBody({ events: ['mission.deposited', 'quote.transmitted'] }) }),
  },
  'GET /v1/subscriptions': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 200, scope: 'list',
    request: (f, role) => ({ url: '/v1/subscriptions', absent: subscription(f, role).id }),
  },
  'GET /v1/subscriptions/:id': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 200, scope: 'org',
    request: (f, role) => ({ url: `/v1/subscriptions/${subscription(f, role).id}` }),
  },
  'DELETE /v1/subscriptions/:id': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 204, scope: 'org',
    request: (f, role) => ({ url: `/v1/subscriptions/${subscription(f, role).spareId}` }),
    fresh: async (f, role) => ({ url: `/v1/subscriptions/${(await f.seeder.subscription(f.a, subscriber(role))).id}` }),
  },
  'POST /v1/subscriptions/:id/rotate-secret': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 200, scope: 'org',
    request: (f, role) => ({ url: `/v1/subscriptions/${subscription(f, role).id}/rotate-secret` }),
    fresh: async (f, role) => ({ url: `/v1/subscriptions/${(await f.seeder.subscription(f.a, subscriber(role))).id}/rotate-secret` }),
  },
  'POST /v1/subscriptions/:id/enable': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 200, scope: 'org',
    request: (f, role) => ({ url: `/v1/subscriptions/${subscription(f, role).id}/enable` }),
  },
  'GET /v1/subscriptions/:id/deliveries': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 200, scope: 'org',
    request: (f, role) => ({ url: `/v1/subscriptions/${subscription(f, role).id}/deliveries?limit=100` }),
  },
  'POST /v1/subscriptions/:id/deliveries/:deliveryId/redeliver': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 202, scope: 'org',
    request: (f, role) => ({ url: `/v1/subscriptions/${subscription(f, role).id}/deliveries/${subscription(f, role).deliveryId}/redeliver` }),
  },
  'GET /v1/feed': {
    service: 'integrations', roles: ['insurer', 'garage', 'expert'], ok: 200, scope: 'list',
    request: (f) => ({ url: '/v1/feed?limit=500', absent: f.read.missionId }),
  },
};

/** Routes without roles: public by design. Anything else without roles is a defect. */
export const PUBLIC = /^\/(health\/(live|ready)|metrics|docs(\/.*)?)$/;
/** Roles that see every organisation's resources (ops, on the routes it may call). */
export const PLATFORM_WIDE: Role[] = ['ops'];

/** Organisations A and B, and A's resources in every state the routes need. */
export async function seedFixtures(platform: Platform): Promise<Fixtures> {
  const seeder = new Seeder(platform);
  const a = await parties('A');
  const b = await parties('B');
  // Subscribed first, so that the expertise's public events make deliveries.
  const subscribed = await Promise.all(SUBSCRIBER_ROLES.map(async (role) => [role, await seeder.subscription(a, role), await seeder.subscription(a, role)] as const));
  const [read, draft, totalLoss] = await Promise.all([seeder.validated(a), seeder.draftQuote(a), seeder.draftQuote(a, 'total_loss')]);
  const subscriptions = {} as Fixtures['subscriptions'];
  for (const [role, kept, spare] of subscribed) subscriptions[role] = { id: kept.id, deliveryId: await seeder.delivered(kept.id), spareId: spare.id };
  return { a, b, read, draft, totalLoss, subscriptions, seeder };
}
