// The authenticator keeps tokens it has verified; a kept token must still be refused once it expires.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, createAuthenticator, signToken } from './auth.ts';

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
