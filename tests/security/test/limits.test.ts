// Abuse limits: rate limiting per organisation (RATE_LIMIT_PER_MINUTE), body size per route (capped
// by BODY_LIMIT_BYTES), upload size and count, webhook subscriptions per organisation
// (WEBHOOK_MAX_SUBSCRIPTIONS), request timeouts, and the security headers on every kind of answer.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform, Seeder, depositBody, jpeg, multipart, parties, subscriptionBody, type Parties, type ServiceName } from './platform.ts';

const PHOTO_MAX_BYTES = 2048;
const MAX_SUBSCRIPTIONS = 3;
let platform: Platform;
let seeder: Seeder;
let a: Parties;
let b: Parties;

beforeAll(async () => {
  platform = await Platform.create({
    env: {
      'mission-intake': { RATE_LIMIT_PER_MINUTE: '8', BODY_LIMIT_BYTES: '4096', REQUEST_TIMEOUT_MS: '600' },
      quote: { PHOTO_MAX_BYTES: String(PHOTO_MAX_BYTES), PHOTO_MAX_FILES_PER_REQUEST: '2', PHOTO_MAX_COUNT: '3' },
      integrations: { RATE_LIMIT_PER_MINUTE: '8', BODY_LIMIT_BYTES: '4096', REQUEST_TIMEOUT_MS: '600', WEBHOOK_MAX_SUBSCRIPTIONS: String(MAX_SUBSCRIPTIONS) },
    },
  });
  seeder = new Seeder(platform);
  a = await parties('A');
  b = await parties('B');
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

const problemJson = (headers: Record<string, unknown>) => expect(String(headers['content-type'])).toMatch(/^application\/problem\+json/);

describe('rate limiting per organisation', () => {
  it('answers 429 problem+json past RATE_LIMIT_PER_MINUTE for one organisation, and not for another', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await platform.request('mission-intake', 'GET', '/v1/missions', { token: a.insurer })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
    const limited = await platform.request('mission-intake', 'GET', '/v1/missions', { token: a.insurer });
    expect(limited.status).toBe(429);
    problemJson(limited.headers);
    expect(limited.json).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers['retry-after']).toBeDefined();
    // Another organisation has its own budget; health and docs are never limited.
    expect((await platform.request('mission-intake', 'GET', '/v1/missions', { token: b.insurer })).status).toBe(200);
    expect((await platform.request('mission-intake', 'GET', '/health/live')).status).toBe(200);
    // Without a valid token the answer stays 401 (authentication comes first).
    expect((await platform.request('mission-intake', 'GET', '/v1/missions')).status).toBe(401);
  });

  it('answers 429 on integrations too, whatever route and role of the organisation asks, and not for another organisation', async () => {
    const r = await parties('R');
    const other = await parties('S');
    const reads = ['/v1/subscriptions', '/v1/feed'];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await platform.request('integrations', 'GET', reads[i % 2]!, { token: r.garage })).status);
    expect(statuses).toEqual(Array(8).fill(200));
    // The budget is the organisation's, across routes (a subscription made counts like a read).
    const limited = await platform.request('integrations', 'POST', '/v1/subscriptions', { token: r.garage, body: subscriptionBody() });
    expect(limited.status).toBe(429);
    problemJson(limited.headers);
    expect(limited.json).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers['retry-after']).toBeDefined();
    const { rows } = await platform.service('integrations').ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions WHERE organisation = $1', [r.garageId]);
    expect(rows[0]!.n).toBe(0);
    expect((await platform.request('integrations', 'GET', '/v1/feed', { token: other.garage })).status).toBe(200);
    expect((await platform.request('integrations', 'GET', '/health/live')).status).toBe(200);
    expect((await platform.request('integrations', 'GET', '/v1/feed')).status).toBe(401);
  });
});

