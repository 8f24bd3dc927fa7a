import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventProbe, httpClient, token, uniqueSuffix } from '@smart-expertise/service-runtime/testing';
import { withTransaction } from '@smart-expertise/service-runtime';
import type { DomainEvent } from '@smart-expertise/contracts';
import { buildQuote } from '../src/service.ts';
import { quoteConsumers } from '../src/events/consumers.ts';
import { LINES, SMART_FRAME, heic, jpeg, missionReceived, png, quoteUnderTest, statusChanged, upload } from './support.ts';

const quote = quoteUnderTest();
const { at, publish, applied, verdict, receivedMission, createQuote, completeQuote, closedQuote, outboxEvents } = quote;
const GARAGE = quote.garageId;
let service: Awaited<ReturnType<typeof buildQuote>>;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let baseUrl: string;
let request: ReturnType<typeof httpClient>;
let garage: string;
let otherGarage: string;
let expert: string;
let otherExpert: string;
let insurer: string;

beforeAll(async () => {
  ({ service, baseUrl, request, probe, garage, otherGarage, expert, insurer } = await quote.start());
  otherExpert = await token({ role: 'expert', org: 'EXP2', name: 'Piet Pieters', phone: '+32 2 555 02 02' });
});

afterAll(async () => {
  await quote.stop();
});

async function close(quoteId: string) {
  return request('POST', `/v1/quotes/${quoteId}/close`, { token: garage });
}

describe('creating a quote', () => {
  it('creates a draft with every administrative field copied from the mission', async () => {
    const { missionId, deadline } = await receivedMission();
    const response = await request('POST', '/v1/quotes', { token: garage, body: { missionId } });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({ missionId, procedure: 'standard', status: 'draft', missionStatus: 'new', missionOutcome: null, deadline: deadline.toISOString(), minPhotos: 2 });
    expect(response.json.administrative).toMatchObject({
      id: missionId,
      garageId: GARAGE,
      insurerId: 'INS1',
      expertOfficeId: 'EXP1',
      claim: { claimNumber: 'CL-2026-001', policyNumber: 'POL-77' },
      vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123' },
      owner: { name: 'Anne Peeters', vatRegime: 'none' },
      directPayment: { planned: true, ceilingCents: 110_000, deductibleCents: 25_000 },
    });
  });

  it('refuses a second quote for the same mission, also when both are created at once', async () => {
    const { missionId } = await receivedMission();
    const both = await Promise.all([1, 2].map(() => request('POST', '/v1/quotes', { token: garage, body: { missionId } })));
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(both.find((r) => r.status === 409)!.json.code).toBe('quote_already_exists');
    const again = await request('POST', '/v1/quotes', { token: garage, body: { missionId, procedure: 'total_loss' } });
    expect(again.status).toBe(409);
  });

  it('answers 404 for a mission it has not heard of yet and for another garage’s mission', async () => {
    const unknown = await request('POST', '/v1/quotes', { token: garage, body: { missionId: `m-${uniqueSuffix()}` } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('mission_not_found');
    const { missionId } = await receivedMission();
    const foreign = await request('POST', '/v1/quotes', { token: otherGarage, body: { missionId } });
    expect(foreign.status).toBe(404);
    expect(foreign.json.code).toBe('mission_not_found');
  });

  it('refuses a quote after the deadline and on a mission that was abandoned or cancelled', async () => {
    const late = await receivedMission({ deadline: new Date(Date.now() - 60_000) });
    const afterDeadline = await request('POST', '/v1/quotes', { token: garage, body: { missionId: late.missionId } });
    expect(afterDeadline.status).toBe(409);
    expect(afterDeadline.json.code).toBe('deadline_passed');

    for (const status of ['abandoned', 'cancelled'] as const) {
      const { missionId } = await receivedMission();
      await verdict(missionId, { status, outcome: status, previousStatus: 'new' });
      const refused = await request('POST', '/v1/quotes', { token: garage, body: { missionId } });
      expect(refused.status, status).toBe(409);
      expect(refused.json.code).toBe(`mission_${status}`);
    }
  });

  it('is for garages only', async () => {
    const { missionId } = await receivedMission();
    expect((await request('POST', '/v1/quotes', { token: insurer, body: { missionId } })).status).toBe(403);
    expect((await request('POST', '/v1/quotes', { body: { missionId } })).status).toBe(401);
  });
});

describe('reading a quote', () => {
  it('shows the quote to the garage, the designated expert office and the insurer, and to nobody else', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await createQuote(missionId);
    for (const caller of [garage, expert, insurer]) expect((await request('GET', `/v1/quotes/${quoteId}`, { token: caller })).status).toBe(200);
    for (const caller of [otherGarage, otherExpert, await token({ role: 'insurer', org: 'INS2' })]) {
      const response = await request('GET', `/v1/quotes/${quoteId}`, { token: caller });
      expect(response.status).toBe(404);
      expect(response.json.code).toBe('quote_not_found');
    }
    // Only the garage changes it: the expert gets 403 for the role, another garage 404.
    expect((await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: expert, body: SMART_FRAME })).status).toBe(403);
    expect((await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: otherGarage, body: SMART_FRAME })).status).toBe(404);
  });
});

