// The hostile-input campaign: for every route, requests derived from its OpenAPI schema (body,
// path parameters, query) with one slot broken at a time (fast-check), plus malformed JSON, wrong
// content types, oversized bodies and path traversal in ids. Schema-invalid requests must answer
// 4xx problem+json, quickly, and write nothing; hostile but schema-valid ones (SQL and script
// snippets, unicode edge cases, numbers at the bounds) must never answer 5xx, must round-trip
// unchanged, and leave the data consistent (no half-written mission, quote or event).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueSuffix } from '@smart-expertise/service-runtime/testing';
import { Platform, SERVICE_NAMES, jpeg, multipart, principalOf, type InjectOptions, type ServiceName } from './platform.ts';
import { EXPECTATIONS, seedFixtures, type Fixtures } from './routes.ts';
import { HOSTILE_STRINGS, hostileFor, invalidFor, setAt, slotsOf, type Schema } from './schema-mutations.ts';
import { tokenOf } from './tokens.ts';

/** Cases per route and phase (fast-check runs); the deterministic lists come on top. */
const INVALID_RUNS = Number(process.env.SECURITY_INVALID_RUNS ?? 150);
const HOSTILE_RUNS = Number(process.env.SECURITY_HOSTILE_RUNS ?? 60);
/** No request may take longer (a hang fails here rather than at the test timeout). */
const MAX_MS = 5_000;

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

interface Case {
  label: string;
  url: string;
  options: InjectOptions;
  /** A request the route may accept (valid JSON on a route that takes no body): never 5xx, 2xx allowed. */
  hostile?: boolean;
}

let platform: Platform;
let f: Fixtures;
let baseline: Record<string, number>;
const docs = new Map<ServiceName, { paths: Record<string, Record<string, Operation>> }>();
const tokens = new Map<string, string>();
const counts = new Map<string, { invalid: number; hostile: number }>();

beforeAll(async () => {
  const unlimited = { RATE_LIMIT_PER_MINUTE: '1000000' };
  platform = await Platform.create({ env: { 'mission-intake': unlimited, quote: unlimited, 'expert-review': unlimited, 'expiry-scheduler': unlimited } });
  f = await seedFixtures(platform);
  for (const name of SERVICE_NAMES) docs.set(name, (await platform.request(name, 'GET', '/docs/json')).json);
  for (const role of ['insurer', 'garage', 'expert', 'ops'] as const) {
    const org = role === 'insurer' ? f.a.insurerId : role === 'garage' ? f.a.garageId : role === 'expert' ? f.a.expertOfficeId : 'PLATFORM';
    tokens.set(role, await tokenOf('valid', principalOf(role, org)));
  }
}, 180_000);

afterAll(async () => {
  for (const [route, n] of counts) console.log(`${route}: ${n.invalid + n.hostile} cases (${n.invalid} invalid, ${n.hostile} hostile)`);
  await platform?.stop();
});

function routeParts(key: string) {
  const [method, url] = key.split(' ') as [string, string];
  const expected = EXPECTATIONS[key]!;
  const op = docs.get(expected.service)!.paths[url.replace(/:(\w+)/g, '{$1}')]![method.toLowerCase()]!;
  const base = expected.request(f);
  const { url: baseUrl, absent: _absent, ...baseOptions } = base;
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const params = (op.parameters ?? []).filter((p) => p.in === 'path');
  const query = (op.parameters ?? []).filter((p) => p.in === 'query');
  const role = expected.roles.includes('ops') && expected.roles.length > 1 ? expected.roles.find((r) => r !== 'ops')! : expected.roles[0]!;
  return { method, url, expected, bodySchema, params, query, baseUrl, baseOptions, token: tokens.get(role)! };
}

/** Replaces path parameter `name` of the route template in the base URL. */
function withParam(template: string, baseUrl: string, name: string, raw: string): string {
  const templateParts = template.split('/');
  const parts = baseUrl.split('?')[0]!.split('/');
  const i = templateParts.indexOf(`:${name}`);
  parts[i] = raw;
  const query = baseUrl.includes('?') ? `?${baseUrl.split('?')[1]}` : '';
  return parts.join('/') + query;
}

