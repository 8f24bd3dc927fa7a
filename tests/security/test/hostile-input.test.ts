// The hostile-input campaign: for every route, requests derived from its OpenAPI schema (body,
// path parameters, query) with one slot broken at a time (fast-check), plus malformed JSON, wrong
// content types, oversized bodies and path traversal in ids. Schema-invalid requests must answer
// 4xx problem+json, quickly, and write nothing; hostile but schema-valid ones (SQL and script
// snippets, unicode edge cases, numbers at the bounds) must never answer 5xx, must round-trip
// unchanged, and leave the data consistent (no half-written mission, quote or event). Webhook
// targets keep the production rule (https to public addresses only), so private ones are refused.
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
  platform = await Platform.create({
    env: {
      'mission-intake': unlimited,
      quote: unlimited,
      'expert-review': unlimited,
      'expiry-scheduler': unlimited,
      // The production rule for webhook targets (https, public addresses only), and room for every
      // hostile subscription the campaign makes, so that each is read back.
      integrations: { ...unlimited, WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOWED_NETWORKS: '', WEBHOOK_MAX_SUBSCRIPTIONS: '1000' },
    },
  });
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
  const role = expected.roles.includes('ops') && expected.roles.length > 1 ? expected.roles.find((r) => r !== 'ops')! : expected.roles[0]!;
  const base = expected.request(f, role);
  const { url: baseUrl, absent: _absent, ...baseOptions } = base;
  const bodySchema = op.requestBody?.content?.['application/json']?.schema;
  const params = (op.parameters ?? []).filter((p) => p.in === 'path');
  const query = (op.parameters ?? []).filter((p) => p.in === 'query');
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

  describe('integrations: webhook targets, subscription bodies, ids and cursors, each refused with a problem naming it', () => {
    /**
     * Each refusal: the status, the problem's code, and the field it names as `errors` does (the
     * runtime's validation names a body field `/url`, a query parameter `/querystring/limit`; the
     * service's own cursor problems `/query/cursor`).
     */
    interface Refusal {
      label: string;
      method: string;
      url: string;
      options: InjectOptions;
      status: number;
      code: string;
      path?: string;
    }
    const subscriptions = async () => (await platform.service('integrations').ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions')).rows[0]!.n;
    const subscribe = (body: unknown): Pick<Refusal, 'method' | 'url' | 'options'> => ({ method: 'POST', url: '/v1/subscriptions', options: { token: tokens.get('garage')!, body } });
    const withUrl = (url: unknown) => subscribe({ url, events: ['*'], description: 'claims system' });
    const withEvents = (events: unknown) => subscribe({ url: 'https://hooks.example.com/smart-expertise', events });
    const mine = () => f.subscriptions.garage;
    const deliveriesOf = (query: string) => ({ method: 'GET', url: `/v1/subscriptions/${mine().id}/deliveries?${query}`, options: { token: tokens.get('garage')! } });
    const feed = (query: string) => ({ method: 'GET', url: `/v1/feed?${query}`, options: { token: tokens.get('garage')! } });
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const DAY = 86_400_000;

    /** The answer's failure, or null: a 4xx problem+json with the expected code, naming the field. */
    function refusalProblem(r: Refusal, response: Awaited<ReturnType<Platform['request']>>): string | null {
      const where = `${r.method} ${r.url.slice(0, 80)} [${r.label}]`;
      if (response.status !== r.status) return `${where}: expected ${r.status}, got ${response.status} ${response.body.slice(0, 200)}`;
      if (!String(response.headers['content-type']).startsWith('application/problem+json')) return `${where}: ${response.status} is not problem+json`;
      if (response.json?.code !== r.code) return `${where}: expected code ${r.code}, got ${response.json?.code}`;
      if (typeof response.json?.detail !== 'string' || response.json.detail.length === 0) return `${where}: the problem has no detail`;
      // A refused target is named /body/url where every other body field is named without /body:
      // the same field, checked on its own below.
      const paths: string[] = (response.json.errors ?? []).map((e: { path: string }) => e.path.replace(/^\/body(?=\/)/, ''));
      if (r.path && !paths.some((p) => p === r.path || p.startsWith(`${r.path}/`))) return `${where}: the problem names ${JSON.stringify(paths)}, not ${r.path}`;
      if (response.ms > MAX_MS) return `${where}: took ${Math.round(response.ms)} ms`;
      return null;
    }

    async function refuseAll(refusals: Refusal[]) {
      const before = await subscriptions();
      const failures: string[] = [];
      for (const r of refusals) {
        const failure = refusalProblem(r, await platform.request('integrations', r.method, r.url, r.options));
        if (failure) failures.push(failure);
      }
      expect(failures).toEqual([]);
      expect(await subscriptions(), 'subscriptions made by refused requests').toBe(before);
      console.log(`integrations refusals: ${refusals.length} cases`);
    }

    /** Targets a webhook may never have in production: not https, not a public address, or hiding one. */
    const REFUSED_TARGETS: [string, string][] = [
      ['not a URL', 'not a url'],
      ['a relative URL', '/hooks'],
      ['a scheme-relative URL', '//hooks.example.com/hooks'],
      ['javascript:', 'javascript:alert(document.cookie)'],
      ['file:', 'file:///etc/passwd'],
      ['data:', 'data:text/html,<script>alert(1)</script>'],
      ['gopher:', 'gopher://hooks.example.com:70/_POST%20/'],
      ['ftp:', 'ftp://hooks.example.com/hooks'],
      ['ws:', 'ws://hooks.example.com/hooks'],
      ['http: (https only in production)', 'http://hooks.example.com/hooks'],
      ['http: to the metadata service', 'http://169.254.169.254/latest/meta-data/'],
      ['loopback', 'https://127.0.0.1/hooks'],
      ['loopback elsewhere in 127/8', 'https://127.10.20.30/hooks'],
      ['loopback, decimal', 'https://2130706433/hooks'],
      ['loopback, octal', 'https://0177.0.0.1/hooks'],
      ['loopback, hexadecimal', 'https://0x7f.0x0.0x0.0x1/hooks'],
      ['loopback, one hexadecimal number', 'https://0x7f000001/hooks'],
      ['loopback, two parts', 'https://127.1/hooks'],
      ['loopback, trailing dot', 'https://127.0.0.1./hooks'],
      ['IPv6 loopback', 'https://[::1]/hooks'],
      ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hooks'],
      ['IPv4-mapped loopback, hexadecimal', 'https://[::ffff:7f00:1]/hooks'],
      ['IPv4-compatible loopback', 'https://[::127.0.0.1]/hooks'],
      ['NAT64 of loopback', 'https://[64:ff9b::7f00:1]/hooks'],
      ['6to4 of loopback', 'https://[2002:7f00:1::]/hooks'],
      ['unspecified', 'https://0.0.0.0/hooks'],
      ['unspecified, short', 'https://0/hooks'],
      ['IPv6 unspecified', 'https://[::]/hooks'],
      ['localhost', 'https://localhost/hooks'],
      ['localhost, capitals and a port', 'https://LOCALHOST:8443/hooks'],
      ['a name under localhost', 'https://hooks.localhost/hooks'],
      ['localhost, percent-encoded', 'https://%6c%6f%63%61%6c%68%6f%73%74/hooks'],
      ['localhost, circled letters', 'https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/hooks'],
      ['loopback, fullwidth digits', 'https://１２７.０.０.１/hooks'],
      ['loopback, ideographic full stops', 'https://127。0。0。1/hooks'],
      ['private 10/8', 'https://10.0.0.1/hooks'],
      ['private 172.16/12', 'https://172.16.5.4/hooks'],
      ['private 192.168/16', 'https://192.168.1.1/hooks'],
      ['private, decimal', 'https://3232235777/hooks'],
      ['private, hexadecimal', 'https://0xc0a80101/hooks'],
      ['private, octal', 'https://0300.0250.01.01/hooks'],
      ['IPv4-mapped private', 'https://[::ffff:10.0.0.1]/hooks'],
      ['metadata service (link-local)', 'https://169.254.169.254/latest/meta-data/'],
      ['metadata service, decimal', 'https://2852039166/latest/meta-data/'],
      ['metadata service, hexadecimal', 'https://0xa9fea9fe/latest/meta-data/'],
      ['metadata service, octal', 'https://0251.0376.0251.0376/latest/meta-data/'],
      ['metadata service, IPv4-mapped', 'https://[::ffff:169.254.169.254]/latest/meta-data/'],
      ['metadata service, IPv4-mapped hexadecimal', 'https://[::ffff:a9fe:a9fe]/latest/meta-data/'],
      ['IPv6 metadata service (unique local)', 'https://[fd00:ec2::254]/latest/meta-data/'],
      ['IPv6 link-local', 'https://[fe80::1]/hooks'],
      ['IPv6 unique local', 'https://[fc00::1]/hooks'],
      ['carrier-grade NAT (a cloud metadata address)', 'https://100.100.100.200/hooks'],
      ['broadcast', 'https://255.255.255.255/hooks'],
      ['multicast', 'https://224.0.0.1/hooks'],
      ['reserved (benchmarking)', 'https://198.18.0.1/hooks'],
      ['user and password', 'https://user:password@hooks.example.com/hooks'],
      ['a user only', 'https://token@hooks.example.com/hooks'],
      ['a public name as userinfo before a private host', 'https://hooks.example.com@127.0.0.1/hooks'],
      ['a fragment', 'https://hooks.example.com/hooks#section'],
      ['an empty fragment', 'https://hooks.example.com/hooks#'],
      ['a fragment hiding a private host', 'https://127.0.0.1#@hooks.example.com/hooks'],
      ['a single-label host', 'https://intranet/hooks'],
      ['a host with a space', 'https://hooks example.com/hooks'],
      ['a host with a right-to-left override', 'https://hooks.example\u202e.com/hooks'],
      ['a port out of range', 'https://hooks.example.com:99999/hooks'],
    ];

    it('POST /v1/subscriptions refuses every target it must not call (422 target_not_allowed), and URLs over 2 kB (400, 413 over 8 kB)', async () => {
      await refuseAll([
        ...REFUSED_TARGETS.map(([label, url]): Refusal => ({ label, ...withUrl(url), status: 422, code: 'target_not_allowed', path: '/url' })),
        { label: 'a 3 kB URL', ...withUrl(`https://hooks.example.com/${'a'.repeat(3_000)}`), status: 400, code: 'validation_failed', path: '/url' },
        { label: 'a 3 kB host', ...withUrl(`https://${'a'.repeat(3_000)}.example.com/`), status: 400, code: 'validation_failed', path: '/url' },
        { label: 'a 10 kB URL (over the route’s 8 kB)', ...withUrl(`https://hooks.example.com/${'a'.repeat(10_000)}`), status: 413, code: 'payload_too_large' },
        { label: 'an empty URL', ...withUrl(''), status: 400, code: 'validation_failed', path: '/url' },
        { label: 'a URL that is a number', ...withUrl(443), status: 400, code: 'validation_failed', path: '/url' },
        { label: 'a URL that is an object', ...withUrl({ href: 'https://hooks.example.com/' }), status: 400, code: 'validation_failed', path: '/url' },
        { label: 'URLs', ...withUrl(['https://hooks.example.com/a', 'https://hooks.example.com/b']), status: 400, code: 'validation_failed', path: '/url' },
        { label: 'no URL', ...subscribe({ events: ['*'] }), status: 400, code: 'validation_failed', path: '/url' },
      ]);
    });

    it('a refused target is named at /url, the body field path every other refusal uses (validation errors, mission-intake)', async () => {
      const tooLong = await platform.request('integrations', 'POST', '/v1/subscriptions', withUrl(`https://hooks.example.com/${'a'.repeat(3000)}`).options);
      const loopback = await platform.request('integrations', 'POST', '/v1/subscriptions', withUrl('https://127.0.0.1/hooks').options);
      expect(tooLong.json.errors.map((e: { path: string }) => e.path)).toEqual(['/url']);
      expect(loopback.json.errors.map((e: { path: string }) => e.path)).toEqual(['/url']);
    });

    it('a name that is loopback by definition (RFC 6761) is refused when subscribing, also written as a fully qualified name', async () => {
      const answers: string[] = [];
      for (const url of ['https://localhost./hooks', 'https://hooks.localhost./hooks']) {
        const response = await platform.request('integrations', 'POST', '/v1/subscriptions', withUrl(url).options);
        answers.push(`${url}: ${response.status} ${response.json?.code ?? ''}`);
        // What was wrongly accepted goes, so that the campaign's count of rows stays about its own requests.
        if (response.status === 201) await platform.request('integrations', 'DELETE', `/v1/subscriptions/${response.json.id}`, { token: tokens.get('garage')! });
      }
      expect(answers).toEqual(['https://localhost./hooks: 422 target_not_allowed', 'https://hooks.localhost./hooks: 422 target_not_allowed']);
    });

    it('POST /v1/subscriptions refuses unknown, duplicate, missing and ill-typed events, long descriptions, extra fields, and bodies over its 8 kB', async () => {
      const base = { url: 'https://hooks.example.com/smart-expertise', events: ['*'] };
      await refuseAll([
        { label: 'an unknown event type', ...withEvents(['mission.exploded']), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'an internal event type', ...withEvents(['quote.submitted']), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'a pattern instead of a type', ...withEvents(['mission.*']), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'a type in capitals', ...withEvents(['MISSION.DEPOSITED']), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'SQL as a type', ...withEvents(["mission.deposited' OR '1'='1"]), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'a duplicate type', ...withEvents(['mission.deposited', 'mission.deposited']), status: 400, code: 'validation_failed', path: '/events' },
        { label: 'a duplicate *', ...withEvents(['*', '*']), status: 400, code: 'validation_failed', path: '/events' },
        { label: 'no type', ...withEvents([]), status: 400, code: 'validation_failed', path: '/events' },
        { label: '10 000 types', ...withEvents(Array.from({ length: 10_000 }, (_, i) => `t${i}`)), status: 413, code: 'payload_too_large' },
        { label: 'more types than exist', ...withEvents(Array.from({ length: 50 }, () => '*')), status: 400, code: 'validation_failed', path: '/events' },
        { label: 'a number as a type', ...withEvents([1]), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'null as a type', ...withEvents([null]), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'an object as a type', ...withEvents([{ type: 'mission.deposited' }]), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'a nested list as a type', ...withEvents([['*']]), status: 400, code: 'validation_failed', path: '/events/0' },
        { label: 'events as a string', ...withEvents('*'), status: 400, code: 'validation_failed', path: '/events' },
        { label: 'events as an object', ...withEvents({ 0: '*' }), status: 400, code: 'validation_failed', path: '/events' },
        { label: 'no events', ...subscribe({ url: base.url }), status: 400, code: 'validation_failed', path: '/events' },
        { label: 'a description of 201 characters', ...subscribe({ ...base, description: 'd'.repeat(201) }), status: 400, code: 'validation_failed', path: '/description' },
        { label: 'a description of 201 emoji', ...subscribe({ ...base, description: '😀'.repeat(201) }), status: 400, code: 'validation_failed', path: '/description' },
        { label: 'a description that is a number', ...subscribe({ ...base, description: 42 }), status: 400, code: 'validation_failed', path: '/description' },
        { label: 'a NUL in the description', ...subscribe({ ...base, description: 'a\u0000b' }), status: 400, code: 'validation_failed' },
        { label: 'a secret of our choosing', ...subscribe({ ...base, secret: 'whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=' }), status: 400, code: 'validation_failed', path: '/secret' },
        { label: 'an id of our choosing', ...subscribe({ ...base, id: `sub_${'0'.repeat(32)}` }), status: 400, code: 'validation_failed', path: '/id' },
        { label: "another organisation's", ...subscribe({ ...base, organisation: f.b.garageId }), status: 400, code: 'validation_failed', path: '/organisation' },
        { label: 'another role', ...subscribe({ ...base, role: 'insurer' }), status: 400, code: 'validation_failed', path: '/role' },
        { label: 'a status', ...subscribe({ ...base, status: 'disabled' }), status: 400, code: 'validation_failed', path: '/status' },
        { label: 'a body over 8 kB', ...subscribe({ ...base, description: 'd'.repeat(9_000) }), status: 413, code: 'payload_too_large' },
        { label: 'a body over 8 kB of padding', method: 'POST', url: '/v1/subscriptions', options: { token: tokens.get('garage')!, raw: `${' '.repeat(8_200)}${JSON.stringify(base)}`, contentType: 'application/json' }, status: 413, code: 'payload_too_large' },
      ]);
    });

    it('the subscription and delivery ids refuse injection, traversal and oversized ids on every route: a malformed id is a bad request, a well-formed unknown one a missing subscription', async () => {
      // The platform's Id: letters, digits, _ and -, at most 64.
      const wellFormed = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id);
      const ids = ["' OR '1'='1", "sub_1'; DROP TABLE subscriptions; --", 'sub_1 UNION SELECT secret_encrypted FROM subscriptions', '../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%2e%2e', '$1', '*', '%', '_'];
      const refusals: Refusal[] = [];
      const routes = Object.keys(EXPECTATIONS).filter((k) => EXPECTATIONS[k]!.service === 'integrations' && k.includes(':id'));
      for (const key of routes) {
        const [method, template] = key.split(' ') as [string, string];
        const { url, absent: _absent, ...options } = EXPECTATIONS[key]!.request(f, 'garage');
        const subscriptionId = url.split('/')[3]!;
        for (const id of ids) {
          const expected = wellFormed(id) ? { status: 404, code: 'subscription_not_found' } : { status: 400, code: 'validation_failed', path: '/params/id' };
          refusals.push({ label: `id ${id}`, method, url: url.replace(subscriptionId, encodeURIComponent(id)), options: { ...options, token: tokens.get('garage')! }, ...expected });
        }
        refusals.push({ label: 'id of 65 characters', method, url: url.replace(subscriptionId, `sub_${'a'.repeat(61)}`), options: { ...options, token: tokens.get('garage')! }, status: 400, code: 'validation_failed', path: '/params/id' });
        if (template.includes(':deliveryId')) {
          const deliveryId = mine().deliveryId;
          for (const id of ids) {
            const expected = wellFormed(id) ? { status: 404, code: 'delivery_not_found' } : { status: 400, code: 'validation_failed', path: '/params/deliveryId' };
            refusals.push({ label: `deliveryId ${id}`, method, url: url.replace(deliveryId, encodeURIComponent(id)), options: { ...options, token: tokens.get('garage')! }, ...expected });
          }
          refusals.push({ label: 'deliveryId of 65 characters', method, url: url.replace(deliveryId, `dlv_${'a'.repeat(61)}`), options: { ...options, token: tokens.get('garage')! }, status: 400, code: 'validation_failed', path: '/params/deliveryId' });
        }
      }
      await refuseAll(refusals);
    });

    it('GET /v1/subscriptions/:id/deliveries refuses an unknown status, a garbage or forged cursor, and a limit out of 1..100', async () => {
      const bad = (label: string, query: string, code: string, path: string): Refusal => ({ label, ...deliveriesOf(query), status: 400, code, path });
      await refuseAll([
        ...['unknown', 'PENDING', 'delivered,failed', "delivered' OR '1'='1", ''].map((status) => bad(`status ${JSON.stringify(status)}`, `status=${encodeURIComponent(status)}`, 'validation_failed', '/querystring/status')),
        bad('two statuses', 'status=pending&status=failed', 'validation_failed', '/querystring/status'),
        ...['garbage', '!!!', 'eyJ', 'W10', 'a'.repeat(512), "' OR 1=1--", '../../etc/passwd', '%00'].map((c) => bad(`cursor ${c.slice(0, 20)}`, `cursor=${encodeURIComponent(c)}`, 'invalid_cursor', '/query/cursor')),
        bad('cursor over 512 characters', `cursor=${'a'.repeat(513)}`, 'validation_failed', '/querystring/cursor'),
        ...[['1'], [1.5], [0], [-1], [2 ** 53], [1, 2], [], [null], { seq: 1 }, null, 'x', [true]].map((v) => bad(`forged cursor ${JSON.stringify(v)}`, `cursor=${cursor(v)}`, 'invalid_cursor', '/query/cursor')),
        bad('cursor in standard base64', `cursor=${encodeURIComponent(Buffer.from('[1]').toString('base64') + '+/')}`, 'invalid_cursor', '/query/cursor'),
        ...['0', '101', '1000', '-1', 'abc', ''].map((limit) => bad(`limit ${JSON.stringify(limit)}`, `limit=${encodeURIComponent(limit)}`, 'validation_failed', '/querystring/limit')),
        bad('an unknown parameter', 'subscriptionId=sub_1', 'validation_failed', '/querystring/subscriptionId'),
      ]);
    });

    it('GET /v1/feed refuses a garbage or forged cursor (400), one older than the retention (410), and a limit out of 1..500', async () => {
      const now = Date.now();
      const bad = (label: string, query: string, code: string, path: string): Refusal => ({ label, ...feed(query), status: 400, code, path });
      const forged = [['1', now], [1, String(now)], [1.5, now], [-1, now], [1, 0], [1, -now], [1, 1.5], [2 ** 53, now], [1, 2 ** 53], [1], [1, now, 3], [null, null], [], { seq: 1, recordedAtMs: now }, null, 'x'];
      await refuseAll([
        ...['garbage', '!!!', 'eyJ', 'a'.repeat(512), "' OR 1=1--", '../../etc/passwd', '%00', '\u{1F600}'].map((c) => bad(`after ${c.slice(0, 20)}`, `after=${encodeURIComponent(c)}`, 'invalid_cursor', '/query/after')),
        bad('after over 512 characters', `after=${'a'.repeat(513)}`, 'validation_failed', '/querystring/after'),
        ...forged.map((v) => bad(`forged after ${JSON.stringify(v)}`, `after=${cursor(v)}`, 'invalid_cursor', '/query/after')),
        { label: 'an event recorded 36 days ago', ...feed(`after=${cursor([1, now - 36 * DAY])}`), status: 410, code: 'cursor_expired' },
        { label: 'an event recorded in 1970', ...feed(`after=${cursor([0, 1])}`), status: 410, code: 'cursor_expired' },
        { label: 'a far seq recorded a year ago', ...feed(`after=${cursor([Number.MAX_SAFE_INTEGER, now - 365 * DAY])}`), status: 410, code: 'cursor_expired' },
        ...['0', '501', '1000', '-1', 'abc', ''].map((limit) => bad(`limit ${JSON.stringify(limit)}`, `limit=${encodeURIComponent(limit)}`, 'validation_failed', '/querystring/limit')),
        bad('an unknown parameter', 'organisation=INS1', 'validation_failed', '/querystring/organisation'),
      ]);
    });

    it("GET /v1/feed serves from a forged but well-formed cursor the organisation's own events only", async () => {
      const now = Date.now();
      const { rows } = await platform.service('integrations').ctx.pool.query<{ mission_id: string }>('SELECT mission_id FROM missions WHERE garage_id = $1', [f.a.garageId]);
      const garages = new Set(rows.map((r) => r.mission_id));
      for (const value of [[0, now], [Number.MAX_SAFE_INTEGER, now], [1, now + 365 * DAY], [0, Number.MAX_SAFE_INTEGER]]) {
        const response = await platform.request('integrations', 'GET', `/v1/feed?limit=500&after=${cursor(value)}`, { token: tokens.get('garage')! });
        expect(response.status, `${JSON.stringify(value)}: ${response.body.slice(0, 200)}`).toBe(200);
        expect(response.json.items.filter((e: { missionId: string }) => !garages.has(e.missionId)), JSON.stringify(value)).toEqual([]);
      }
    });
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
              if (!failure && key === 'POST /v1/subscriptions' && response.status === 201) {
                const sent = c.options.body as { url: string; events: string[]; description?: string };
                const shown = await platform.request('integrations', 'GET', `/v1/subscriptions/${response.json.id}`, { token: tokens.get('insurer')! });
                const expected = { url: new URL(sent.url).href, events: sent.events.includes('*') ? ['*'] : sent.events, description: sent.description ?? null };
                if (!isDeepStrictEqual({ url: shown.json?.url, events: shown.json?.events, description: shown.json?.description }, expected)) failure = `${key} [${c.label}]: the subscription changed on the way back`;
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
      ['integrations', '/v1/subscriptions', 'insurer'],
      ['integrations', `/v1/subscriptions/${f.subscriptions.insurer.id}/deliveries?limit=100`, 'insurer'],
    ];
    for (const [service, url, role] of reads) expect((await platform.request(service, 'GET', url, { token: tokens.get(role)! })).status, url).toBe(200);
    const missions = await one('mission-intake', 'SELECT count(*) AS n FROM missions');
    expect(await one('quote', 'SELECT count(*) AS n FROM missions')).toBe(missions);
    // The hostile deposits became public events: every webhook went out, nothing is held back, and
    // each role's feed still reads to its end.
    expect(await one('integrations', 'SELECT count(*) AS n FROM missions')).toBe(missions);
    expect(await one('integrations', 'SELECT count(*) AS n FROM held_events')).toBe(0);
    expect(await one('integrations', "SELECT count(*) AS n FROM deliveries WHERE status <> 'delivered'")).toBe(0);
    for (const role of ['insurer', 'garage', 'expert'] as const) {
      let events = 0;
      for (let after = ''; ; ) {
        const page = await platform.request('integrations', 'GET', `/v1/feed?limit=500${after}`, { token: tokens.get(role)! });
        expect(page.status, `${role}'s feed after ${events} events: ${page.body.slice(0, 200)}`).toBe(200);
        if (page.json.items.length === 0) break;
        events += page.json.items.length;
        after = `&after=${page.json.nextCursor}`;
      }
      expect(events, `${role}'s feed`).toBeGreaterThan(0);
    }
  }, 90_000);
});