describe('privacy of the owner', () => {
  it('the expert office reads the quote without the owner’s phone and e-mail; the garage and the insurer see them', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await createQuote(missionId);
    const forExpert = await request('GET', `/v1/quotes/${quoteId}`, { token: expert });
    expect(forExpert.status).toBe(200);
    expect(forExpert.json.administrative.owner).toEqual({ name: 'Anne Peeters', vatRegime: 'none' });
    expect(forExpert.text).not.toContain('anne@example.be');
    expect(forExpert.text).not.toContain('+32 470 12 34 56');
    for (const caller of [garage, insurer]) {
      const full = await request('GET', `/v1/quotes/${quoteId}`, { token: caller });
      expect(full.json.administrative.owner).toMatchObject({ phone: '+32 470 12 34 56', email: 'anne@example.be' });
    }
  });
});

describe('the calculation', () => {
  const lines = [
    { kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 45_000 },
    { kind: 'labour', description: 'Bodywork', hours: 2.5, hourlyRateCents: 6_000 },
    { kind: 'paint', description: 'Paint materials', quantity: 1, unitPriceCents: 12_345 },
    { kind: 'sundry', description: 'Clips', quantity: 4, unitPriceCents: 150, discountPercent: 10 },
  ];

  it('computes the totals in cents at 21 % and states the rounding rule', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await request('PUT', `/v1/quotes/${quoteId}/calculation`, { token: garage, body: { calculationNumber: 'AUD-77', lines } });
    expect(response.status).toBe(200);
    // 45 000 + 15 000 + 12 345 + 540 = 72 885; VAT 21 % = 15 305.85 → 15 306.
    expect(response.json).toMatchObject({
      calculationNumber: 'AUD-77',
      vatRate: 21,
      subtotalsCents: { part: 45_000, labour: 15_000, paint: 12_345, sundry: 540 },
      totalExclVatCents: 72_885,
      vatCents: 15_306,
      totalInclVatCents: 88_191,
    });
    expect(response.json.roundingRule).toMatch(/half away from zero/);
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json.calculation.totalInclVatCents).toBe(88_191);
  });

  it('accepts 6 % VAT and client totals that agree', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await request('PUT', `/v1/quotes/${quoteId}/calculation`, {
      token: garage,
      body: { calculationNumber: 'AUD-6', vatRate: 6, lines: LINES, totals: { totalExclVatCents: 100_000, vatCents: 6_000, totalInclVatCents: 106_000 } },
    });
    expect(response.status).toBe(200);
    expect(response.json.totalInclVatCents).toBe(106_000);
  });

  it('refuses client totals off by one cent, with both figures', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await request('PUT', `/v1/quotes/${quoteId}/calculation`, {
      token: garage,
      body: { calculationNumber: 'AUD-78', lines, totals: { totalExclVatCents: 72_885, vatCents: 15_306, totalInclVatCents: 88_192 } },
    });
    expect(response.status).toBe(422);
    expect(response.json.code).toBe('calculation_totals_mismatch');
    expect(response.json.errors).toEqual([{ path: '/totals/totalInclVatCents', message: 'sent 88192, computed 88191' }]);
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json.calculation).toBeNull();
  });

  it('lists every invalid line field at once', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await request('PUT', `/v1/quotes/${quoteId}/calculation`, {
      token: garage,
      body: {
        calculationNumber: 'AUD-79',
        vatRate: 12,
        lines: [
          { kind: 'labour', description: 'Body', hours: 0, hourlyRateCents: 5_000 },
          { kind: 'part', description: 'Door', quantity: 1 },
        ],
      },
    });
    expect(response.status).toBe(422);
    expect(response.json.code).toBe('calculation_invalid');
    expect(response.json.errors.map((e: { path: string }) => e.path)).toEqual(['/vatRate', '/lines/0/hours', '/lines/1/unitPriceCents']);
  });

  it('is refused on a total-loss file', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId, 'total_loss');
    const response = await request('PUT', `/v1/quotes/${quoteId}/calculation`, { token: garage, body: { calculationNumber: 'AUD-1', lines: LINES } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('wrong_procedure');
  });
});

