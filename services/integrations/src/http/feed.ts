// /v1/feed: the organisation's public events in order, the pull twin of the webhooks.
import Type from 'typebox';
import { FeedPage, FeedQuery } from '@smart-expertise/contracts/http/integrations';
import { decodeKeysetCursor, encodeKeysetCursor, type App, type ServiceContext } from '@smart-expertise/service-runtime';
import type { IntegrationsConfig } from '../config.ts';
import { feedPage } from '../store/feed.ts';
import { problems } from './problems.ts';
import { ownerOf, SUBSCRIBER_ROLES } from './subscriptions.ts';

const ProblemRef = Type.Ref('Problem');

/**
 * A cursor is the feed position of the last event read and when that event was recorded: past the
 * retention, events after it may be gone, and the reader is told so (410) instead of getting a gap.
 */
interface FeedCursor {
  seq: number;
  recordedAtMs: number;
}

function decodeCursor(raw: string): FeedCursor {
  const [seq, recordedAtMs] = decodeKeysetCursor(raw, 2) ?? [];
  if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 && typeof recordedAtMs === 'number' && Number.isSafeInteger(recordedAtMs) && recordedAtMs > 0) {
    return { seq, recordedAtMs };
  }
  throw problems.invalidCursor('after is not a cursor this feed issued; start again without it', { errors: [{ path: '/query/after', message: 'is invalid' }] });
}

export function feedRoutes(app: App, ctx: ServiceContext<IntegrationsConfig>): void {
  const { pool, config, clock } = ctx;
  const retentionMs = config.FEED_RETENTION_DAYS * 86_400_000;

  app.get(
    '/v1/feed',
    {
      config: { roles: SUBSCRIBER_ROLES },
      schema: {
        tags: ['feed'],
        summary: "The organisation's public events in order from a cursor, the same bodies as the webhooks: replay after an outage",
        querystring: FeedQuery,
        response: { 200: FeedPage, 400: ProblemRef, 401: ProblemRef, 403: ProblemRef, 410: ProblemRef },
      },
    },
    async (request) => {
      const { after, limit = 100 } = request.query;
      const now = clock();
      const from = after ? decodeCursor(after) : { seq: 0, recordedAtMs: now.getTime() };
      if (after && from.recordedAtMs < now.getTime() - retentionMs) {
        throw problems.cursorExpired(`The feed keeps events ${config.FEED_RETENTION_DAYS} days; this cursor is older. Start again without after, and reconcile through the API.`);
      }
      const { organisation, role } = ownerOf(request.principal);
      const rows = await feedPage(pool, organisation, role, from.seq, limit);
      const last = rows.at(-1);
      const next = last ? { seq: last.seq, recordedAtMs: last.recordedAt.getTime() } : from;
      return { items: rows.map((r) => r.payload as never), nextCursor: encodeKeysetCursor([next.seq, next.recordedAtMs]) };
    },
  );
}
