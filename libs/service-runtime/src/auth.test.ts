// The authenticator keeps tokens it has verified; a kept token must still be refused once it expires.
// Issuer and audience are checked, and required in production; a JWKS key rotation is followed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Type from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, createAuthenticator, signToken } from './auth.ts';
import { ConfigError, loadConfig } from './config.ts';

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';
const garage = { role: 'garage', org: 'G-1' } as const;

afterEach(() => {
  vi.useRealTimers();
});

describe('authenticator', () => {
  it('answers a token verified before with the same principal', async () => {
    const auth = createAuthenticator({ secret: SECRET });
    const token = await signToken(SECRET, garage);
    const first = await auth.verify(token);
    expect(first).toMatchObject(garage);
    expect(await auth.verify(token)).toBe(first);
  });

  it('refuses a kept token once it has expired, past the clock tolerance', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-04-02T08:00:00Z'));
    const auth = createAuthenticator({ secret: SECRET });
    const token = await signToken(SECRET, garage, { expiresIn: '30s' });
    expect(await auth.verify(token)).toMatchObject(garage);

    vi.setSystemTime(new Date('2026-04-02T08:00:34Z')); // within the 5 s tolerance
    expect(await auth.verify(token)).toMatchObject(garage);
    vi.setSystemTime(new Date('2026-04-02T08:00:36Z'));
    await expect(auth.verify(token)).rejects.toThrow(AuthError);
  });

  it('checks a long-lived token again after a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-04-02T08:00:00Z'));
    const auth = createAuthenticator({ secret: SECRET, issuer: 'platform' });
    const token = await signToken(SECRET, garage, { expiresIn: '12h', issuer: 'platform' });
    const first = await auth.verify(token);
    vi.setSystemTime(new Date('2026-04-02T08:00:59Z'));
    expect(await auth.verify(token)).toBe(first);
    vi.setSystemTime(new Date('2026-04-02T08:01:01Z'));
    const again = await auth.verify(token);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('never keeps a token it refused', async () => {
    const auth = createAuthenticator({ secret: SECRET });
    const forged = await signToken('another-secret-of-at-least-thirty-two-bytes', garage);
    await expect(auth.verify(forged)).rejects.toThrow(AuthError);
    await expect(auth.verify(forged)).rejects.toThrow(AuthError);
    const expertWithoutName = await signToken(SECRET, { role: 'expert', org: 'E-1' });
    await expect(auth.verify(expertWithoutName)).rejects.toThrow(/name and phone/);
    await expect(auth.verify(expertWithoutName)).rejects.toThrow(/name and phone/);
  });

  it('gives every request the principal read-only', async () => {
    const auth = createAuthenticator({ secret: SECRET });
    const principal = await auth.verify(await signToken(SECRET, garage));
    expect(Object.isFrozen(principal)).toBe(true);
  });
});

describe('issuer and audience', () => {
  const base = { PORT: '3000', DATABASE_URL: 'postgres://localhost/db', KAFKA_BROKERS: 'localhost:9092', JWT_SECRET: SECRET };
  const load = (env: Record<string, string>) => loadConfig(Type.Object({}), { ...base, ...env });

  it('are required when NODE_ENV=production: the service refuses to start without them, naming both', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => load({ NODE_ENV: 'production', JWT_ISSUER: 'https://login.example/' })).toThrow(/JWT_ISSUER and JWT_AUDIENCE are required when NODE_ENV=production/);
    expect(load({ NODE_ENV: 'production', JWT_ISSUER: 'https://login.example/', JWT_AUDIENCE: 'smart-expertise-api' })).toMatchObject({ JWT_ISSUER: 'https://login.example/' });
    expect(load({ NODE_ENV: 'development' })).toMatchObject({ NODE_ENV: 'development' });
  });

  it('refuse a token of another issuer or for another audience, and one without them', async () => {
    const auth = createAuthenticator({ secret: SECRET, issuer: 'https://login.example/', audience: 'smart-expertise-api' });
    expect(await auth.verify(await signToken(SECRET, garage, { issuer: 'https://login.example/', audience: 'smart-expertise-api' }))).toMatchObject(garage);
    for (const claims of [{ issuer: 'https://other.example/', audience: 'smart-expertise-api' }, { issuer: 'https://login.example/', audience: 'another-api' }, {}]) {
      await expect(auth.verify(await signToken(SECRET, garage, claims))).rejects.toThrow(AuthError);
    }
  });
});

describe('JWKS rotation', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function key(kid: string) {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const sign = (claims: object = garage) =>
      new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid }).setIssuer('https://login.example/').setAudience('smart-expertise-api').setIssuedAt().setExpirationTime('5m').sign(privateKey);
    return { jwk, sign };
  }

  it('accepts tokens of a key published after start-up, and refuses those of a key the provider withdrew once its copy of the set is ten minutes old', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-04-02T08:00:00Z'));
    const [a, b] = [await key('a'), await key('b')];
    let published: JWK[] = [a.jwk];
    let fetches = 0;
    server = createServer((_, response) => {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const auth = createAuthenticator({ jwksUrl, issuer: 'https://login.example/', audience: 'smart-expertise-api', jwksCooldownMs: 0 });

    expect(await auth.verify(await a.sign())).toMatchObject(garage);
    // The provider rotates: b is published, then a is withdrawn.
    published = [a.jwk, b.jwk];
    expect(await auth.verify(await b.sign())).toMatchObject(garage);
    published = [b.jwk];
    // jose keeps the set it fetched for ten minutes (cacheMaxAge): within them a withdrawn key still verifies.
    expect(await auth.verify(await a.sign({ ...garage, sub: 'just-after-withdrawal' }))).toMatchObject({ sub: 'just-after-withdrawal' });
    vi.setSystemTime(new Date('2026-04-02T08:10:01Z'));
    expect(await auth.verify(await b.sign({ ...garage, sub: 'after-withdrawal' }))).toMatchObject({ sub: 'after-withdrawal' });
    await expect(auth.verify(await a.sign({ ...garage, sub: 'signed-with-a-withdrawn-key' }))).rejects.toThrow(AuthError);
    expect(fetches).toBeGreaterThanOrEqual(2);
  });
});