describe('photos', () => {
  it('accepts JPEG, PNG and HEIC recognised from the bytes and serves them back with their type', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const files = [
      { name: 'front.jpg', bytes: jpeg() },
      { name: 'side.bin', bytes: png(), type: 'application/octet-stream' },
      { name: 'rear.heic', bytes: heic() },
    ];
    const response = await upload(baseUrl, quoteId, garage, files);
    expect(response.status).toBe(201);
    expect(response.json.photos.map((p: { contentType: string }) => p.contentType)).toEqual(['image/jpeg', 'image/png', 'image/heic']);
    expect(response.json.photoCount).toBe(3);
    const [first] = response.json.photos;
    for (const caller of [garage, expert, insurer]) {
      const image = await fetch(`${baseUrl}${first.href}`, { headers: { authorization: `Bearer ${caller}` } });
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await image.arrayBuffer()).equals(files[0]!.bytes)).toBe(true);
    }
    const foreign = await fetch(`${baseUrl}${first.href}`, { headers: { authorization: `Bearer ${otherGarage}` } });
    expect(foreign.status).toBe(404);
    const { rows } = await service.ctx.pool.query("SELECT sha256, size_bytes FROM photos WHERE id = $1", [first.id]);
    expect(rows[0]).toEqual({ sha256: first.sha256, size_bytes: files[0]!.bytes.length });
  });

  it('refuses a text file named .jpg, and the whole batch with it', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const text = Buffer.from('This is not a photo of a damaged bumper.\n');
    const response = await upload(baseUrl, quoteId, garage, [
      { name: 'ok.jpg', bytes: jpeg() },
      { name: 'bumper.jpg', bytes: text, type: 'image/jpeg' },
    ]);
    expect(response.status).toBe(415);
    expect(response.json.code).toBe('photo_type_not_supported');
    expect(response.json.errors).toEqual([{ path: '/photos/1', message: expect.stringContaining('bumper.jpg') }]);
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json.photos).toEqual([]);
  });

  it('refuses an oversize photo with 413', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await upload(baseUrl, quoteId, garage, [{ name: 'huge.jpg', bytes: jpeg(65_537) }]);
    expect(response.status).toBe(413);
    expect(response.json.code).toBe('photo_too_large');
    const atLimit = await upload(baseUrl, quoteId, garage, [{ name: 'max.jpg', bytes: jpeg(65_536) }]);
    expect(atLimit.status).toBe(201);
  });

  it('refuses more than ten files in one request with 413', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await upload(baseUrl, quoteId, garage, Array.from({ length: 11 }, (_, i) => ({ name: `${i}.jpg`, bytes: jpeg() })));
    expect(response.status).toBe(413);
    expect(response.json.code).toBe('too_many_files_in_request');
  });

  it('refuses photos beyond the per-quote limit with 422', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    expect((await upload(baseUrl, quoteId, garage, [1, 2, 3, 4].map((i) => ({ name: `${i}.jpg`, bytes: jpeg() })))).status).toBe(201);
    const tooMany = await upload(baseUrl, quoteId, garage, [{ name: '5.jpg', bytes: jpeg() }, { name: '6.jpg', bytes: jpeg() }]);
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.code).toBe('too_many_photos');
    expect((await upload(baseUrl, quoteId, garage, [{ name: '5.jpg', bytes: jpeg() }])).status).toBe(201);
  });

  it('counts a re-sent photo once and flags a photo already used on another mission', async () => {
    const first = await createQuote((await receivedMission()).missionId);
    const second = await createQuote((await receivedMission()).missionId);
    const bytes = jpeg();
    const original = await upload(baseUrl, first, garage, [{ name: 'a.jpg', bytes }]);
    expect(original.json.photos[0].seenOnOtherMission).toBe(false);
    const retried = await upload(baseUrl, first, garage, [{ name: 'a.jpg', bytes }]);
    expect(retried.json.photos[0].id).toBe(original.json.photos[0].id);
    expect(retried.json.photoCount).toBe(1);
    const reused = await upload(baseUrl, second, garage, [{ name: 'same.jpg', bytes }]);
    expect(reused.status).toBe(201);
    expect(reused.json.photos[0].seenOnOtherMission).toBe(true);
  });
});

describe('the Smart frame', () => {
  it('requires all five answers', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const { onSiteExpertNeeded: _left, ...four } = SMART_FRAME;
    const response = await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: four });
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ path: '/onSiteExpertNeeded', message: 'is required' }]);
  });

  it('answers with the quote as stored', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: { ...SMART_FRAME, multipleDamageZones: true } });
    expect(response.status).toBe(200);
    expect(response.json.smartFrame).toEqual({ ...SMART_FRAME, multipleDamageZones: true });
    expect(response.json).toEqual((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json);
  });
});

