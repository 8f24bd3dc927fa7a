// The access matrix: every route of the four services × every role × own organisation / another
// organisation / no token / expired / signed with another key / `alg: none` / bad claims /
// garbage, against the answers api.md promises: 2xx for an allowed role on its own resource, 404
// for another organisation's (never 403: that would reveal it exists), 403 for a role that may
// never call the route, 401 without a valid token. The route list comes from the services
// themselves (service.routes() and the OpenAPI documents): a route missing from EXPECTATIONS fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Roles, type Role } from '@smart-expertise/service-runtime';
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
        else if (expected.service !== service || [...expected.roles].sort().join() !== [...route.roles].sort().join()) {
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
        if (expected.scope === 'org' && !wide) {
          check(`${role} other org`, (await send(base, other)).status, 404);
        } else if (expected.scope === 'list' && !wide) {
          const response = await send(base, other);
          check(`${role} other org`, response.status, 200, !response.body.includes(base.absent!));
        } else if (!expected.fresh) {
          check(`${role} other org`, (await send(expected.request(f), other)).status, expected.ok);
        }
        const ownRequest = expected.fresh ? await expected.fresh(f) : expected.request(f);
        const response = await send(ownRequest, own);
        check(`${role} own org`, response.status, expected.ok, expected.scope !== 'list' || wide || response.body.includes(base.absent!));
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

