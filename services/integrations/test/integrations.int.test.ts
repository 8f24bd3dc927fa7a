import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, TopicOf, type DomainEvent } from '@smart-expertise/contracts';
import { encodeKeysetCursor, withTransaction } from '@smart-expertise/service-runtime';
import { httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { publicEventsOf } from '@smart-expertise/contracts/public-events';
import { buildIntegrations, type Integrations } from '../src/index.ts';
import { applyBatch } from '../src/events/consumers.ts';
import { journey, type Parties } from './events.ts';
import { Receiver } from '../testing/receiver.ts';

const topicPrefix = `t${uniqueSuffix()}.`;
let service: Integrations;
let request: ReturnType<typeof httpClient>;

function parties(): Parties {
  return { insurerId: `INS${uniqueSuffix()}`, garageId: `G${uniqueSuffix()}`, expertOfficeId: `EXP${uniqueSuffix()}` };
}

/** Publishes events on their own topics, in the order given, keyed by mission as the services do. */
async function publish(events: DomainEvent[]): Promise<void> {
  for (const event of events) await publishRaw(topicPrefix + TopicOf[event.type], [{ key: event.missionId, value: event }]);
}

/** What the catalogue announces to one party of the mission, in the order of the internal events, with the topic each came from. */
function publicFor(events: DomainEvent[], who: Parties, role: 'insurer' | 'garage' | 'expert') {
  const mission = { id: events[0]!.missionId, ...who };
  return events.flatMap((e) => publicEventsOf(e, { mission }).filter((d) => d.role === role).map((d) => ({ event: d.event as any, topic: TopicOf[e.type] })));
}

const byId = (list: any[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

async function subscribe(as: { role: 'insurer' | 'garage' | 'expert'; org: string }, receiver: Receiver, events: string[] = ['*']) {
  const principal = as.role === 'expert' ? { ...as, name: 'Jan Peeters', phone: '+32 470 12 34 56' } : as;
  const response = await request('POST', '/v1/subscriptions', { token: await token(principal), body: { url: receiver.url, events, description: 'claims system' } });
  expect(response.status, response.text).toBe(201);
  expect(response.headers.get('cache-control'), 'the secret is never cached').toBe('no-store');
  receiver.secrets.push(response.json.secret);
  return response.json as { id: string; secret: string };
}

beforeAll(async () => {
  service = await buildIntegrations(
    testEnvironment(
      'integrations',
      {
        WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64'),
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_NETWORKS: 'loopback',
        WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms',
        WEBHOOK_POLL_MS: '50',
        WEBHOOK_TIMEOUT_MS: '3000',
        WEBHOOK_MAX_SUBSCRIPTIONS: '3',
      },
      { topicPrefix },
    ),
  );
  request = httpClient(await service.start());
});

afterAll(async () => {
  await service?.stop();
});

describe('webhooks', () => {
  it("deliver a garage's public events of a mission in order, each signed, and only the garage's", async () => {
    const who = parties();
    const receiver = new Receiver();
    await receiver.start();
    try {
      const subscription = await subscribe({ role: 'garage', org: who.garageId }, receiver);
      const { missionId, events } = journey(who);
      await publish(events);
      const expected = publicFor(events, who, 'garage');

      const feed = await waitFor(
        async () => {
          const page = await request('GET', '/v1/feed?limit=500', { token: await token({ role: 'garage', org: who.garageId }) });
          return page.json.items.length === expected.length && receiver.accepted.length === expected.length ? page.json.items : null;
        },
        { message: 'every public event delivered and in the feed' },
      );
      // Exactly the catalogue's events for the garage, each once, whatever order the topics were read in.
      expect(byId(feed)).toEqual(byId(expected.map((e) => e.event)));
      // Per topic, the order of publication holds.
      for (const topic of [Topics.missionIntake, Topics.quote, Topics.expertReview]) {
        const order = expected.filter((e) => e.topic === topic).map((e) => e.event.id);
        expect(feed.filter((e: any) => order.includes(e.id)).map((e: any) => e.id)).toEqual(order);
      }
      // Each delivery is the feed's event, byte for byte in content, its webhook-id the event id.
      expect(receiver.accepted.map((r) => r.event)).toEqual(feed);
      expect(receiver.accepted.map((r) => r.webhookId)).toEqual(feed.map((e: any) => e.id));
      expect(new Set(feed.map((e: any) => e.missionId))).toEqual(new Set([missionId]));
      expect(receiver.rejected).toEqual([]);
      // The deposit comes first; the owner's contact reaches the garage.
      expect(feed[0]).toMatchObject({ type: 'mission.deposited', data: { garageId: who.garageId, owner: { phone: '+32 470 12 34 56' } } });

      const log = await request('GET', `/v1/subscriptions/${subscription.id}/deliveries`, { token: await token({ role: 'garage', org: who.garageId }) });
      expect(log.status).toBe(200);
      expect(log.json.items).toHaveLength(feed.length);
      for (const d of log.json.items) expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastResponseStatus: 204, nextAttemptAt: null });
    } finally {
      await receiver.stop();
    }
  });
});

describe('order and outages', () => {
  it("hold a mission's events read before its deposit, and send the deposit first", async () => {
    const who = parties();
    const receiver = new Receiver();
    await receiver.start();
    try {
      await subscribe({ role: 'expert', org: who.expertOfficeId }, receiver);
      const { events } = journey(who);
      // The quote's and the expert's topics first: this service reads mission-intake's last.
      await publish([...events.filter((e) => TopicOf[e.type] !== Topics.missionIntake), ...events.filter((e) => TopicOf[e.type] === Topics.missionIntake)]);
      const expected = publicFor(events, who, 'expert');
      await waitFor(() => receiver.accepted.length === expected.length, { message: 'the expert office receives every event' });
      expect(receiver.accepted[0]!.event.type).toBe('mission.deposited');
      // The expert office never gets the owner's contact.
      expect(receiver.accepted[0]!.event.data.owner).toEqual({ name: 'Jan Peeters', vatRegime: 'none' });
      expect(byId(receiver.accepted.map((r) => r.event))).toEqual(byId(expected.map((e) => e.event)));
      const { rows } = await service.ctx.pool.query('SELECT count(*)::int AS n FROM held_events WHERE mission_id = $1', [events[0]!.missionId]);
      expect(rows[0].n).toBe(0);
    } finally {
      await receiver.stop();
    }
  });

  it('keep the held events in the database until the deposit arrives, then put them in the feed right after it', async () => {
    const who = parties();
    const { missionId, events } = journey(who);
    const [received, ...rest] = events;
    const feedTypes = async () =>
      (await service.ctx.pool.query('SELECT event_type FROM feed WHERE mission_id = $1 AND role = $2 ORDER BY seq', [missionId, 'garage'])).rows.map((r) => r.event_type);
    await withTransaction(service.ctx.pool, (tx) => applyBatch(tx, rest, () => {}));
    expect((await service.ctx.pool.query('SELECT count(*)::int AS n FROM held_events WHERE mission_id = $1', [missionId])).rows[0].n).toBe(rest.length);
    expect(await feedTypes()).toEqual([]);
    await withTransaction(service.ctx.pool, (tx) => applyBatch(tx, [received!], () => {}));
    expect((await service.ctx.pool.query('SELECT count(*)::int AS n FROM held_events WHERE mission_id = $1', [missionId])).rows[0].n).toBe(0);
    expect(await feedTypes()).toEqual(publicFor(events, who, 'garage').map((e) => e.event.type));
  });

  it('retry a refused delivery with back-off, and keep the rest of the mission waiting behind it', async () => {
    const who = parties();
    const receiver = new Receiver();
    await receiver.start();
    try {
      const subscription = await subscribe({ role: 'insurer', org: who.insurerId }, receiver);
      receiver.answers = [500, 503];
      const { events } = journey(who);
      await publish(events);
      const expected = publicFor(events, who, 'insurer');
      await waitFor(() => receiver.accepted.length === expected.length, { message: 'every event delivered after the refusals' });
      // The first delivery was refused twice; nothing of the mission overtook it.
      expect(receiver.requests).toBe(expected.length + 2);
      expect(receiver.accepted[0]!.event.type).toBe('mission.deposited');
      const log = await request('GET', `/v1/subscriptions/${subscription.id}/deliveries`, { token: await token({ role: 'insurer', org: who.insurerId }) });
      const first = log.json.items.at(-1);
      expect(first).toMatchObject({ eventType: 'mission.deposited', status: 'delivered', attempts: 3, lastResponseStatus: 204, lastError: null });
      const { rows } = await service.ctx.pool.query('SELECT attempt, status, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt', [first.id]);
      expect(rows).toEqual([
        { attempt: 1, status: 500, error: 'HTTP 500' },
        { attempt: 2, status: 503, error: 'HTTP 503' },
        { attempt: 3, status: 204, error: null },
      ]);
    } finally {
      await receiver.stop();
    }
  });

  it("hold at most 4 deliveries for a receiver that does not answer, while another subscription's go out", async () => {
    const who = parties();
    const slow = new Receiver();
    const fast = new Receiver();
    await Promise.all([slow.start(), fast.start()]);
    try {
      await subscribe({ role: 'insurer', org: who.insurerId }, slow);
      await subscribe({ role: 'insurer', org: who.insurerId }, fast);
      slow.hold = true;
      const missions = Array.from({ length: 8 }, () => journey(who));
      await publish(missions.flatMap((m) => m.events));
      const expected = missions.flatMap((m) => publicFor(m.events, who, 'insurer'));
      await waitFor(() => fast.accepted.length === expected.length, { message: 'the fast receiver gets every event while the slow one holds its deliveries' });
      // Eight missions were due at once for the slow receiver: only the per-subscription share is in flight.
      await waitFor(() => slow.held === 4, { message: 'four deliveries held by the slow receiver' });
      expect(slow.mostHeld).toBe(4);
      slow.release();
      await waitFor(() => slow.accepted.length === expected.length, { message: 'the slow receiver gets every event once it answers' });
      expect(slow.mostHeld).toBe(4);
    } finally {
      slow.release();
      await Promise.all([slow.stop(), fast.stop()]);
    }
  });

  it('disable a subscription whose receiver stays down for the whole schedule; enabled again, it delivers everything, in order', async () => {
    const who = parties();
    const receiver = new Receiver();
    await receiver.start();
    const garage = await token({ role: 'garage', org: who.garageId });
    const subscription = await subscribe({ role: 'garage', org: who.garageId }, receiver);
    await receiver.stop();
    const { events } = journey(who);
    await publish(events);
    const expected = publicFor(events, who, 'garage');

    const disabled = await waitFor(
      async () => {
        const s = await request('GET', `/v1/subscriptions/${subscription.id}`, { token: garage });
        return s.json.status === 'disabled' ? s.json : null;
      },
      { message: 'the subscription disabled' },
    );
    expect(disabled.disabledReason).toMatch(/failed 4 times over the retry schedule/);
    const log = await request('GET', `/v1/subscriptions/${subscription.id}/deliveries?status=failed`, { token: garage });
    expect(log.json.items).toHaveLength(1);
    const failed = log.json.items[0];
    expect(failed).toMatchObject({ eventType: 'mission.deposited', attempts: 4, lastResponseStatus: null, nextAttemptAt: null });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    // Everything after it waits for the owner.
    const waiting = await request('GET', `/v1/subscriptions/${subscription.id}/deliveries?status=pending`, { token: garage });
    expect(waiting.json.items).toHaveLength(expected.length - 1);

    await receiver.start();
    const enabled = await request('POST', `/v1/subscriptions/${subscription.id}/enable`, { token: garage });
    expect(enabled.json).toMatchObject({ status: 'enabled', disabledReason: null });
    await waitFor(() => receiver.accepted.length === expected.length - 1, { message: 'the waiting deliveries sent' });
    const again = await request('POST', `/v1/subscriptions/${subscription.id}/deliveries/${failed.id}/redeliver`, { token: garage });
    expect(again.status).toBe(202);
    await waitFor(() => receiver.accepted.length === expected.length, { message: 'the failed delivery sent again' });
    expect(receiver.accepted.at(-1)!.webhookId).toBe(expected[0]!.event.id);
    expect(byId(receiver.accepted.map((r) => r.event))).toEqual(byId(expected.map((e) => e.event)));
    await receiver.stop();
  });

  it('sign with the previous secret too for a day after a rotation', async () => {
    const who = parties();
    const receiver = new Receiver();
    await receiver.start();
    try {
      const insurer = await token({ role: 'insurer', org: who.insurerId });
      const subscription = await subscribe({ role: 'insurer', org: who.insurerId }, receiver, ['mission.deposited']);
      const old = subscription.secret;
      const rotated = await request('POST', `/v1/subscriptions/${subscription.id}/rotate-secret`, { token: insurer });
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      expect(rotated.json.secret).not.toBe(old);
      const overlap = Date.parse(rotated.json.previousSecretExpiresAt) - Date.now();
      expect(overlap).toBeGreaterThan(23.9 * 3600_000);
      expect(overlap).toBeLessThanOrEqual(24 * 3600_000);
      receiver.secrets = [old, rotated.json.secret];
      await publish(journey(who).events);
      const [delivery] = await waitFor(() => (receiver.accepted.length === 1 ? receiver.accepted : null), { message: 'the deposit delivered' });
      expect(delivery!.verifiedWith).toEqual([old, rotated.json.secret]);
      expect(delivery!.signature.split(' ')).toHaveLength(2);
    } finally {
      await receiver.stop();
    }
  });
});

describe('subscriptions', () => {
  it('refuse targets that are not public https endpoints, unknown event types, and more than the allowed number', async () => {
    const insurer = await token({ role: 'insurer', org: `INS${uniqueSuffix()}` });
    const create = (body: unknown) => request('POST', '/v1/subscriptions', { token: insurer, body });
    for (const url of ['http://10.0.0.7/hooks', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:192.168.1.1]/x', 'ftp://example.be/x', 'https://user:pw@example.be/x', 'https://example.be/x#frag']) {
      const response = await create({ url, events: ['*'] });
      expect(response.status, url).toBe(422);
      expect(response.json.code).toBe('target_not_allowed');
    }
    expect((await create({ url: 'https://example.be/x', events: ['mission.teleported'] })).status).toBe(400);
    expect((await create({ url: 'https://example.be/x', events: [] })).status).toBe(400);
    expect((await create({ url: 'https://example.be/x', events: ['*'], extra: 1 })).status).toBe(400);
    for (let i = 0; i < 3; i++) expect((await create({ url: `https://example.be/hooks/${i}`, events: ['*'] })).status).toBe(201);
    const full = await create({ url: 'https://example.be/hooks/4', events: ['*'] });
    expect(full.status).toBe(409);
    expect(full.json.code).toBe('too_many_subscriptions');
  });

  it("are an organisation's own: another organisation, role or ops sees none of them", async () => {
    const org = `G${uniqueSuffix()}`;
    const owner = await token({ role: 'garage', org });
    const created = await request('POST', '/v1/subscriptions', { token: owner, body: { url: 'https://garage.example.be/hooks', events: ['review.decided'] } });
    const id = created.json.id;
    const other = await token({ role: 'garage', org: `G${uniqueSuffix()}` });
    const sameOrgOtherRole = await token({ role: 'insurer', org });
    for (const caller of [other, sameOrgOtherRole]) {
      expect((await request('GET', `/v1/subscriptions/${id}`, { token: caller })).status).toBe(404);
      expect((await request('GET', `/v1/subscriptions/${id}/deliveries`, { token: caller })).status).toBe(404);
      expect((await request('POST', `/v1/subscriptions/${id}/rotate-secret`, { token: caller })).status).toBe(404);
      expect((await request('DELETE', `/v1/subscriptions/${id}`, { token: caller })).status).toBe(404);
      expect((await request('GET', '/v1/subscriptions', { token: caller })).json.items).toEqual([]);
    }
    expect((await request('GET', '/v1/subscriptions', { token: await token({ role: 'ops', org: 'OPS' }) })).status).toBe(403);
    // Never shown again, never stored in clear.
    const read = await request('GET', `/v1/subscriptions/${id}`, { token: owner });
    expect(read.json).not.toHaveProperty('secret');
    const { rows } = await service.ctx.pool.query('SELECT row_to_json(s)::text AS row FROM subscriptions s WHERE id = $1', [id]);
    expect(rows[0].row).not.toContain(created.json.secret.slice('whsec_'.length, 20));
    expect((await request('DELETE', `/v1/subscriptions/${id}`, { token: owner })).status).toBe(204);
    expect((await request('GET', `/v1/subscriptions/${id}`, { token: owner })).status).toBe(404);
  });
});

describe('the feed', () => {
  it('replays from any cursor, page by page, the same events the webhooks carry', async () => {
    const who = parties();
    const insurer = await token({ role: 'insurer', org: who.insurerId });
    const first = journey(who);
    const second = journey(who);
    await publish([...first.events, ...second.events]);
    const expected = [...publicFor(first.events, who, 'insurer'), ...publicFor(second.events, who, 'insurer')].map((e) => e.event);
    const all = await waitFor(
      async () => {
        const page = await request('GET', '/v1/feed', { token: insurer });
        return page.json.items.length === expected.length ? page.json : null;
      },
      { message: "the insurer's feed complete" },
    );
    expect(byId(all.items)).toEqual(byId(expected));
    // Two at a time from the start, then from the middle: the same sequence.
    const paged: any[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await request('GET', `/v1/feed?limit=2${cursor ? `&after=${cursor}` : ''}`, { token: insurer });
      if (page.json.items.length === 0) break;
      paged.push(...page.json.items);
      cursor = page.json.nextCursor;
    }
    expect(paged).toEqual(all.items);
    const empty = await request('GET', `/v1/feed?after=${cursor}`, { token: insurer });
    expect(empty.json).toEqual({ items: [], nextCursor: cursor });
    // Another organisation's feed holds none of it.
    expect((await request('GET', '/v1/feed', { token: await token({ role: 'insurer', org: `INS${uniqueSuffix()}` }) })).json.items).toEqual([]);
  });

  it('refuses a cursor it did not issue (400) and one older than the retention (410)', async () => {
    const garage = await token({ role: 'garage', org: `G${uniqueSuffix()}` });
    expect((await request('GET', '/v1/feed?after=not-a-cursor', { token: garage })).status).toBe(400);
    expect((await request('GET', `/v1/feed?after=${encodeKeysetCursor(['1', 2])}`, { token: garage })).status).toBe(400);
    const old = encodeKeysetCursor([1, Date.now() - 36 * 86_400_000]);
    const expired = await request('GET', `/v1/feed?after=${old}`, { token: garage });
    expect(expired.status).toBe(410);
    expect(expired.json.code).toBe('cursor_expired');
  });
});