describe('closing a standard quote', () => {
  it('lists every unmet condition at once', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    await upload(baseUrl, quoteId, garage, [{ name: 'a.jpg', bytes: jpeg() }]);
    const response = await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage });
    expect(response.status).toBe(422);
    expect(response.json.code).toBe('closing_conditions_unmet');
    expect(response.json.errors.map((e: { path: string }) => e.path)).toEqual([
      '/calculation',
      '/photos',
      '/smartFrame/probableTotalLoss',
      '/smartFrame/multipleDamageZones',
      '/smartFrame/expertAdviceNeeded',
      '/smartFrame/technicalInspectionNeeded',
      '/smartFrame/onSiteExpertNeeded',
    ]);
    expect(response.json.errors[1].message).toBe('at least 2 photos required, 1 attached');
  });

  it('closes one second before the deadline, publishes quote.submitted, and the quote becomes immutable', async () => {
    const deadline = new Date(Date.now() + 3_600_000);
    const { missionId } = await receivedMission({ deadline });
    const quoteId = await completeQuote(missionId);
    const response = await at(new Date(deadline.getTime() - 1_000), () => request('POST', `/v1/quotes/${quoteId}/close`, { token: garage }));
    expect(response.status, response.text).toBe(200);
    // The quote service does not decide the mission's status: mission-intake will say it left `new`.
    expect(response.json).toMatchObject({ status: 'closed', missionStatus: 'new', closedAt: new Date(deadline.getTime() - 1_000).toISOString() });
    // The answer is computed from the state the close was decided on: it is what a read then says.
    expect(response.json).toEqual((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json);

    const event = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'quote.submitted', 'quote.submitted');
    expect(event.correlationId).toBe(response.headers.get('x-request-id'));
    expect(event.payload).toMatchObject({
      quoteId,
      garageId: GARAGE,
      expertOfficeId: 'EXP1',
      procedure: 'standard',
      closedAt: new Date(deadline.getTime() - 1_000).toISOString(),
      smartFrame: SMART_FRAME,
      vehicleStatus: null,
      calculation: { calculationNumber: 'AUD-1', vatRate: 21, totalExclVatCents: 100_000, vatCents: 21_000, totalInclVatCents: 121_000 },
    });
    const photos = (event.payload as { photos: { id: string; sha256: string }[] }).photos;
    expect(photos).toHaveLength(2);
    expect(photos.every((p) => /^[0-9a-f]{64}$/.test(p.sha256))).toBe(true);

    const calc = await request('PUT', `/v1/quotes/${quoteId}/calculation`, { token: garage, body: { calculationNumber: 'AUD-2', lines: LINES } });
    expect(calc.status).toBe(409);
    expect(calc.json.code).toBe('quote_closed');
    expect((await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: SMART_FRAME })).json.code).toBe('quote_closed');
    const photo = await upload(baseUrl, quoteId, garage, [{ name: 'late.jpg', bytes: jpeg() }]);
    expect(photo.status).toBe(409);
    expect(photo.json.code).toBe('quote_closed');
  });

  it('refuses to close one second after the deadline', async () => {
    const deadline = new Date(Date.now() + 3_600_000);
    const { missionId } = await receivedMission({ deadline });
    const quoteId = await completeQuote(missionId);
    const response = await at(new Date(deadline.getTime() + 1_000), () => request('POST', `/v1/quotes/${quoteId}/close`, { token: garage }));
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('deadline_passed');
    expect(await outboxEvents(missionId, 'quote.submitted')).toHaveLength(0);
  });

  it('two concurrent closes make exactly one submission', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    const responses = await Promise.all([1, 2, 3].map(() => request('POST', `/v1/quotes/${quoteId}/close`, { token: garage })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(responses.filter((r) => r.status === 409).map((r) => r.json.code)).toEqual(['quote_already_closed', 'quote_already_closed']);
    expect(await outboxEvents(missionId, 'quote.submitted')).toHaveLength(1);
  });
});

describe('quote.submitted and the expert office', () => {
  it('carries the review file (mission without the owner’s contact, deadline, policy) and no administrative snapshot', async () => {
    const { missionId, deadline } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    expect((await close(quoteId)).status).toBe(200);
    const event = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'quote.submitted', 'quote.submitted');
    const payload = event.payload as Record<string, unknown>;
    expect(payload).not.toHaveProperty('administrative');
    expect(payload.reviewFile).toEqual({
      mission: expect.objectContaining({ id: missionId, garageId: GARAGE, expertOfficeId: 'EXP1', owner: { name: 'Anne Peeters', vatRegime: 'none' } }),
      deadline: deadline.toISOString(),
      policy: { workingDays: 5, minPhotos: 2, reviewThresholds: { agreedLabourRateCents: 6_500, smartCeilingCents: 500_000, totalLossRatioPercent: 70 } },
    });
    expect(JSON.stringify(payload)).not.toContain('anne@example.be');
    expect(JSON.stringify(payload)).not.toContain('+32 470 12 34 56');
  });
});

