// What the services write to their logs, captured with the production logger configuration
// (createLogger with its redactions) at the most verbose level, through a whole procedure: never a
// token, never the owner's name, phone or e-mail, never a photo's bytes, never a request body.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@smart-expertise/service-runtime';
import { Platform, SERVICE_NAMES, Seeder, parties, type ServiceName } from './platform.ts';

const lines: { service: ServiceName; line: string }[] = [];
let platform: Platform;
const secrets: string[] = [];
const OWNER = { name: 'Zoë Vandenbroucke-Secret', phone: '+32 499 98 76 54', email: 'zoe.secret@example.be' };

function capture(service: ServiceName) {
  return createLogger(service, 'trace', new Writable({ write: (chunk, _encoding, done) => (lines.push({ service, line: String(chunk) }), done()) }));
}

beforeAll(async () => {
  platform = await Platform.create({ loggers: Object.fromEntries(SERVICE_NAMES.map((name) => [name, capture(name)])) as Record<ServiceName, ReturnType<typeof capture>> });
  const seeder = new Seeder(platform);
  const p = await parties('L');
  secrets.push(p.insurer, p.garage, p.expert, p.ops);
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
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

describe('logs', () => {
  it('were captured (requests, events, relays) so the checks below are not vacuous', () => {
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.line.includes('"reqId"') && l.line.includes('"req"'))).toBe(true);
    for (const name of SERVICE_NAMES) expect(lines.some((l) => l.service === name), name).toBe(true);
    console.log(`logs: ${lines.length} lines checked`);
  });

  it('never contain a token, the owner’s personal data, or a photo', () => {
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
