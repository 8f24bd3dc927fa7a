// The access matrix: every route of the five services × every role × own organisation / another
// organisation / the same organisation id under another role / no token / expired / signed with
// another key / `alg: none` / bad claims / garbage, against the answers api.md promises: 2xx for an
// allowed role on its own resource, 404 for another organisation's (never 403: that would reveal it
// exists), 403 for a role that may never call the route, 401 without a valid token. The route list
// comes from the services themselves (service.routes() and the OpenAPI documents): a route missing
// from EXPECTATIONS fails.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roles, type Role } from '@smart-expertise/service-runtime';
import { waitFor } from '@smart-expertise/service-runtime/testing';
import { Platform, SERVICE_NAMES, principalOf, type ServiceName } from './platform.ts';
import { EXPECTATIONS, PLATFORM_WIDE, PUBLIC, seedFixtures, type Fixtures, type Req } from './routes.ts';
import { GARBAGE_AUTHORIZATIONS, INVALID_TOKEN_KINDS, tokenOf } from './tokens.ts';

let platform: Platform;
let f: Fixtures;
const routesByService = new Map<ServiceName, { method: string; url: string; roles?: readonly Role[] }[]>();

beforeAll(async () => {
  platform = await Platform.create();
  f = await seedFixtures(platform);
  for (const name of SERVICE_NAMES) routesByService.set(name, platform.service(name).routes());
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

describe('route table', () => {
  it('knows every route the services expose, with the same roles, and nothing else is public', () => {
    const unknown: string[] = [];
    const mismatched: string[] = [];
    const publicRoutes: string[] = [];
    const seen = new Set<string>();
    for (const [service, routes] of routesByService) {
      for (const route of routes) {
        if (route.method === 'HEAD') continue;
        const key = `${route.method} ${route.url}`;
        if (!route.roles) {
          if (!PUBLIC.test(route.url)) publicRoutes.push(`${service}: ${key}`);
          continue;
        }
        seen.add(key);
        const expected = EXPECTATIONS[key];
        if (!expected) unknown.push(`${service}: ${key} (roles ${route.roles.join(', ')})`);
        else if ((expected.service !== service && !expected.everyService) || [...expected.roles].sort().join() !== [...route.roles].sort().join()) {
          mismatched.push(`${key}: the table says ${expected.service} ${expected.roles.join(', ')}, the service ${service} ${route.roles.join(', ')}`);
        }
      }
    }
    expect(unknown, 'routes missing from EXPECTATIONS: add them with their roles and fixtures').toEqual([]);
    expect(mismatched, 'roles differ from api.md as written in EXPECTATIONS').toEqual([]);
    expect(publicRoutes, 'routes without config.roles are public: only health, metrics and docs may be').toEqual([]);
    expect(Object.keys(EXPECTATIONS).filter((k) => !seen.has(k)), 'EXPECTATIONS lists routes that no longer exist').toEqual([]);
  });

  it('matches the OpenAPI documents: every documented operation is a protected route in the table, and the reverse', async () => {
    const documented = new Set<string>();
    for (const name of SERVICE_NAMES) {
      const response = await platform.request(name, 'GET', '/docs/json');
      expect(response.status).toBe(200);
      for (const [path, operations] of Object.entries(response.json.paths as Record<string, Record<string, unknown>>)) {
        for (const method of Object.keys(operations)) documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
      }
    }
    expect([...documented].sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });
});

describe('access matrix', () => {
  for (const [key, expected] of Object.entries(EXPECTATIONS)) {
    const [method] = key.split(' ') as [string];
    it(`${key}`, async () => {
      let cases = 0;
      const failures: string[] = [];
      const check = (label: string, status: number, want: number | number[], extra = true) => {
        cases += 1;
        const wanted = Array.isArray(want) ? want : [want];
        if (!wanted.includes(status) || !extra) failures.push(`${label}: got ${status}, expected ${wanted.join(' or ')}${extra ? '' : ' (and a clean answer)'}`);
      };
      const send = async (req: Req, authorization: string | undefined) => {
        const { url, absent: _absent, ...options } = req;
        const response = await platform.request(expected.service, method, url, { ...options, ...(authorization === undefined ? {} : { authorization }) });
        if (response.status >= 400) {
          // Every refusal is problem+json and never reveals a stack or SQL.
          if (!String(response.headers['content-type']).startsWith('application/problem+json')) failures.push(`${url} ${response.status} is not problem+json`);
        }
        return response;
      };
      const base = expected.request(f);

      // No token, and Authorization headers that are not bearer tokens.
      check('no token', (await send(base, undefined)).status, 401);
      for (const garbage of GARBAGE_AUTHORIZATIONS) check(`garbage ${garbage.slice(0, 20)}`, (await send(base, garbage)).status, 401);

      for (const role of Roles) {
        const allowed = expected.roles.includes(role);
        const ownOrg = role === 'insurer' ? f.a.insurerId : role === 'garage' ? f.a.garageId : role === 'expert' ? f.a.expertOfficeId : 'PLATFORM';
        const otherOrg = role === 'insurer' ? f.b.insurerId : role === 'garage' ? f.b.garageId : role === 'expert' ? f.b.expertOfficeId : 'PLATFORM2';

        // Invalid tokens carrying this role and the owner's organisation: 401 whatever the role.
        for (const kind of INVALID_TOKEN_KINDS) {
          check(`${role} ${kind}`, (await send(base, `Bearer ${await tokenOf(kind, principalOf(role, ownOrg))}`)).status, 401);
        }

        const own = `Bearer ${await tokenOf('valid', principalOf(role, ownOrg))}`;
        const other = `Bearer ${await tokenOf('valid', principalOf(role, otherOrg))}`;
        if (!allowed) {
          check(`${role} own org`, (await send(base, own)).status, 403);
          check(`${role} other org`, (await send(base, other)).status, 403);
          continue;
        }
        // Another organisation first: it must not change anything the own call relies on.
        const wide = PLATFORM_WIDE.includes(role);
        const mine = expected.request(f, role);
        if (expected.scope === 'org' && !wide) {
          check(`${role} other org`, (await send(mine, other)).status, 404);
        } else if (expected.scope === 'list' && !wide) {
          const response = await send(mine, other);
          check(`${role} other org`, response.status, 200, !response.body.includes(mine.absent!));
        } else if (!expected.fresh) {
          check(`${role} other org`, (await send(expected.request(f, role), other)).status, expected.ok);
        }
        // The same organisation id under another role the route allows is another owner.
        if (expected.scope !== 'none' && !wide) {
          for (const otherRole of expected.roles.filter((r) => r !== role && !PLATFORM_WIDE.includes(r))) {
            const response = await send(mine, `Bearer ${await tokenOf('valid', principalOf(otherRole, ownOrg))}`);
            if (expected.scope === 'org') check(`${otherRole} with ${role}'s org id`, response.status, 404);
            else check(`${otherRole} with ${role}'s org id`, response.status, 200, !response.body.includes(mine.absent!));
          }
        }
        const ownRequest = expected.fresh ? await expected.fresh(f, role) : expected.request(f, role);
        const response = await send(ownRequest, own);
        check(`${role} own org`, response.status, expected.ok, expected.scope !== 'list' || wide || response.body.includes(mine.absent!));
        if (response.status !== expected.ok) failures.push(`${role} own org answered ${response.body.slice(0, 300)}`);
      }
      console.log(`${key}: ${cases} cases`);
      expect(failures).toEqual([]);
    });
  }
});

describe('HEAD routes', () => {
  it('carry the roles of their GET and refuse without a token', async () => {
    let cases = 0;
    for (const [service, routes] of routesByService) {
      for (const route of routes.filter((r) => r.method === 'HEAD' && r.roles)) {
        const get = EXPECTATIONS[`GET ${route.url}`];
        expect(get, `HEAD ${route.url}`).toBeDefined();
        expect([...route.roles!].sort()).toEqual([...get!.roles].sort());
        const response = await platform.request(service, 'HEAD', get!.request(f).url);
        expect(response.status).toBe(401);
        cases += 1;
      }
    }
    console.log(`HEAD routes: ${cases} cases`);
  });
});

describe('webhook subscriptions', () => {
  const SUBSCRIPTION_ID = /sub_[0-9a-f]{32}/;
  const DELIVERY_ID = /dlv_[0-9a-f]{32}/;
  const bearer = async (role: Role, org: string) => `Bearer ${await tokenOf('valid', principalOf(role, org))}`;
  /** What a refusal tells, the id it names aside. */
  const told = (response: Awaited<ReturnType<Platform['request']>>, id: string) => ({
    status: response.status,
    contentType: response.headers['content-type'],
    code: response.json?.code,
    title: response.json?.title,
    detail: String(response.json?.detail).replaceAll(id, '<id>'),
    errors: response.json?.errors,
  });
  const stored = async (id: string) =>
    (await platform.service('integrations').ctx.pool.query('SELECT status, secret_encrypted, previous_secret_encrypted, updated_at FROM subscriptions WHERE id = $1', [id])).rows[0];

  it("answer another organisation's subscription, or the same organisation id under another role, exactly like a missing one, and leave it as it was", async () => {
    const mine = f.subscriptions.garage;
    const before = [await stored(mine.id), await stored(mine.spareId)];
    const strangers: [string, string][] = [
      ['another garage', await bearer('garage', f.b.garageId)],
      ["an insurer with the garage's org id", await bearer('insurer', f.a.garageId)],
      ["an expert office with the garage's org id", await bearer('expert', f.a.garageId)],
    ];
    const failures: string[] = [];
    let cases = 0;
    for (const [key, expected] of Object.entries(EXPECTATIONS).filter(([k, e]) => e.service === 'integrations' && k.includes(':id'))) {
      const [method] = key.split(' ') as [string];
      const { url, absent: _absent, ...options } = expected.request(f, 'garage');
      const id = SUBSCRIPTION_ID.exec(url)![0];
      const missing = `sub_${randomBytes(16).toString('hex')}`;
      for (const [who, authorization] of strangers) {
        const theirs = await platform.request('integrations', method, url, { ...options, authorization });
        const none = await platform.request('integrations', method, url.replace(id, missing), { ...options, authorization });
        cases += 1;
        if (theirs.status !== 404) failures.push(`${key}, ${who}: ${theirs.status} ${theirs.body.slice(0, 200)}`);
        else if (!isDeepStrictEqual(told(theirs, id), told(none, missing))) failures.push(`${key}, ${who}: ${JSON.stringify(told(theirs, id))} differs from a missing one's ${JSON.stringify(told(none, missing))}`);
      }
    }
    console.log(`subscriptions of another owner: ${cases} cases`);
    expect(failures).toEqual([]);
    // Neither removed, nor rotated, nor touched.
    expect([await stored(mine.id), await stored(mine.spareId)]).toEqual(before);
  });

  it('reach a delivery only through its own subscription', async () => {
    const mine = f.subscriptions.garage;
    // The matrix redelivered it: let that attempt end first, so that nothing moves but what this test sends.
    await waitFor(async () => (await platform.dueWebhooks()) === 0, { message: 'the redelivery to be sent' });
    const delivery = async () =>
      (await platform.service('integrations').ctx.pool.query('SELECT status, attempts, retry_base, next_attempt_at FROM deliveries WHERE id = $1', [mine.deliveryId])).rows[0];
    const before = await delivery();
    const theirs = await f.seeder.subscription(f.b, 'garage');
    const through: [string, string, string][] = [
      ["another garage's own subscription", theirs.id, await bearer('garage', f.b.garageId)],
      ["A's insurer's subscription", f.subscriptions.insurer.id, await bearer('insurer', f.a.insurerId)],
      ["the garage's other subscription", mine.spareId, await bearer('garage', f.a.garageId)],
    ];
    for (const [what, subscriptionId, authorization] of through) {
      const url = `/v1/subscriptions/${subscriptionId}/deliveries/${mine.deliveryId}/redeliver`;
      const missing = `dlv_${randomBytes(16).toString('hex')}`;
      const response = await platform.request('integrations', 'POST', url, { authorization });
      const none = await platform.request('integrations', 'POST', url.replace(DELIVERY_ID, missing), { authorization });
      expect(response.status, what).toBe(404);
      expect(told(response, mine.deliveryId), what).toEqual(told(none, missing));
      expect(response.json.code).toBe('delivery_not_found');
    }
    // Nor does another owner's delivery log show it.
    const log = await platform.request('integrations', 'GET', `/v1/subscriptions/${theirs.id}/deliveries?limit=100`, { token: f.b.garage });
    expect(log.status).toBe(200);
    expect(log.body).not.toContain(mine.deliveryId);
    expect(await delivery()).toEqual(before);
  });
});