describe('discarding a draft', () => {
  it('discards a standard draft, then the mission takes a total-loss quote', async () => {
    const { missionId } = await receivedMission();
    const first = await createQuote(missionId);
    const discarded = await request('POST', `/v1/quotes/${first}/discard`, { token: garage, body: { reason: 'The vehicle is a probable total loss' } });
    expect(discarded.status, discarded.text).toBe(200);
    expect(discarded.json).toMatchObject({ id: first, status: 'discarded', discardReason: 'The vehicle is a probable total loss', missionStatus: 'new' });
    expect(discarded.json).toEqual((await request('GET', `/v1/quotes/${first}`, { token: garage })).json);

    const second = await createQuote(missionId, 'total_loss');
    expect(second).not.toBe(first);
    expect((await request('GET', `/v1/quotes/${first}`, { token: garage })).json.status).toBe('discarded');
    const again = await request('POST', `/v1/quotes/${first}/discard`, { token: garage, body: { reason: 'twice' } });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('quote_discarded');
    const edit = await request('PUT', `/v1/quotes/${first}/smart-frame`, { token: garage, body: SMART_FRAME });
    expect(edit.json.code).toBe('quote_discarded');
    // Nobody else knew the draft: nothing is published.
    expect(await outboxEvents(missionId)).toEqual([]);
  });

  it('refuses to discard a closed quote, a blank reason, and anyone but the garage', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    for (const reason of ['   ', '']) {
      const blank = await request('POST', `/v1/quotes/${quoteId}/discard`, { token: garage, body: { reason } });
      expect(blank.status, JSON.stringify(reason)).toBe(400);
    }
    expect((await request('POST', `/v1/quotes/${quoteId}/discard`, { token: garage, body: {} })).status).toBe(400);
    expect((await request('POST', `/v1/quotes/${quoteId}/discard`, { token: otherGarage, body: { reason: 'mine' } })).status).toBe(404);
    expect((await request('POST', `/v1/quotes/${quoteId}/discard`, { token: insurer, body: { reason: 'mine' } })).status).toBe(403);

    expect((await close(quoteId)).status).toBe(200);
    const response = await request('POST', `/v1/quotes/${quoteId}/discard`, { token: garage, body: { reason: 'too late' } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('quote_closed');
    expect(await outboxEvents(missionId, 'quote.submitted')).toHaveLength(1);
  });
});

describe('mission-intake’s verdict', () => {
  it.each(['abandoned', 'cancelled'] as const)('a draft of a mission %s is voided and its close refused (409)', async (status) => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    await verdict(missionId, { status, outcome: status, previousStatus: 'new' });
    const response = await close(quoteId);
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('quote_voided');
    expect(response.json.conflicts.map((c: { code: string }) => c.code)).toEqual([`mission_${status}`]);
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json).toMatchObject({ status: 'voided', missionStatus: status, missionOutcome: status, discardReason: status, closedAt: null });
    // A draft reached nobody: nothing to withdraw.
    expect(await outboxEvents(missionId)).toEqual([]);
  });

  it('a closed quote the verdict voids is announced once with quote.voided; a redelivered verdict publishes nothing more', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    expect((await close(quoteId)).status).toBe(200);
    // An abandon earlier than the close, learned after it: mission-intake voids the close.
    const event = await verdict(missionId, { status: 'abandoned', outcome: 'abandoned', previousStatus: 'new', voidedQuoteIds: [quoteId] });

    const voided = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'quote.voided', 'quote.voided');
    expect(voided.payload).toEqual({ quoteId, garageId: GARAGE, expertOfficeId: 'EXP1', missionStatus: 'abandoned', voidedAt: (event.payload as { changedAt: string }).changedAt });
    expect(voided.causationId).toBe(event.id);
    expect(voided.correlationId).toBe(event.correlationId);
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json).toMatchObject({ status: 'voided', missionStatus: 'abandoned', closedAt: expect.any(String), voidedAt: expect.any(String) });

    // The same event again, then a later verdict naming the quote again: the quote is voided already.
    await publish(event);
    await verdict(missionId, { status: 'abandoned', outcome: 'abandoned', previousStatus: 'abandoned', voidedQuoteIds: [quoteId] });
    expect(await outboxEvents(missionId, 'quote.voided')).toHaveLength(1);
    expect(await outboxEvents(missionId, 'quote.submitted')).toHaveLength(1);
  });

  it('a close voided by a cancel that then lost to an earlier validation is reinstated and announced with quote.reinstated', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    expect((await close(quoteId)).status).toBe(200);
    await verdict(missionId, { status: 'cancelled', outcome: 'cancelled', previousStatus: 'under_analysis', voidedQuoteIds: [quoteId] });
    expect((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json.status).toBe('voided');
    // The validation made before the cancel reaches mission-intake: the verdict rests on the quote again.
    const event = await verdict(missionId, { status: 'closed', outcome: 'validated', previousStatus: 'cancelled', quoteId, procedure: 'standard' });
    const reinstated = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'quote.reinstated', 'quote.reinstated');
    expect(reinstated.payload).toEqual({ quoteId, garageId: GARAGE, expertOfficeId: 'EXP1', missionStatus: 'closed', reinstatedAt: (event.payload as { changedAt: string }).changedAt });
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json).toMatchObject({ status: 'closed', missionStatus: 'closed', missionOutcome: 'validated', voidedAt: null });
    await publish(event);
    await applied(event);
    expect(await outboxEvents(missionId, 'quote.reinstated')).toHaveLength(1);
  });

  it('an abandon the close beat leaves the closed quote as it is', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    expect((await close(quoteId)).status).toBe(200);
    await verdict(missionId, { status: 'under_analysis', previousStatus: 'new', quoteId, procedure: 'standard' });
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json).toMatchObject({ status: 'closed', missionStatus: 'under_analysis', missionOutcome: null });
    expect(await outboxEvents(missionId, 'quote.voided')).toHaveLength(0);
  });

  it('a close and a verdict voiding it at the same moment end voided, announced only if it was transmitted', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    const event = statusChanged(missionId, { garageId: GARAGE, status: 'abandoned', outcome: 'abandoned', previousStatus: 'new', voidedQuoteIds: [quoteId] });
    const [closing] = await Promise.all([close(quoteId), publish(event)]);
    await applied(event);
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json).toMatchObject({ status: 'voided', missionStatus: 'abandoned' });
    const submitted = await outboxEvents(missionId, 'quote.submitted');
    const voided = await outboxEvents(missionId, 'quote.voided');
    if (closing.status === 200) {
      expect([submitted.length, voided.length]).toEqual([1, 1]);
    } else {
      expect(closing.json.code).toBe('quote_voided');
      expect([submitted.length, voided.length]).toEqual([0, 0]);
    }
  });

  it('an expired mission refuses the close and leaves the draft a draft', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await completeQuote(missionId);
    await verdict(missionId, { status: 'expired', previousStatus: 'new' });
    const response = await close(quoteId);
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('mission_expired');
    expect((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json).toMatchObject({ status: 'draft', missionStatus: 'expired' });
  });
});

