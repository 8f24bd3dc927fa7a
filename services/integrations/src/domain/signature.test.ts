import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newSigningSecret } from './secrets.ts';
import { webhookHeaders } from './signature.ts';

const messageId = 'evt_0123456789abcdef0123456789abcdef';
const body = JSON.stringify({ id: messageId, type: 'mission.deposited', version: 1, data: { status: 'new' } });
const previous = newSigningSecret();
const current = newSigningSecret();
const stranger = newSigningSecret();

/** A receiver holding `secret` verifies a delivery: the library checks the timestamp against its own clock, so `at` is now. */
const verifies = (secret: string, payload: string, headers: Record<string, string>) => () => new Webhook(secret).verify(payload, headers);

describe('webhookHeaders', () => {
  it('names the message and gives the instant in whole seconds', () => {
    const headers = webhookHeaders(messageId, new Date('2026-03-20T08:00:00.999Z'), body, [current]);
    expect(headers['webhook-id']).toBe(messageId);
    expect(headers['webhook-timestamp']).toBe(String(Date.UTC(2026, 2, 20, 8, 0, 0) / 1000));
    expect(headers['webhook-timestamp']).toBe('1773993600');
  });

  it('is verified by a receiver holding the secret', () => {
    const headers = webhookHeaders(messageId, new Date(), body, [current]);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifies(current, body, headers)()).toEqual(JSON.parse(body));
  });

  it('signs with both secrets during a rotation, so a receiver holding either verifies', () => {
    const headers = webhookHeaders(messageId, new Date(), body, [current, previous]);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(current, body, headers)).not.toThrow();
    expect(verifies(previous, body, headers)).not.toThrow();
  });

  it('is not verified by a receiver holding another secret', () => {
    const headers = webhookHeaders(messageId, new Date(), body, [current, previous]);
    expect(verifies(stranger, body, headers)).toThrow(/No matching signature/);
  });

  it('is not verified once the body has changed', () => {
    const headers = webhookHeaders(messageId, new Date(), body, [current, previous]);
    expect(verifies(current, body.replace('"new"', '"closed"'), headers)).toThrow(/No matching signature/);
  });

  it('is not verified under another message id', () => {
    const headers = webhookHeaders(messageId, new Date(), body, [current]);
    expect(verifies(current, body, { ...headers, 'webhook-id': 'evt_ffffffffffffffffffffffffffffffff' })).toThrow(/No matching signature/);
  });

  it('refuses to make a delivery without a secret', () => {
    expect(() => webhookHeaders(messageId, new Date(), body, [])).toThrow('a delivery needs at least one signing secret');
  });
});
