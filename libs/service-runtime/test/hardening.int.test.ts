// Regressions of the security campaign (tests/security): strings PostgreSQL cannot store are a 400
// (they were a 500 from deep inside the transaction), 401/403 answers carry the security headers
// (helmet ran after the authentication hook), the route table lists every route with its roles,
// and PostgreSQL error details (which quote the failing row, owners' data) never reach the logs.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnvironment, token } from '../src/testing.ts';
import { LOG_REDACTIONS } from '../src/app/logging.ts';
import { unstorableStringPath } from '../src/app/json-body.ts';
import { buildDemoService } from './fixtures/demo-service.ts';

let service: Awaited<ReturnType<typeof buildDemoService>>;
let garage: string;

beforeAll(async () => {
  service = await buildDemoService(testEnvironment('demo'), { consumers: () => [] });
  await service.migrate();
  await service.app.ready();
  garage = await token({ role: 'garage', org: 'G1' });
});

afterAll(async () => {
  await service?.app.close();
  await service?.ctx.pool.end();
});

describe('unstorable strings', () => {
  it('finds NUL characters and unpaired surrogates in values and keys, at any depth, without recursion', () => {
    expect(unstorableStringPath({ a: ['ok', 'é😀'] })).toBeNull();
    expect(unstorableStringPath({ a: ['ok', 'x\u0000'] })).toBe('/a/1');
    expect(unstorableStringPath({ a: { b: '\ud800' } })).toBe('/a/b');
    expect(unstorableStringPath({ a: { b: 'x\udc00' } })).toBe('/a/b');
    expect(unstorableStringPath({ 'k\u0000': 1 })).toBe('/k\u0000');
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(unstorableStringPath(deep)).toMatch(/^(\/0)+$/);
  });

  it.each([['NUL', 'a\u0000b'], ['lone high surrogate', 'a\ud800b'], ['lone low surrogate', '\udfff']])('answers 400 problem+json for a %s, and writes nothing', async (_name, reason) => {
    const missionId = `m-${Date.now()}`;
    const response = await service.app.inject({
      method: 'POST',
      url: `/v1/demo/${missionId}/abandon`,
      headers: { authorization: `Bearer ${garage}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ reason }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: '/reason' }] });
    const { rows } = await service.ctx.pool.query('SELECT count(*)::int AS n FROM abandons WHERE mission_id = $1', [missionId]);
    expect(rows[0].n).toBe(0);
  });

  it('still refuses prototype poisoning and malformed JSON with 400 problem+json', async () => {
    for (const payload of ['{"reason":"x","__proto__":{"polluted":1}}', '{"reason":', '']) {
      const response = await service.app.inject({
        method: 'POST',
        url: '/v1/demo/m1/abandon',
        headers: { authorization: `Bearer ${garage}`, 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('security headers and route table', () => {
  it('sends the security headers on 401 and 403 answers too', async () => {
    const unauthenticated = await service.app.inject({ method: 'POST', url: '/v1/demo/m1/abandon', payload: { reason: 'x' } });
    expect(unauthenticated.statusCode).toBe(401);
    const forbidden = await service.app.inject({
      method: 'POST',
      url: '/v1/demo/m1/abandon',
      headers: { authorization: `Bearer ${await token({ role: 'insurer', org: 'I1' })}` },
      payload: { reason: 'x' },
    });
    expect(forbidden.statusCode).toBe(403);
    for (const response of [unauthenticated, forbidden]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  it('answers an over-long id (router 414) and a malformed URL with problem+json', async () => {
    const long = await service.app.inject({ method: 'POST', url: `/v1/demo/${'a'.repeat(500)}/abandon`, payload: { reason: 'x' } });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(long.json()).toMatchObject({ status: 414, code: 'fst_err_max_param_length' });
    const bad = await service.app.inject({ method: 'POST', url: '/v1/demo/%E0%A4%A/abandon', payload: { reason: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('lists every route with its roles and body limit', () => {
    const routes = service.routes();
    expect(routes).toContainEqual(expect.objectContaining({ method: 'POST', url: '/v1/demo/:missionId/abandon', roles: ['garage'], bodyLimit: 1_048_576 }));
    expect(routes.find((r) => r.url === '/health/ready' && r.method === 'GET')?.roles).toBeUndefined();
  });
});

describe('log redaction', () => {
  it('hides PostgreSQL error details, nested owners and authorization headers', () => {
    const lines: string[] = [];
    const logger = pino(
      { redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } },
      new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }),
    );
    const err = Object.assign(new Error('unsupported Unicode escape sequence'), { detail: 'Failing row contains (Marie Dubois, +32 470 00 00 00)', where: 'JSON data, line 1: "marie@example.be"' });
    logger.error({ err }, 'unhandled error');
    logger.info({ payload: { mission: { owner: { name: 'Marie Dubois', phone: '+32 470 00 00 00', email: 'marie@example.be' } } } }, 'event');
    logger.info({ req: { headers: { authorization: 'Bearer abc.def.ghi' } } }, 'request');
    // @fastify/multipart logs its busboy options, the request's headers included, at trace level.
    logger.info({ busboyOptions: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'session=abc.def.ghi' } } }, 'multipart');
    const text = lines.join('');
    for (const secret of ['Marie Dubois', '+32 470 00 00 00', 'marie@example.be', 'abc.def.ghi']) expect(text).not.toContain(secret);
  });
});

describe('request timeout', () => {
  it('drops a client that trickles its request (slowloris) within REQUEST_TIMEOUT_MS, not after Node’s 30 s check interval', async () => {
    const slow = await buildDemoService(testEnvironment('demo', { REQUEST_TIMEOUT_MS: '500' }), { consumers: () => [] });
    try {
      await slow.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = slow.app.server.address() as { port: number };
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let data = '';
        socket.on('connect', () => socket.write(`POST /v1/demo/m1/abandon HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${garage}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"reason":`));
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
      });
      expect(Date.now() - started).toBeLessThan(3_000);
      if (answer) expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await slow.app.close();
      await slow.ctx.pool.end();
    }
  });
});