describe('the total-loss procedure', () => {
  it('needs the vehicle status and a photo, not a calculation or Smart frame, and is then submitted', async () => {
    const { missionId } = await receivedMission({ minPhotos: 4 });
    const quoteId = await createQuote(missionId, 'total_loss');
    const incomplete = await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage });
    expect(incomplete.status).toBe(422);
    expect(incomplete.json.errors.map((e: { path: string }) => e.path)).toEqual(['/vehicleStatus', '/photos']);
    expect((await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: SMART_FRAME })).json.code).toBe('wrong_procedure');

    const status = await request('PUT', `/v1/quotes/${quoteId}/vehicle-status`, { token: garage, body: { vehicleStatus: 'wreck', note: 'roof crushed' } });
    expect(status.status).toBe(200);
    expect(status.json).toEqual((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json);
    expect((await upload(baseUrl, quoteId, garage, [{ name: 'wreck.jpg', bytes: jpeg() }])).status).toBe(201);
    const closed = await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage });
    expect(closed.status).toBe(200);
    expect(closed.json).toEqual((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json);
    const event = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'quote.submitted', 'quote.submitted');
    expect(event.payload).toMatchObject({ procedure: 'total_loss', calculation: null, smartFrame: null, vehicleStatus: 'wreck', vehicleStatusNote: 'roof crushed' });
  });

  it('refuses the vehicle status on a standard quote', async () => {
    const quoteId = await createQuote((await receivedMission()).missionId);
    const response = await request('PUT', `/v1/quotes/${quoteId}/vehicle-status`, { token: garage, body: { vehicleStatus: 'drivable' } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('wrong_procedure');
  });
});

