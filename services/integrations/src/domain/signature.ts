/**
 * Standard Webhooks headers for one delivery, signed by the `standardwebhooks` library with every
 * secret in force: after a rotation, the new and the previous one, space-separated, so a receiver
 * that still holds the previous secret keeps verifying until it expires.
 */
import { Webhook } from 'standardwebhooks';

export function webhookHeaders(messageId: string, at: Date, body: string, secrets: readonly string[]): Record<string, string> {
  if (secrets.length === 0) throw new Error('a delivery needs at least one signing secret');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': Math.floor(at.getTime() / 1000).toString(),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' '),
  };
}
