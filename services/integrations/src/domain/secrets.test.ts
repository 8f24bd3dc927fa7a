import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, newSigningSecret } from './secrets.ts';

const key = Buffer.alloc(32, 0x11);
const otherKey = Buffer.alloc(32, 0x22);
const subscriptionId = '6f1c2a3e-0000-4000-8000-000000000001';
const otherSubscriptionId = '6f1c2a3e-0000-4000-8000-000000000002';

/** The stored form's raw bytes (IV, tag, ciphertext) with one byte flipped at `index`. */
function flipped(stored: string, index: number): string {
  const raw = Buffer.from(stored.slice('v1.'.length), 'base64');
  raw[index] = raw[index]! ^ 0x01;
  return `v1.${raw.toString('base64')}`;
}

describe('newSigningSecret', () => {
  it('is whsec_ and the base64 of 32 bytes', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64');
    expect(bytes).toHaveLength(32);
    expect(bytes.toString('base64')).toBe(secret.slice('whsec_'.length));
  });

  it('is a new secret each time', () => {
    expect(new Set(Array.from({ length: 20 }, newSigningSecret)).size).toBe(20);
  });
});

describe('encryptSecret and decryptSecret', () => {
  const secret = newSigningSecret();

  it('give back the secret sealed with the same key and subscription', () => {
    const stored = encryptSecret(key, subscriptionId, secret);
    expect(stored).toMatch(/^v1\.[A-Za-z0-9+/]+=*$/);
    expect(stored).not.toContain(secret.slice('whsec_'.length));
    expect(decryptSecret(key, subscriptionId, stored)).toBe(secret);
  });

  it('seal the same secret differently each time (a random IV)', () => {
    const first = encryptSecret(key, subscriptionId, secret);
    const second = encryptSecret(key, subscriptionId, secret);
    expect(first).not.toBe(second);
    expect(Buffer.from(first.slice(3), 'base64').subarray(0, 12)).not.toEqual(Buffer.from(second.slice(3), 'base64').subarray(0, 12));
    expect(decryptSecret(key, subscriptionId, second)).toBe(secret);
  });

  it('refuse to open a secret with another key', () => {
    const stored = encryptSecret(key, subscriptionId, secret);
    expect(() => decryptSecret(otherKey, subscriptionId, stored)).toThrow();
  });

  it('refuse to open a secret copied onto another subscription (the id is associated data)', () => {
    const stored = encryptSecret(key, subscriptionId, secret);
    expect(() => decryptSecret(key, otherSubscriptionId, stored)).toThrow();
  });

  it('refuse a stored secret with a byte changed in its IV, its tag or its ciphertext', () => {
    const stored = encryptSecret(key, subscriptionId, secret);
    const length = Buffer.from(stored.slice(3), 'base64').length;
    for (const index of [0, 11, 12, 27, 28, length - 1]) {
      expect(() => decryptSecret(key, subscriptionId, flipped(stored, index)), `byte ${index}`).toThrow();
    }
  });

  it('refuse a stored secret cut short', () => {
    const stored = encryptSecret(key, subscriptionId, secret);
    const raw = Buffer.from(stored.slice(3), 'base64');
    expect(() => decryptSecret(key, subscriptionId, `v1.${raw.subarray(0, raw.length - 1).toString('base64')}`)).toThrow();
    expect(() => decryptSecret(key, subscriptionId, `v1.${raw.subarray(0, 28).toString('base64')}`)).toThrow();
  });

  it('refuse a stored secret whose authentication tag is shorter than 16 bytes', () => {
    // GCM accepts tags down to 4 bytes unless told their length: a value forged without the key
    // would then need 2^32 tries, not 2^128. This one is sealed with the key and its tag cut to 4 bytes.
    const iv = Buffer.alloc(12, 7);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
    const sealed = Buffer.concat([cipher.update('', 'utf8'), cipher.final()]);
    const shortened = `v1.${Buffer.concat([iv, cipher.getAuthTag().subarray(0, 4), sealed]).toString('base64')}`;
    expect(() => decryptSecret(key, subscriptionId, shortened)).toThrow();
  });

  it('refuse an unknown format, naming the subscription', () => {
    const stored = encryptSecret(key, subscriptionId, secret);
    expect(() => decryptSecret(key, subscriptionId, stored.replace(/^v1\./, 'v2.'))).toThrow(`subscription ${subscriptionId}: unknown secret format`);
    expect(() => decryptSecret(key, subscriptionId, 'v1.')).toThrow(/unknown secret format/);
    expect(() => decryptSecret(key, subscriptionId, secret)).toThrow(/unknown secret format/);
  });
});