describe('direct payment', () => {
  const invoice = { invoiceNumber: 'F-2026-001', invoiceDate: '2026-01-15', amountCents: 121_000, replacementVehicle: true };

  async function validate(missionId: string, quoteId: string, outcome: 'validated' | 'total_loss' = 'validated') {
    await verdict(missionId, { status: 'closed', outcome, previousStatus: 'under_analysis', quoteId, procedure: outcome === 'total_loss' ? 'total_loss' : 'standard' });
  }

  it('is refused before the expert validates, accepted after, and idempotent', async () => {
    const { missionId, quoteId } = await closedQuote();
    const before = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
    expect(before.status).toBe(409);
    expect(before.json.code).toBe('mission_not_validated');

    await verdict(missionId, { status: 'remote_intervention', previousStatus: 'under_analysis', quoteId, procedure: 'standard' });
    expect((await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice })).json.code).toBe('mission_not_validated');

    await validate(missionId, quoteId);
    const first = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
    expect(first.status, first.text).toBe(201);
    const repeat = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
    expect(repeat.status).toBe(200);
    expect(repeat.json).toEqual(first.json);
    const different = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: { ...invoice, amountCents: 120_000 } });
    expect(different.status).toBe(409);
    expect(different.json.code).toBe('payment_already_requested');

    expect(await outboxEvents(missionId, 'payment.requested')).toHaveLength(1);
    const event = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'payment.requested', 'payment.requested');
    expect(event.payload).toMatchObject({ quoteId, garageId: GARAGE, invoiceNumber: 'F-2026-001', amountCents: 121_000, replacementVehicle: true, insurerShareCents: 85_000, ownerShareCents: 36_000 });
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: insurer });
    expect(quote.json.paymentRequest).toEqual(first.json);
    expect(quote.json).toMatchObject({ missionStatus: 'closed', missionOutcome: 'validated' });
  });

  it('is refused on a confirmed total loss: a total loss is not a repair', async () => {
    const { missionId } = await receivedMission();
    const quoteId = await createQuote(missionId, 'total_loss');
    expect((await request('PUT', `/v1/quotes/${quoteId}/vehicle-status`, { token: garage, body: { vehicleStatus: 'wreck' } })).status).toBe(200);
    expect((await upload(baseUrl, quoteId, garage, [{ name: 'wreck.jpg', bytes: jpeg() }])).status).toBe(201);
    expect((await close(quoteId)).status).toBe(200);
    await validate(missionId, quoteId, 'total_loss');
    const response = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('total_loss_not_payable');
    expect(await outboxEvents(missionId, 'payment.requested')).toHaveLength(0);
  });

  it('is refused on a voided quote', async () => {
    const { missionId, quoteId } = await closedQuote();
    // The insurer cancelled before the close: mission-intake voids the quote.
    await verdict(missionId, { status: 'cancelled', outcome: 'cancelled', previousStatus: 'new', voidedQuoteIds: [quoteId] });
    const response = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('quote_voided');
    expect(await outboxEvents(missionId, 'payment.requested')).toHaveLength(0);
  });

  it('is refused when the insurer did not plan direct payment, and for an invoice dated in the future', async () => {
    const notPlanned = await closedQuote({ directPayment: null });
    await validate(notPlanned.missionId, notPlanned.quoteId);
    const refused = await request('POST', `/v1/quotes/${notPlanned.quoteId}/payment-request`, { token: garage, body: invoice });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('direct_payment_not_planned');

    const planned = await closedQuote();
    await validate(planned.missionId, planned.quoteId);
    const tomorrow = new Date(Date.now() + 2 * 24 * 3600_000).toISOString().slice(0, 10);
    const future = await request('POST', `/v1/quotes/${planned.quoteId}/payment-request`, { token: garage, body: { ...invoice, invoiceDate: tomorrow } });
    expect(future.status).toBe(422);
    expect(future.json.code).toBe('invoice_date_in_future');
  });

  it('splits the invoice for each VAT regime with a ceiling and a deductible', async () => {
    // 1 210.00 € incl. 21 % VAT (1 000.00 + 210.00), ceiling 1 100.00 €, deductible 250.00 €.
    const cases = [
      { owner: { vatRegime: 'none' as const }, expected: { recoverableVatCents: 0, aboveCeilingCents: 11_000, deductibleAppliedCents: 25_000, insurerShareCents: 85_000, ownerShareCents: 36_000 } },
      { owner: { vatRegime: 'full' as const }, expected: { recoverableVatCents: 21_000, aboveCeilingCents: 0, deductibleAppliedCents: 25_000, insurerShareCents: 75_000, ownerShareCents: 46_000 } },
      {
        owner: { vatRegime: 'partial' as const, vatDeductiblePercent: 60 },
        expected: { recoverableVatCents: 12_600, aboveCeilingCents: 0, deductibleAppliedCents: 25_000, insurerShareCents: 83_400, ownerShareCents: 37_600 },
      },
    ];
    for (const { owner, expected } of cases) {
      const { missionId, quoteId } = await closedQuote({ owner });
      await validate(missionId, quoteId);
      const response = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
      expect(response.status, `${owner.vatRegime}: ${response.text}`).toBe(201);
      expect(response.json, owner.vatRegime).toMatchObject({ ...expected, vatRatePercent: 21, ceilingCents: 110_000, deductibleCents: 25_000, aboveValidatedQuote: false, ownerVatRegime: owner.vatRegime });
      expect(response.json.roundingRule).toMatch(/half away from zero/);
    }
  });

  it('accepts an invoice above the validated quote total and flags it for the insurer', async () => {
    const { missionId, quoteId } = await closedQuote();
    await validate(missionId, quoteId);
    const response = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: { ...invoice, amountCents: 121_001 } });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({ aboveValidatedQuote: true, validatedQuoteTotalInclVatCents: 121_000 });
    const event = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'payment.requested', 'payment.requested');
    expect((event.payload as { aboveValidatedQuote: boolean }).aboveValidatedQuote).toBe(true);
  });
});