function withQuery(baseUrl: string, name: string, value: string | null): string {
  const [path, search = ''] = baseUrl.split('?') as [string, string?];
  const params = new URLSearchParams(search);
  if (value === null) params.delete(name);
  else params.set(name, value);
  const out = params.toString();
  return out ? `${path}?${out}` : path;
}

function stringValuesFor(schema: Schema): string[] {
  const out = ['', 'x'.repeat(600), '%00', '\u0000', '-1', '0', '1e400', '99999999999999999999', 'abc', 'null', '[]', '{}', ...HOSTILE_STRINGS.slice(0, 8)];
  if (schema.maximum !== undefined) out.push(String(schema.maximum + 1));
  if (schema.minimum !== undefined) out.push(String(schema.minimum - 1));
  return out;
}

/** Is `value` schema-valid for a query string (approximate: only used to classify a case)? */
function queryValid(schema: Schema, value: string): boolean {
  const literals = schema.anyOf?.flatMap((a) => a.enum ?? []) ?? schema.enum;
  if (literals) return literals.includes(value);
  if (schema.type === 'integer' || schema.type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(value)) return false;
    const n = Number(value);
    return (schema.type === 'number' || Number.isInteger(n)) && n >= (schema.minimum ?? -Infinity) && n <= (schema.maximum ?? Infinity);
  }
  if (schema.type === 'boolean') return ['true', 'false', '0', '1'].includes(value);
  if (schema.type === 'string') return value.length >= (schema.minLength ?? 0) && value.length <= (schema.maxLength ?? Infinity) && (!schema.pattern || new RegExp(schema.pattern, 'u').test(value));
  return true;
}

