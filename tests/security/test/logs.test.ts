// What the services write to their logs, captured with the production logger configuration
// (createLogger with its redactions) at the most verbose level, through a whole procedure heard by
// webhooks: never a token, never the owner's name, phone or e-mail, never a photo's bytes, never a
// request body, never a webhook signing secret nor the key that seals them.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@smart-expertise/service-runtime';
import { waitFor } from '@smart-expertise/service-runtime/testing';
import { Platform, SERVICE_NAMES, SUBSCRIBER_ROLES, Seeder, parties, subscriptionBody, type ServiceName } from './platform.ts';

const lines: { service: ServiceName; line: string }[] = [];
let platform: Platform;
const secrets: string[] = [];
const OWNER = { name: 'Zoë Vandenbroucke-Secret', phone: '+32 499 98 76 54', email: 'zoe.secret@example.be' };

function capture(service: ServiceName) {
  return createLogger(service, 'trace', new Writable({ write: (chunk, _encoding, done) => (lines.push({ service, line: String(chunk) }), done()) }));
}

beforeAll(async () => {
  platform = await Platform.create({
    loggers: Object.fromEntries(SERVICE_NAMES.map((name) => [name, capture(name)])) as Record<ServiceName, ReturnType<typeof capture>>,
    // A failed delivery is retried at once, so that its log lines are among those checked.
    env: { integrations: { WEBHOOK_RETRY_SCHEDULE: '50ms,50ms' } },
  });
  const seeder = new Seeder(platform);
  const p = await parties('L');
  secrets.push(p.insurer, p.garage, p.expert, p.ops, platform.webhookSecretsKey);
  // Every party hears the procedure by webhook; the garage rotates its secret first, so that each
  // delivery is signed with both, and the first delivery fails once.
  const signing = (secret: string) => secrets.push(secret, secret.replace(/^whsec_/, ''));
  const subscriptions = await Promise.all(SUBSCRIBER_ROLES.map((role) => seeder.subscription(p, role)));
  for (const { secret } of subscriptions) signing(secret);
  const garage = subscriptions[SUBSCRIBER_ROLES.indexOf('garage')]!;
  const rotated = await platform.request('integrations', 'POST', `/v1/subscriptions/${garage.id}/rotate-secret`, { token: p.garage });
  expect(rotated.status).toBe(200);
  signing(rotated.json.secret);
  platform.webhooks.answers.push(500);
  // Refused subscriptions whose bodies carry a password and a secret of the caller's choosing.
  const password = 'Int3grator-Passw0rd-Secret';
  secrets.push(password);
  expect((await platform.request('integrations', 'POST', '/v1/subscriptions', { token: p.garage, body: subscriptionBody({ url: `https://integrator:${password}@hooks.example.com/` }) })).status).toBe(422);
  const chosen = 'whsec_Q2hvc2VuQnlUaGVDYWxsZXJDaG9zZW5CeVRoZUNhbGxlcg==';
  secrets.push(chosen);
  expect((await platform.request('integrations', 'POST', '/v1/subscriptions', { token: p.garage, body: subscriptionBody({ secret: chosen }) })).status).toBe(400);
  // A whole procedure with an owner whose data must stay out of the logs.
  const original = seeder.mission.bind(seeder);
  seeder.mission = (who, over = {}) => original(who, { owner: { ...OWNER, vatRegime: 'none' }, ...over });
  const validated = await seeder.validated(p);
  const photo = await platform.request('quote', 'GET', `/v1/quotes/${validated.quoteId}/photos/${validated.photoIds[0]}`, { token: p.garage });
  expect(photo.status).toBe(200);
  // The photo's bytes, as they would appear if a body or buffer were logged.
  secrets.push(Buffer.from(photo.body, 'latin1').subarray(20, 60).toString('base64'), 'JFIF');
  // Refused tokens are not echoed either.
  const forged = `${p.garage.slice(0, -4)}AAAA`;
  secrets.push(forged);
  expect((await platform.request('mission-intake', 'GET', `/v1/missions/${validated.missionId}`, { token: forged })).status).toBe(401);
  // A request that fails validation with the owner's data in its body.
  expect((await platform.request('mission-intake', 'POST', '/v1/missions', { token: p.insurer, body: { owner: OWNER } })).status).toBe(400);
  await platform.quiesce();
  // The garage's deliveries went out signed with its two secrets, one of them after a failure.
  const toGarage = platform.webhooks.received.filter((r) => r.url === garage.url);
  expect(toGarage.length).toBeGreaterThan(0);
  expect(toGarage.every((r) => r.headers['webhook-signature']!.split(' ').length === 2)).toBe(true);
  await waitFor(
    async () => (await platform.service('integrations').ctx.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM deliveries WHERE attempts > 1 AND status = 'delivered'")).rows[0]!.n > 0,
    { message: 'the failed delivery to be delivered on retry' },
  );
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

describe('logs', () => {
  it('were captured (requests, events, relays) so the checks below are not vacuous', () => {
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.line.includes('"reqId"') && l.line.includes('"req"'))).toBe(true);
    for (const name of SERVICE_NAMES) expect(lines.some((l) => l.service === name), name).toBe(true);
    // The webhook sender's lines too: deliveries made, and the one that failed and was retried.
    const sender = lines.filter((l) => l.service === 'integrations' && l.line.includes('"deliveryId"'));
    expect(sender.some((l) => l.line.includes('"nextAttemptAt"')), 'a failed delivery logged').toBe(true);
    expect(sender.length, 'deliveries logged').toBeGreaterThan(3);
    console.log(`logs: ${lines.length} lines checked`);
  });

  it('never contain a token, the owner’s personal data, a photo, a webhook signing secret or the key that seals them', () => {
    const leaks: string[] = [];
    for (const { service, line } of lines) {
      for (const secret of [...secrets, OWNER.name, OWNER.phone, OWNER.email, 'Bearer ']) {
        if (line.includes(secret)) leaks.push(`${service}: ${secret.slice(0, 20)}… in ${line.slice(0, 200)}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('log requests without headers or bodies', () => {
    const requests = lines.map((l) => JSON.parse(l.line) as Record<string, any>).filter((entry) => entry.req);
    expect(requests.length).toBeGreaterThan(0);
    for (const entry of requests) {
      expect(Object.keys(entry.req).sort()).toEqual(expect.not.arrayContaining(['body', 'headers', 'payload']));
      expect(entry.body).toBeUndefined();
    }
  });
});