describe('applying a batch of mission-intake events', () => {
  /**
   * One story, told twice: a mission received and judged in the same batch; a closed quote whose
   * mission goes under analysis (nothing changes for the quote); a closed quote voided by an abandon
   * and then by a cancel (applied one by one inside the batch); a verdict for a mission never received.
   */
  async function story() {
    const fresh = `m-${uniqueSuffix()}`;
    const { missionId: analysed } = await receivedMission();
    const analysedQuote = await completeQuote(analysed);
    expect((await close(analysedQuote)).status).toBe(200);
    const { missionId: voided } = await receivedMission();
    const voidedQuote = await completeQuote(voided);
    expect((await close(voidedQuote)).status).toBe(200);
    const unknown = `m-${uniqueSuffix()}`;
    const events = [
      missionReceived(fresh, { garageId: GARAGE }),
      statusChanged(analysed, { garageId: GARAGE, status: 'under_analysis', previousStatus: 'new', quoteId: analysedQuote, procedure: 'standard' }),
      statusChanged(fresh, { garageId: GARAGE, status: 'abandoned', outcome: 'abandoned', previousStatus: 'new' }),
      statusChanged(voided, { garageId: GARAGE, status: 'abandoned', outcome: 'abandoned', previousStatus: 'new', voidedQuoteIds: [voidedQuote] }),
      statusChanged(unknown, { garageId: GARAGE, status: 'cancelled', outcome: 'cancelled', previousStatus: 'new' }),
      statusChanged(voided, { garageId: GARAGE, status: 'cancelled', outcome: 'cancelled', previousStatus: 'abandoned', voidedQuoteIds: [voidedQuote] }),
    ] as unknown as DomainEvent[];
    return { missions: [fresh, analysed, voided, unknown], quotes: [analysedQuote, voidedQuote], events };
  }

  async function outcome({ missions, quotes }: { missions: string[]; quotes: string[] }) {
    const rows = await Promise.all(
      missions.map(async (id) => {
        const { rows: [row] } = await service.ctx.pool.query('SELECT status, outcome, received_at IS NOT NULL AS received, garage_id FROM missions WHERE id = $1', [id]);
        return row;
      }),
    );
    const statuses = await Promise.all(quotes.map(async (id) => (await request('GET', `/v1/quotes/${id}`, { token: garage })).json.status));
    const published = await Promise.all(missions.map(async (id) => (await outboxEvents(id)).map((e) => e.type)));
    return { rows, statuses, published };
  }

  it('gives the same missions, quotes and events as applying them one at a time', async () => {
    const [spec] = quoteConsumers(service.ctx);
    const batch = await story();
    const oneByOne = await story();
    await withTransaction(service.ctx.pool, (tx) => spec!.applyBatch!(tx, batch.events));
    await withTransaction(service.ctx.pool, async (tx) => {
      for (const event of oneByOne.events) await (spec!.handlers[event.type] as (t: typeof tx, e: DomainEvent) => Promise<void>)(tx, event);
    });
    const expected = await outcome(oneByOne);
    expect(await outcome(batch)).toEqual(expected);
    expect(expected.rows.map((r) => [r.status, r.outcome, r.received])).toEqual([
      ['abandoned', 'abandoned', true],
      ['under_analysis', null, true],
      ['cancelled', 'cancelled', true],
      ['cancelled', 'cancelled', false],
    ]);
    expect(expected.statuses).toEqual(['closed', 'voided']);
    expect(expected.published[2]).toEqual(['quote.submitted', 'quote.voided']);
  });

  it('applies a batch whose verdicts change no quote in five statements, whatever its size', async () => {
    const [spec] = quoteConsumers(service.ctx);
    const ids = Array.from({ length: 40 }, () => `m-${uniqueSuffix()}`);
    const events = ids.flatMap((id) => [
      missionReceived(id, { garageId: GARAGE }),
      statusChanged(id, { garageId: GARAGE, status: 'cancelled', outcome: 'cancelled', previousStatus: 'new' }),
    ]) as unknown as DomainEvent[];
    let statements = 0;
    await withTransaction(service.ctx.pool, async (tx) => {
      const counted = { query: (...args: Parameters<typeof tx.query>) => ((statements += 1), tx.query(...args)) } as unknown as typeof tx;
      await spec!.applyBatch!(counted, events);
    });
    expect(statements).toBe(5);
    const { rows } = await service.ctx.pool.query("SELECT count(*)::int AS n FROM missions WHERE id = ANY($1) AND status = 'cancelled' AND received_at IS NOT NULL", [ids]);
    expect(rows[0].n).toBe(ids.length);
  });
});