describe('body size per route', () => {
  it('caps every route’s own limit at BODY_LIMIT_BYTES and answers 413 problem+json above it', async () => {
    const routes = platform.service('mission-intake').routes();
    const deposit = routes.find((r) => r.method === 'POST' && r.url === '/v1/missions')!;
    const abandon = routes.find((r) => r.method === 'POST' && r.url === '/v1/missions/:id/abandon')!;
    expect(deposit.bodyLimit).toBe(4096);
    expect(abandon.bodyLimit).toBe(4096);
    const big = depositBody(b, { claim: { claimNumber: 'C1', policyNumber: 'P1', lossDate: '2026-01-02', circumstances: 'x'.repeat(3900) } });
    const response = await platform.request('mission-intake', 'POST', '/v1/missions', { token: b.insurer, body: big });
    expect(response.status).toBe(413);
    problemJson(response.headers);
  });

  it('keeps the small limits of the routes that take small bodies (quote service, default BODY_LIMIT_BYTES)', async () => {
    const limits = Object.fromEntries(platform.service('quote').routes().filter((r) => r.roles).map((r) => [`${r.method} ${r.url}`, r.bodyLimit]));
    expect(limits['PUT /v1/quotes/:id/smart-frame']).toBe(4 * 1024);
    expect(limits['POST /v1/quotes/:id/close']).toBe(1024);
    const response = await platform.request('quote', 'PUT', '/v1/quotes/q_1/smart-frame', { token: a.garage, raw: JSON.stringify({ probableTotalLoss: 'x'.repeat(5000) }), contentType: 'application/json' });
    expect(response.status).toBe(413);
    problemJson(response.headers);
  });

  it('caps the integrations routes at BODY_LIMIT_BYTES too, keeps their small limits, and answers 413 problem+json above, storing nothing', async () => {
    const limits = Object.fromEntries(platform.service('integrations').routes().filter((r) => r.roles).map((r) => [`${r.method} ${r.url}`, r.bodyLimit]));
    // The route's own 8 kB is capped at this platform's 4 kB; rotations, enabling and redeliveries take no body (1 kB).
    expect(limits['POST /v1/subscriptions']).toBe(4096);
    expect(limits['DELETE /v1/subscriptions/:id']).toBe(4096);
    expect(limits['POST /v1/subscriptions/:id/rotate-secret']).toBe(1024);
    expect(limits['POST /v1/subscriptions/:id/enable']).toBe(1024);
    expect(limits['POST /v1/subscriptions/:id/deliveries/:deliveryId/redeliver']).toBe(1024);
    const c = await parties('C');
    const count = async () => (await platform.service('integrations').ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions WHERE organisation = $1', [c.garageId])).rows[0]!.n;
    const tooBig = await platform.request('integrations', 'POST', '/v1/subscriptions', { token: c.garage, body: subscriptionBody({ url: `https://hooks.example.com/${'a'.repeat(4200)}` }) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ code: 'payload_too_large' });
    problemJson(tooBig.headers);
    expect(await count()).toBe(0);
    const { id } = await seeder.subscription(c, 'garage');
    const rotate = await platform.request('integrations', 'POST', `/v1/subscriptions/${id}/rotate-secret`, { token: c.garage, raw: JSON.stringify({ pad: 'x'.repeat(2000) }), contentType: 'application/json' });
    expect(rotate.status).toBe(413);
    problemJson(rotate.headers);
    const { rows } = await platform.service('integrations').ctx.pool.query('SELECT previous_secret_encrypted FROM subscriptions WHERE id = $1', [id]);
    expect(rows[0].previous_secret_encrypted, 'a refused rotation rotated the secret').toBeNull();
  });
});

describe('webhook subscriptions per organisation', () => {
  it('holds at most WEBHOOK_MAX_SUBSCRIPTIONS per organisation and role, also when asked all at once (409 problem+json), and frees a place on removal', async () => {
    const d = await parties('D');
    const count = async (role: string) =>
      (await platform.service('integrations').ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions WHERE organisation = $1 AND role = $2', [d.garageId, role])).rows[0]!.n;
    const attempts = await Promise.all(Array.from({ length: MAX_SUBSCRIPTIONS + 2 }, () => platform.request('integrations', 'POST', '/v1/subscriptions', { token: d.garage, body: subscriptionBody() })));
    expect(attempts.map((r) => r.status).sort()).toEqual([...Array(MAX_SUBSCRIPTIONS).fill(201), 409, 409]);
    for (const refused of attempts.filter((r) => r.status === 409)) {
      problemJson(refused.headers);
      expect(refused.json).toMatchObject({ code: 'too_many_subscriptions' });
    }
    expect(await count('garage')).toBe(MAX_SUBSCRIPTIONS);
    // Removing one frees its place.
    const first = attempts.find((r) => r.status === 201)!.json.id;
    expect((await platform.request('integrations', 'DELETE', `/v1/subscriptions/${first}`, { token: d.garage })).status).toBe(204);
    expect((await platform.request('integrations', 'POST', '/v1/subscriptions', { token: d.garage, body: subscriptionBody() })).status).toBe(201);
    expect(await count('garage')).toBe(MAX_SUBSCRIPTIONS);
  });
});

describe('uploads', () => {
  it('refuses a photo above PHOTO_MAX_BYTES (413), more files than PHOTO_MAX_FILES_PER_REQUEST (413), more photos than PHOTO_MAX_COUNT (422), storing nothing', async () => {
    // Its own organisations: insurer A spent its request budget above.
    const c = await parties('C');
    const { quoteId } = await seeder.draftQuote(c);
    const count = async () => (await platform.service('quote').ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM photos WHERE quote_id = $1', [quoteId])).rows[0]!.n;
    const send = (files: Buffer[]) => platform.request('quote', 'POST', `/v1/quotes/${quoteId}/photos`, { token: c.garage, ...multipart(files.map((bytes) => ({ bytes }))) });

    const tooLarge = await send([jpeg(PHOTO_MAX_BYTES + 1)]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json).toMatchObject({ code: 'photo_too_large' });
    problemJson(tooLarge.headers);

    const tooMany = await send([jpeg(), jpeg(), jpeg()]);
    expect(tooMany.status).toBe(413);
    expect(tooMany.json).toMatchObject({ code: 'too_many_files_in_request' });
    expect(await count()).toBe(0);

    expect((await send([jpeg(), jpeg()])).status).toBe(201);
    const overCount = await send([jpeg(), jpeg()]);
    expect(overCount.status).toBe(422);
    expect(overCount.json).toMatchObject({ code: 'too_many_photos' });
    expect(await count()).toBe(2);

    // A batch with one bad file is refused whole.
    const mixed = await send([jpeg(), Buffer.from('MZ\x90\x00 not an image')]);
    expect(mixed.status).toBe(415);
    expect(await count()).toBe(2);
  });
});

describe('request timeouts', () => {
  const stalled: [ServiceName, string][] = [
    ['mission-intake', '/v1/missions'],
    ['integrations', '/v1/subscriptions'],
  ];
  for (const [service, path] of stalled) {
    it(`drops a client that never finishes its request (slowloris) after REQUEST_TIMEOUT_MS: ${service}`, async () => {
      const url = new URL(platform.service(service).app.listeningOrigin);
      const started = Date.now();
      const outcome = await new Promise<{ data: string; ms: number }>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname);
        let data = '';
        socket.on('connect', () => socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`));
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('close', () => resolve({ data, ms: Date.now() - started }));
        socket.on('error', () => resolve({ data, ms: Date.now() - started }));
        setTimeout(() => reject(new Error('the server kept a stalled request open')), 10_000).unref();
      });
      expect(outcome.ms).toBeLessThan(5_000);
      if (outcome.data) expect(outcome.data).toMatch(/^HTTP\/1\.1 (408|400|401)/);
    });
  }
});

describe('security headers', () => {
  it('are on every kind of answer: 200, 401, 403, 404, 413, 415, and docs', async () => {
    const answers = [
      await platform.request('mission-intake', 'GET', '/v1/missions', { token: b.insurer }),
      await platform.request('quote', 'GET', '/v1/quotes/q_1'),
      await platform.request('quote', 'GET', '/v1/quotes/q_1', { token: a.ops }),
      await platform.request('quote', 'GET', '/v1/quotes/q_1', { token: a.garage }),
      await platform.request('quote', 'GET', '/nowhere'),
      await platform.request('expert-review', 'POST', '/v1/reviews/r1/decision', { token: a.expert, raw: '<x/>', contentType: 'application/xml' }),
      await platform.request('expert-review', 'POST', '/v1/reviews/r1/decision', { token: a.expert, raw: JSON.stringify({ note: 'x'.repeat(20_000) }), contentType: 'application/json' }),
      await platform.request('expiry-scheduler', 'GET', '/docs/json'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 403, 404, 404, 415, 413, 200]);
    for (const response of answers) expectSecurityHeaders(response.headers);
  });

  it('are on every kind of integrations answer too: 200, 201, 204, 401, 403, 404, 410, 413, 415, 422, and docs', async () => {
    const h = await parties('H');
    const made = await platform.request('integrations', 'POST', '/v1/subscriptions', { token: h.insurer, body: subscriptionBody() });
    const old = Buffer.from(JSON.stringify([1, Date.now() - 40 * 86_400_000])).toString('base64url');
    const answers = [
      await platform.request('integrations', 'GET', '/v1/feed', { token: h.garage }),
      made,
      await platform.request('integrations', 'DELETE', `/v1/subscriptions/${made.json.id}`, { token: h.insurer }),
      await platform.request('integrations', 'GET', '/v1/subscriptions'),
      await platform.request('integrations', 'GET', '/v1/feed', { token: h.ops }),
      await platform.request('integrations', 'GET', `/v1/subscriptions/${made.json.id}`, { token: h.insurer }),
      await platform.request('integrations', 'GET', `/v1/feed?after=${old}`, { token: h.garage }),
      await platform.request('integrations', 'POST', `/v1/subscriptions/${made.json.id}/enable`, { token: h.insurer, raw: JSON.stringify({ pad: 'x'.repeat(2000) }), contentType: 'application/json' }),
      await platform.request('integrations', 'POST', '/v1/subscriptions', { token: h.expert, raw: '<x/>', contentType: 'application/xml' }),
      await platform.request('integrations', 'POST', '/v1/subscriptions', { token: h.expert, body: subscriptionBody({ url: 'https://169.254.169.254/latest/meta-data/' }) }),
      await platform.request('integrations', 'GET', '/docs/json'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 201, 204, 401, 403, 404, 410, 413, 415, 422, 200]);
    for (const response of answers) expectSecurityHeaders(response.headers);
  });
});

/** What @fastify/helmet and the request-id plugin put on every answer, errors included. */
function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-powered-by']).toBeUndefined();
  expect(headers['x-request-id']).toBeDefined();
}
