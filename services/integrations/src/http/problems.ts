import { problemCatalogue } from '@smart-expertise/service-runtime';

/** Every problem this service answers with; the code is the key in snake_case. */
export const problems = problemCatalogue({
  subscriptionNotFound: { status: 404, title: 'Subscription not found' },
  deliveryNotFound: { status: 404, title: 'Delivery not found' },
  invalidCursor: { status: 400, title: 'The cursor is not valid' },
  /** The feed keeps FEED_RETENTION_DAYS: a cursor older than that cannot resume without a gap. */
  cursorExpired: { status: 410, title: 'The cursor is older than the feed keeps events' },
  targetNotAllowed: { status: 422, title: 'The webhook URL is not allowed' },
  tooManySubscriptions: { status: 409, title: 'The organisation holds the most subscriptions allowed' },
});
