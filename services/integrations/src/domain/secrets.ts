/**
 * Signing secrets: made here, shown to their owner once, stored only encrypted. AES-256-GCM under
 * WEBHOOK_SECRETS_KEY, with the subscription id as associated data, so a ciphertext copied onto
 * another subscription's row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The Standard Webhooks form: `whsec_` and the base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

const VERSION = 'v1';

export function encryptSecret(key: Buffer, subscriptionId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
}

/** Throws when the key or the subscription is not the one it was sealed with. */
export function decryptSecret(key: Buffer, subscriptionId: string, stored: string): string {
  const [version, body] = stored.split('.', 2);
  if (version !== VERSION || !body) throw new Error(`subscription ${subscriptionId}: unknown secret format`);
  const raw = Buffer.from(body, 'base64');
  // The whole 16-byte tag, always: GCM would otherwise accept a cut one, far easier to forge.
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
