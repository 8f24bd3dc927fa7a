import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The HS256 secret of this checkout's local stack: random, made on first use, kept in the
 * git-ignored .stack folder. Production verifies tokens with the identity provider's JWKS.
 */
export function localJwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = join(root, '.stack', 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * The key that encrypts webhook signing secrets at rest in this checkout's local stack (base64 of
 * 32 bytes): random, made on first use, kept beside the JWT secret, so that subscriptions made in
 * one `npm start` still sign after the next. Production takes it from a Kubernetes Secret.
 */
export function localWebhookSecretsKey(): string {
  if (process.env.WEBHOOK_SECRETS_KEY) return process.env.WEBHOOK_SECRETS_KEY;
  const file = join(root, '.stack', 'webhook-secrets-key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * What the integrations service needs on a developer's machine: its key, and webhooks allowed to
 * plain http on loopback, where a developer's (or a test's, or the demo's) receiver listens.
 * Production allows neither (the service refuses http targets when NODE_ENV=production).
 */
export function localIntegrationsEnv(): Record<string, string> {
  return { WEBHOOK_SECRETS_KEY: localWebhookSecretsKey(), WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_NETWORKS: 'loopback' };
}
