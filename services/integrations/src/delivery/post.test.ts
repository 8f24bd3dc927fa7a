import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowedNetworks } from '../domain/target.ts';
import { createPoster, type Poster } from './post.ts';

/** What the receiver saw of one request. */
interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const HUGE_BYTES = 8 * 1024 * 1024;

/**
 * A receiver on the loopback interface, one behaviour per path: `/ok` answers 200, `/failing` 500,
 * `/redirect` 302 to `/elsewhere`, `/silent` never answers, `/huge` answers 200 with 8 MB.
 */
let server: http.Server;
let port: number;
const seen: Seen[] = [];
let connections = 0;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      seen.push({ method: request.method ?? '', path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.on('error', () => {}); // the poster hangs up on /huge: nothing to report
      switch (path) {
        case '/ok':
          return response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        case '/failing':
          return response.writeHead(500).end('down for maintenance');
        case '/redirect':
          return response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
        case '/huge':
          return response.writeHead(200, { 'content-length': String(HUGE_BYTES) }).end(Buffer.alloc(HUGE_BYTES, 0x61));
        case '/silent':
          return; // the receiver takes the request and never answers
        default:
          return response.writeHead(404).end();
      }
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const loopback = parseAllowedNetworks('loopback');
const publicOnly = parseAllowedNetworks('');
const headers = { 'webhook-id': 'evt_0123456789abcdef0123456789abcdef', 'webhook-timestamp': '1773993600', 'webhook-signature': 'v1,abc=' };
const body = JSON.stringify({ type: 'mission.deposited', data: { note: 'één' } });

const posters: Poster[] = [];
function poster(options: { allowed?: typeof loopback; timeoutMs?: number } = {}): Poster {
  const made = createPoster({ allowed: options.allowed ?? loopback, timeoutMs: options.timeoutMs ?? 5_000, perOrigin: 2 });
  posters.push(made);
  return made;
}
afterEach(() => {
  for (const made of posters.splice(0)) made.close();
});

const url = (path: string, host = '127.0.0.1') => `http://${host}:${port}${path}`;
const requestsTo = (path: string) => seen.filter((s) => s.path === path);

describe('createPoster: the answer', () => {
  it('gives the status of a 2xx answer and no error', async () => {
    const result = await poster().post(url('/ok'), headers, body);
    expect(result).toMatchObject({ status: 200, error: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('posts the body as JSON with the signature headers', async () => {
    await poster().post(url('/ok'), headers, body);
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/ok', body });
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'webhook-id': headers['webhook-id'],
      'webhook-timestamp': headers['webhook-timestamp'],
      'webhook-signature': headers['webhook-signature'],
    });
  });

  it('gives the status of a 5xx answer, leaving the verdict to the sender', async () => {
    expect(await poster().post(url('/failing'), headers, body)).toMatchObject({ status: 500, error: null });
  });

  it('does not follow a redirect: it gives the 302 and says where it was not followed', async () => {
    const result = await poster().post(url('/redirect'), headers, body);
    expect(result).toMatchObject({ status: 302, error: `redirect to http://127.0.0.1:${port}/elsewhere not followed` });
    expect(requestsTo('/redirect')).not.toHaveLength(0);
    expect(requestsTo('/elsewhere')).toHaveLength(0);
  });

  it('gives up on a receiver that never answers, within the timeout', async () => {
    const result = await poster({ timeoutMs: 300 }).post(url('/silent'), headers, body);
    expect(result).toMatchObject({ status: null, error: 'no answer within 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(5_000);
    expect(requestsTo('/silent')).not.toHaveLength(0);
  });

  it('gives the status of an answer of several megabytes without reading it all', { timeout: 10_000 }, async () => {
    const result = await poster({ timeoutMs: 5_000 }).post(url('/huge'), headers, body);
    expect(result).toMatchObject({ status: 200, error: null });
  });

  it('says why when the receiver refuses the connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await poster().post(`http://127.0.0.1:${closedPort}/ok`, headers, body)).toMatchObject({ status: null, error: expect.stringMatching(/^ECONNREFUSED/) });
  });

  it('refuses a URL it cannot read, and a scheme other than http and https', async () => {
    expect(await poster().post('not a url', headers, body)).toMatchObject({ status: null, error: 'the subscription URL is not valid' });
    expect(await poster().post(`ftp://127.0.0.1:${port}/ok`, headers, body)).toMatchObject({ status: null, error: 'ftp: targets are not allowed' });
  });
});

describe('createPoster: the addresses it connects to', () => {
  it('refuses an IP literal outside the allowed networks without connecting', async () => {
    const before = { connections, requests: seen.length };
    const result = await poster({ allowed: publicOnly }).post(url('/ok'), headers, body);
    expect(result).toMatchObject({ status: null, error: 'address refused: 127.0.0.1 is a loopback address, not a public one' });
    expect({ connections, requests: seen.length }).toEqual(before);
  });

  it('refuses an IPv4-mapped IPv6 literal of a refused address without connecting', async () => {
    const before = connections;
    const result = await poster({ allowed: publicOnly }).post(`http://[::ffff:127.0.0.1]:${port}/ok`, headers, body);
    expect(result).toMatchObject({ status: null, error: expect.stringMatching(/^address refused: .* is a loopback address/) });
    expect(connections).toBe(before);
  });

  it('refuses a name that resolves to a refused address, through the lookup, without connecting', async () => {
    const before = { connections, requests: seen.length };
    const result = await poster({ allowed: publicOnly }).post(url('/ok', 'localhost'), headers, body);
    expect(result).toMatchObject({ status: null, error: expect.stringMatching(/^address refused: localhost resolves to (127\.0\.0\.1|::1) is a loopback address, not a public one$/) });
    expect({ connections, requests: seen.length }).toEqual(before);
  });

  it('connects to a name whose addresses are all allowed', async () => {
    expect(await poster({ allowed: loopback }).post(url('/ok', 'localhost'), headers, body)).toMatchObject({ status: 200, error: null });
  });
});