/** Requests every route must refuse with a 4xx: the deterministic part of the campaign. */
function structuralCases(key: string): Case[] {
  const { method, url, expected, bodySchema, params, query, baseUrl, baseOptions, token } = routeParts(key);
  const out: Case[] = [];
  const opts = (extra: InjectOptions): InjectOptions => ({ token, ...extra });
  // Path traversal and hostile ids, raw and encoded.
  for (const p of params) {
    for (const value of [...HOSTILE_STRINGS, 'a'.repeat(65), 'a'.repeat(5000), '%00', '%2e%2e', '..', '.', '%2F', '\u0000', '😀', ' ']) {
      if (new RegExp(p.schema.pattern ?? '^$', 'u').test(value) && value.length <= (p.schema.maxLength ?? Infinity)) continue;
      out.push({ label: `path ${p.name}=${JSON.stringify(value).slice(0, 30)}`, url: withParam(url, baseUrl, p.name, encodeURIComponent(value)), options: opts({ ...baseOptions }) });
    }
    out.push({ label: `path ${p.name} raw traversal`, url: withParam(url, baseUrl, p.name, '..%2f..%2f..%2fetc%2fpasswd'), options: opts({ ...baseOptions }) });
  }
  // Query parameters: each one broken, and an unknown one when the route lists its parameters.
  for (const q of query) {
    for (const value of stringValuesFor(q.schema)) {
      if (queryValid(q.schema, value)) continue;
      out.push({ label: `query ${q.name}=${JSON.stringify(value).slice(0, 30)}`, url: withQuery(baseUrl, q.name, value), options: opts({}) });
    }
  }
  if (method === 'GET') return out;
  const limit = platform.service(expected.service).routes().find((r) => r.method === method && r.url === url)!.bodyLimit!;
  const json = (raw: string, contentType = 'application/json') => opts({ raw, contentType });
  if (key === 'POST /v1/quotes/:id/photos') {
    const upload = (files: Parameters<typeof multipart>[0], fields: Record<string, string> = {}) => opts(multipart(files, fields));
    out.push(
      { label: 'multipart: no file', url: baseUrl, options: upload([], { note: 'x' }) },
      { label: 'multipart: not an image', url: baseUrl, options: upload([{ bytes: Buffer.from('<?php system($_GET[c]); ?>'), name: 'shell.php.jpg' }]) },
      { label: 'multipart: svg with script', url: baseUrl, options: upload([{ bytes: Buffer.from('<svg onload=alert(1)>'), type: 'image/svg+xml', name: 'x.svg' }]) },
      { label: 'multipart: empty file', url: baseUrl, options: upload([{ bytes: Buffer.alloc(0) }]) },
      { label: 'multipart: truncated', url: baseUrl, options: opts({ raw: '--b\r\nContent-Disposition: form-data; name="p"; filename="a.jpg"\r\n\r\n\xff\xd8', contentType: 'multipart/form-data; boundary=b' }) },
      { label: 'multipart: no boundary', url: baseUrl, options: opts({ raw: 'garbage', contentType: 'multipart/form-data' }) },
      { label: 'json instead of multipart', url: baseUrl, options: json('{"photos":["../../etc/passwd"]}') },
      { label: 'no content type', url: baseUrl, options: opts({ raw: jpeg() }) },
      { label: 'raw image/jpeg body', url: baseUrl, options: opts({ raw: jpeg(), contentType: 'image/jpeg' }) },
    );
    return out;
  }
  const deepArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  out.push(
    ...['{', '{"a":', '[', 'nul', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\u0000', '{"a":"\\ud800"}', '{"a":"\\u0000"}'].map((raw) => ({ label: `malformed ${JSON.stringify(raw)}`, url: baseUrl, options: json(raw) })),
    { label: 'empty JSON body', url: baseUrl, options: json('') },
    { label: '__proto__ poisoning', url: baseUrl, options: json('{"__proto__":{"isAdmin":true}}') },
    { label: 'constructor.prototype poisoning', url: baseUrl, options: json('{"constructor":{"prototype":{"isAdmin":true}}}') },
    // Valid JSON: refused by the schema where the route takes a body, ignored where it takes none.
    { label: 'deep nesting', url: baseUrl, options: json(`{"a":${deepArrays(Math.floor((limit - 10) / 2))}}`), hostile: !bodySchema },
    { label: 'byte order mark', url: baseUrl, options: json('\ufeff{}'), hostile: !bodySchema },
    { label: 'oversized body', url: baseUrl, options: json(JSON.stringify({ a: 'x'.repeat(limit) })) },
    { label: 'xml', url: baseUrl, options: json('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 'application/xml') },
    { label: 'form', url: baseUrl, options: json('a=1&b=2', 'application/x-www-form-urlencoded') },
    { label: 'multipart to a JSON route', url: baseUrl, options: opts(multipart([{ bytes: jpeg() }])) },
    { label: 'bogus content type', url: baseUrl, options: json('{}', 'application/evil') },
  );
  if (bodySchema) {
    for (const raw of ['null', '[]', '"string"', '123', 'true', '{}']) out.push({ label: `top-level ${raw}`, url: baseUrl, options: json(raw) });
    out.push({ label: 'text/plain JSON', url: baseUrl, options: json(JSON.stringify(baseOptions.body), 'text/plain') });
  }
  return out;
}

function slotArbitrary(key: string, kind: 'invalid' | 'hostile'): fc.Arbitrary<Case> | null {
  const { bodySchema, baseUrl, baseOptions, token, query } = routeParts(key);
  const arbitraries: fc.Arbitrary<Case>[] = [];
  if (bodySchema && baseOptions.body !== undefined) {
    const body = baseOptions.body;
    for (const slot of slotsOf(bodySchema)) {
      const current = slot.path.reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string | number, unknown>)[k]), body);
      const values = kind === 'invalid' ? invalidFor(slot.schema, current) : hostileFor(slot.schema);
      for (const arb of values) {
        arbitraries.push(
          arb.map((value) => {
            let mutated = setAt(body, slot.path, value);
            // A new deposit reference per case, so that hostile deposits are created (not 409).
            if (kind === 'hostile' && key === 'POST /v1/missions' && slot.path[0] !== 'insurerMissionRef') mutated = setAt(mutated, ['insurerMissionRef'], `REF-${uniqueSuffix()}`);
            return { label: `body /${slot.path.join('/')} = ${JSON.stringify(value)?.slice(0, 60)}`, url: baseUrl, options: { token, body: mutated } };
          }),
        );
      }
    }
  }
  if (kind === 'hostile') {
    for (const q of query) {
      if (q.schema.type === 'string') arbitraries.push(fc.constantFrom(...HOSTILE_STRINGS).map((v) => ({ label: `query ${q.name}=${v}`, url: withQuery(baseUrl, q.name, v), options: { token } })));
    }
    arbitraries.push(fc.constantFrom('fr', 'nl', 'en', '*', 'de-DE;q=0.9', 'x'.repeat(2000), "'; DROP TABLE missions;--", '😀').map((lang) => ({ label: `accept-language ${lang.slice(0, 20)}`, url: baseUrl, options: { ...baseOptions, token, headers: { 'accept-language': lang } } })));
  }
  return arbitraries.length > 0 ? fc.oneof(...arbitraries) : null;
}

