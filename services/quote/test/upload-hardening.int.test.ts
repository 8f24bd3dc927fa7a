// Regressions of the security campaign (tests/security): a multipart body the parser cannot read
// (no boundary, truncated, cut short) was a 500; it is a 400 problem+json and stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@smart-expertise/contracts';
import { publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildQuote } from '../src/service.ts';
import { missionReceived } from './support.ts';

const env = testEnvironment('quote');
let service: Awaited<ReturnType<typeof buildQuote>>;
let garage: string;
let quoteId: string;

beforeAll(async () => {
  service = await buildQuote(env);
  await service.start();
  const garageId = `G-${uniqueSuffix()}`;
  garage = await token({ role: 'garage', org: garageId });
  const missionId = `m_${uniqueSuffix()}`;
  await publishRaw(env.KAFKA_TOPIC_PREFIX + Topics.missionIntake, [{ key: missionId, value: missionReceived(missionId, { garageId }) }]);
  quoteId = await waitFor(async () => {
    const response = await service.app.inject({ method: 'POST', url: '/v1/quotes', headers: { authorization: `Bearer ${garage}` }, payload: { missionId } });
    return response.statusCode === 201 ? (response.json().id as string) : undefined;
  }, { message: 'the draft quote' });
});

afterAll(async () => {
  await service?.stop();
});

describe('malformed multipart uploads', () => {
  it.each([
    ['no boundary', 'multipart/form-data', 'garbage'],
    ['truncated', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="p"; filename="a.jpg"\r\n\r\n\xff\xd8'],
    ['only the closing boundary', 'multipart/form-data; boundary=b', '--b--'],
  ])('%s: 400 problem+json, nothing stored', async (_name, contentType, payload) => {
    const response = await service.app.inject({
      method: 'POST',
      url: `/v1/quotes/${quoteId}/photos`,
      headers: { authorization: `Bearer ${garage}`, 'content-type': contentType },
      payload,
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const { rows } = await service.ctx.pool.query('SELECT count(*)::int AS n FROM photos WHERE quote_id = $1', [quoteId]);
    expect(rows[0].n).toBe(0);
  });
});