async function send(key: string, c: Case) {
  const { method, expected } = routeParts(key);
  return platform.request(expected.service, method, c.url, c.options);
}

function problems(key: string, c: Case, response: Awaited<ReturnType<typeof send>>, kind: 'invalid' | 'hostile'): string | null {
  const where = `${key} [${c.label}]`;
  if (response.status >= 500) return `${where}: ${response.status} ${response.body.slice(0, 300)}`;
  if (kind === 'invalid' && (response.status < 400 || response.status > 499)) return `${where}: expected 4xx, got ${response.status} ${response.body.slice(0, 200)}`;
  if (response.status >= 400 && !String(response.headers['content-type']).startsWith('application/problem+json')) return `${where}: ${response.status} is not problem+json`;
  if (response.ms > MAX_MS) return `${where}: took ${Math.round(response.ms)} ms`;
  return null;
}

describe('hostile-input campaign', () => {
  it('starts from a quiet platform', async () => {
    baseline = await platform.quiesce();
    expect(Object.keys(baseline).length).toBeGreaterThan(10);
  }, 90_000);

  describe('schema-invalid requests: 4xx problem+json, fast', () => {
    for (const key of Object.keys(EXPECTATIONS)) {
      it(key, async () => {
        const failures: string[] = [];
        let n = 0;
        for (const c of structuralCases(key).filter((s) => !s.hostile)) {
          n += 1;
          const failure = problems(key, c, await send(key, c), 'invalid');
          if (failure) failures.push(failure);
        }
        const arbitrary = slotArbitrary(key, 'invalid');
        if (arbitrary) {
          await fc.assert(
            fc.asyncProperty(arbitrary, async (c) => {
              n += 1;
              const failure = problems(key, c, await send(key, c), 'invalid');
              if (failure) failures.push(failure);
              return failure === null;
            }),
            { numRuns: INVALID_RUNS, endOnFailure: true },
          ).catch(() => {});
        }
        counts.set(key, { invalid: n, hostile: 0 });
        expect([...new Set(failures)]).toEqual([]);
      });
    }
  });

  it('wrote nothing for refused requests (row counts of every table unchanged, outboxes included)', async () => {
    expect(await platform.tableCounts()).toEqual(baseline);
  });

  describe('hostile but schema-valid requests: never a 5xx, data unchanged on the way back', () => {
    for (const key of Object.keys(EXPECTATIONS)) {
      it(key, async () => {
        const arbitrary = slotArbitrary(key, 'hostile');
        const failures: string[] = [];
        let n = 0;
        for (const c of structuralCases(key).filter((s) => s.hostile)) {
          n += 1;
          const failure = problems(key, c, await send(key, c), 'hostile');
          if (failure) failures.push(failure);
        }
        if (arbitrary) {
          await fc.assert(
            fc.asyncProperty(arbitrary, async (c) => {
              n += 1;
              const response = await send(key, c);
              let failure = problems(key, c, response, 'hostile');
              // What was accepted comes back exactly as sent.
              if (!failure && key === 'POST /v1/missions' && response.status === 201) {
                const sent = c.options.body as Record<string, any>;
                const shown = await platform.request('mission-intake', 'GET', `/v1/missions/${response.json.id}`, { token: tokens.get('insurer')! });
                for (const field of ['claim', 'vehicle', 'owner'] as const) {
                  // The same JSON values: the order of an object's keys carries no meaning, and -0 is sent as 0.
                  if (!isDeepStrictEqual(shown.json[field], JSON.parse(JSON.stringify(sent[field])))) failure = `${key} [${c.label}]: ${field} changed on the way back`;
                }
              }
              if (failure) failures.push(failure);
              return failure === null;
            }),
            { numRuns: HOSTILE_RUNS, endOnFailure: true },
          ).catch(() => {});
        }
        const previous = counts.get(key) ?? { invalid: 0, hostile: 0 };
        counts.set(key, { ...previous, hostile: n });
        expect([...new Set(failures)]).toEqual([]);
      });
    }
  });

  it('leaves nothing half-written: every mission with its fact, event and audit; every quote with its mission; nothing parked', async () => {
    await platform.quiesce();
    const one = async (service: ServiceName, sql: string) => Number((await platform.service(service).ctx.pool.query<{ n: number }>(sql)).rows[0]!.n);
    expect(
      await one(
        'mission-intake',
        `SELECT count(*) AS n FROM missions m WHERE
           NOT EXISTS (SELECT 1 FROM mission_facts f WHERE f.mission_id = m.id AND f.fact->>'type' = 'received')
        OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.mission_id = m.id AND o.event_type = 'mission.received')
        OR NOT EXISTS (SELECT 1 FROM mission_audit a WHERE a.mission_id = m.id AND a.action = 'deposited')`,
      ),
    ).toBe(0);
    expect(await one('mission-intake', `SELECT count(*) AS n FROM missions m WHERE m.status = 'abandoned' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.mission_id = m.id AND o.event_type = 'mission.abandoned')`)).toBe(0);
    expect(await one('quote', 'SELECT count(*) AS n FROM quotes q WHERE NOT EXISTS (SELECT 1 FROM missions m WHERE m.id = q.mission_id)')).toBe(0);
    expect(await one('quote', `SELECT count(*) AS n FROM quotes q WHERE q.status = 'closed' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.mission_id = q.mission_id AND o.event_type = 'quote.submitted')`)).toBe(0);
    expect(await one('quote', `SELECT count(*) AS n FROM payment_requests p WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.mission_id = p.mission_id AND o.event_type = 'payment.requested')`)).toBe(0);
    expect(await one('expert-review', 'SELECT count(*) AS n FROM review_cases c WHERE c.version <> (SELECT count(*) FROM review_decisions d WHERE d.case_id = c.id)')).toBe(0);
    // Every deposit the campaign made reached the other services: nothing parked, nothing pending.
    for (const service of SERVICE_NAMES) {
      expect(await one(service, 'SELECT count(*) AS n FROM parked_events'), `${service} parked events`).toBe(0);
      expect(await one(service, 'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL'), `${service} unsent events`).toBe(0);
    }
    // Whatever was accepted can still be read back (a stored value outside the response schema made
    // every later read of its quote a 500).
    const reads: [ServiceName, string, string][] = [
      ['mission-intake', `/v1/missions/${f.read.missionId}`, 'insurer'],
      ['quote', `/v1/quotes/${f.draft.quoteId}`, 'garage'],
      ['quote', `/v1/quotes/${f.totalLoss.quoteId}`, 'garage'],
      ['quote', `/v1/quotes/${f.read.quoteId}`, 'insurer'],
      ['expert-review', `/v1/reviews/${f.read.reviewId}`, 'expert'],
      ['mission-intake', '/v1/missions?limit=100', 'insurer'],
      ['mission-intake', '/v1/board?limit=100', 'garage'],
    ];
    for (const [service, url, role] of reads) expect((await platform.request(service, 'GET', url, { token: tokens.get(role)! })).status, url).toBe(200);
    const missions = await one('mission-intake', 'SELECT count(*) AS n FROM missions');
    expect(await one('quote', 'SELECT count(*) AS n FROM missions')).toBe(missions);
  }, 90_000);
});
