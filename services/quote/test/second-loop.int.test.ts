// The second loop against the real PostgreSQL and Kafka: a quote returned for information and
// transmitted again, supplements for hidden damage, and the approved total in the payment split.
// mission-intake's verdicts and expert-review's supplement decisions are fed as those services
// publish them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@smart-expertise/contracts';
import type { createEventProbe, httpClient } from '@smart-expertise/service-runtime/testing';
import { buildQuote } from '../src/service.ts';
import { LINES, SMART_FRAME, jpeg, quoteUnderTest, supplementDecided, upload, uploadTo, type MissionOptions } from './support.ts';

const quote = quoteUnderTest();
const { at, publish, applied, verdict, receivedMission, closedQuote, outboxEvents } = quote;
const GARAGE = quote.garageId;
let service: Awaited<ReturnType<typeof buildQuote>>;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let baseUrl: string;
let request: ReturnType<typeof httpClient>;
let garage: string;
let otherGarage: string;
let expert: string;
let insurer: string;

beforeAll(async () => {
  ({ service, baseUrl, request, probe, garage, otherGarage, expert, insurer } = await quote.start());
});

afterAll(async () => {
  await quote.stop();
});

/** A supplement of 242.00 € incl. 21 % VAT. */
const HIDDEN_DAMAGE = { calculationNumber: 'AUD-S1', lines: [{ kind: 'part', description: 'Bent rear rail', quantity: 1, unitPriceCents: 20_000 }] };

/** mission-intake's verdict after the expert's request for information on `transmission`, due by `respondBy`. */
async function informationRequested(missionId: string, quoteId: string, respondBy: Date, transmission = 1): Promise<void> {
  await verdict(missionId, { status: 'information_requested', previousStatus: 'under_analysis', quoteId, procedure: 'standard', transmission, deadline: respondBy });
}

describe('a quote returned for information', () => {
  it('is returned by the request on its transmission, edited like a draft and transmitted again as transmission 2', async () => {
    const { missionId, quoteId } = await closedQuote();
    const first = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'quote.submitted', 'first quote.submitted');
    expect(first.payload).toMatchObject({ transmission: 1 });
    await verdict(missionId, { status: 'under_analysis', previousStatus: 'new', quoteId, procedure: 'standard', transmission: 1 });
    const respondBy = new Date(Date.now() + 3 * 24 * 3600_000);
    await informationRequested(missionId, quoteId, respondBy);

    const returned = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(returned.json).toMatchObject({ status: 'returned', missionStatus: 'information_requested', deadline: respondBy.toISOString(), transmissions: 1 });

    const calculation = await request('PUT', `/v1/quotes/${quoteId}/calculation`, { token: garage, body: { calculationNumber: 'AUD-2', lines: [...LINES, ...LINES] } });
    expect(calculation.status, calculation.text).toBe(200);
    expect((await upload(baseUrl, quoteId, garage, [{ name: 'zone.jpg', bytes: jpeg() }])).status).toBe(201);
    expect((await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: { ...SMART_FRAME, expertAdviceNeeded: true } })).status).toBe(200);

    const again = await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage });
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({ status: 'closed', transmissions: 2 });
    expect(again.json).toEqual((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json);

    const second = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'quote.submitted' && (e.payload as { transmission?: number }).transmission === 2, 'second quote.submitted');
    expect(second.payload).toMatchObject({
      quoteId,
      transmission: 2,
      closedAt: again.json.closedAt,
      smartFrame: { ...SMART_FRAME, expertAdviceNeeded: true },
      calculation: { calculationNumber: 'AUD-2', totalInclVatCents: 242_000 },
      reviewFile: { deadline: respondBy.toISOString(), mission: { id: missionId } },
    });
    expect((second.payload as { photos: unknown[] }).photos).toHaveLength(3);
    expect(await outboxEvents(missionId, 'quote.submitted')).toHaveLength(2);

    // Transmitted again: immutable until the expert asks again.
    expect((await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage })).json.code).toBe('quote_already_closed');
    expect((await request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: SMART_FRAME })).json.code).toBe('quote_closed');
  });

  it('cannot be discarded', async () => {
    const { missionId, quoteId } = await closedQuote();
    await informationRequested(missionId, quoteId, new Date(Date.now() + 3 * 24 * 3600_000));
    const response = await request('POST', `/v1/quotes/${quoteId}/discard`, { token: garage, body: { reason: 'start again' } });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.json.code).toBe('quote_returned');
  });

  it('transmitting it again after the answer’s due date is refused; at the due date it is accepted', async () => {
    const { missionId, quoteId } = await closedQuote();
    const respondBy = new Date(Date.now() + 3_600_000);
    await informationRequested(missionId, quoteId, respondBy);
    const late = await at(new Date(respondBy.getTime() + 1_000), () => request('POST', `/v1/quotes/${quoteId}/close`, { token: garage }));
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('deadline_passed');
    const lateEdit = await at(new Date(respondBy.getTime() + 1_000), () => request('PUT', `/v1/quotes/${quoteId}/smart-frame`, { token: garage, body: SMART_FRAME }));
    expect(lateEdit.json.code).toBe('deadline_passed');
    expect(await outboxEvents(missionId, 'quote.submitted')).toHaveLength(1);
    const onTime = await at(respondBy, () => request('POST', `/v1/quotes/${quoteId}/close`, { token: garage }));
    expect(onTime.status, onTime.text).toBe(200);
    expect(onTime.json.transmissions).toBe(2);
  });

  it('transmitting it again lists every unmet condition', async () => {
    const { missionId, quoteId } = await closedQuote({ minPhotos: 2 });
    // The insurer's policy asks for more photos now: mission-intake's copy of it is the mission's.
    await service.ctx.pool.query('UPDATE missions SET min_photos = 4 WHERE id = $1', [missionId]);
    await informationRequested(missionId, quoteId, new Date(Date.now() + 3_600_000));
    const response = await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage });
    expect(response.status).toBe(422);
    expect(response.json.code).toBe('closing_conditions_unmet');
    expect(response.json.errors).toEqual([{ path: '/photos', message: 'at least 4 photos required, 2 attached' }]);
  });

  it('an unanswered request that expires voids the quote, and says so to the expert office', async () => {
    const { missionId, quoteId } = await closedQuote();
    await informationRequested(missionId, quoteId, new Date(Date.now() + 3_600_000));
    await verdict(missionId, { status: 'expired', previousStatus: 'information_requested', voidedQuoteIds: [quoteId], transmission: 1 });
    const quote = await request('GET', `/v1/quotes/${quoteId}`, { token: garage });
    expect(quote.json).toMatchObject({ status: 'voided', missionStatus: 'expired', discardReason: 'expired' });
    const [voided] = await outboxEvents(missionId, 'quote.voided');
    expect(voided?.payload).toMatchObject({ quoteId, missionStatus: 'expired' });
    expect((await request('POST', `/v1/quotes/${quoteId}/close`, { token: garage })).json.code).toBe('quote_voided');
  });
});

describe('supplements', () => {
  async function validatedQuote(options: Partial<MissionOptions> = {}) {
    const { missionId, quoteId } = await closedQuote(options);
    await verdict(missionId, { status: 'closed', outcome: 'validated', previousStatus: 'under_analysis', quoteId, procedure: 'standard', transmission: 1, approvedTotalCents: 121_000 });
    return { missionId, quoteId };
  }

  async function draftSupplement(quoteId: string) {
    const response = await request('POST', `/v1/quotes/${quoteId}/supplements`, { token: garage, body: { reason: 'Bent rear rail found once the bumper was off', calculation: HIDDEN_DAMAGE } });
    expect(response.status, response.text).toBe(201);
    return response.json;
  }

  async function submitted(missionId: string, quoteId: string) {
    const supplement = await draftSupplement(quoteId);
    expect((await uploadTo(baseUrl, `/v1/quotes/${quoteId}/supplements/${supplement.id}/photos`, garage, [{ name: 'rail.jpg', bytes: jpeg() }])).status).toBe(201);
    expect((await request('POST', `/v1/quotes/${quoteId}/supplements/${supplement.id}/submit`, { token: garage })).status).toBe(200);
    return supplement;
  }

  async function decide(missionId: string, quoteId: string, supplement: { id: string; number: number }, decision: 'approve' | 'reject', note: string | null = null) {
    const event = supplementDecided(missionId, { quoteId, supplementId: supplement.id, number: supplement.number, decision, note, totalInclVatCents: 24_200 });
    await publish(event, Topics.expertReview);
    await applied(event);
    return event;
  }

  it('are drafted with computed totals and numbered per quote', async () => {
    const { quoteId } = await validatedQuote();
    const first = await draftSupplement(quoteId);
    expect(first).toMatchObject({
      quoteId,
      number: 1,
      status: 'draft',
      reason: 'Bent rear rail found once the bumper was off',
      calculation: { calculationNumber: 'AUD-S1', totalExclVatCents: 20_000, vatCents: 4_200, totalInclVatCents: 24_200 },
      photos: [],
      note: null,
    });
    expect((await draftSupplement(quoteId)).number).toBe(2);
  });

  it('refuses a calculation whose totals differ, with the field under /calculation', async () => {
    const { quoteId } = await validatedQuote();
    const response = await request('POST', `/v1/quotes/${quoteId}/supplements`, {
      token: garage,
      body: { reason: 'Rail', calculation: { ...HIDDEN_DAMAGE, totals: { totalInclVatCents: 24_201 } } },
    });
    expect(response.status).toBe(422);
    expect(response.json.code).toBe('calculation_totals_mismatch');
    expect(response.json.errors).toEqual([{ path: '/calculation/totals/totalInclVatCents', message: 'sent 24201, computed 24200' }]);
  });

  it('are refused before validation and on a total loss, as named problems', async () => {
    const { missionId, quoteId } = await closedQuote();
    const early = await request('POST', `/v1/quotes/${quoteId}/supplements`, { token: garage, body: { reason: 'Rail', calculation: HIDDEN_DAMAGE } });
    expect([early.status, early.json.code]).toEqual([409, 'mission_not_validated']);
    expect(early.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const { missionId: totalLossMission } = await receivedMission();
    const created = await request('POST', '/v1/quotes', { token: garage, body: { missionId: totalLossMission, procedure: 'total_loss' } });
    const totalLossQuote = created.json.id as string;
    expect((await request('PUT', `/v1/quotes/${totalLossQuote}/vehicle-status`, { token: garage, body: { vehicleStatus: 'wreck' } })).status).toBe(200);
    expect((await upload(baseUrl, totalLossQuote, garage, [{ name: 'wreck.jpg', bytes: jpeg() }])).status).toBe(201);
    expect((await request('POST', `/v1/quotes/${totalLossQuote}/close`, { token: garage })).status).toBe(200);
    await verdict(totalLossMission, { status: 'closed', outcome: 'total_loss', previousStatus: 'under_analysis', quoteId: totalLossQuote, procedure: 'total_loss' });
    const totalLoss = await request('POST', `/v1/quotes/${totalLossQuote}/supplements`, { token: garage, body: { reason: 'Rail', calculation: HIDDEN_DAMAGE } });
    expect([totalLoss.status, totalLoss.json.code]).toEqual([409, 'total_loss']);
    expect(await outboxEvents(missionId, 'supplement.submitted')).toHaveLength(0);
  });

  it('are submitted with a photo, once, and published to the expert office', async () => {
    const { missionId, quoteId } = await validatedQuote();
    const supplement = await draftSupplement(quoteId);
    const bare = await request('POST', `/v1/quotes/${quoteId}/supplements/${supplement.id}/submit`, { token: garage });
    expect([bare.status, bare.json.code]).toEqual([422, 'supplement_incomplete']);
    expect(bare.json.errors).toEqual([{ path: '/photos', message: expect.stringContaining('at least 1 photo') }]);

    const bytes = jpeg();
    const photos = await uploadTo(baseUrl, `/v1/quotes/${quoteId}/supplements/${supplement.id}/photos`, garage, [{ name: 'rail.jpg', bytes }]);
    expect(photos.status).toBe(201);
    expect(photos.json).toMatchObject({ quoteId, supplementId: supplement.id, photoCount: 1 });
    // Served by the quote's photo route, to the expert office too.
    const image = await fetch(`${baseUrl}${photos.json.photos[0].href}`, { headers: { authorization: `Bearer ${expert}` } });
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(bytes)).toBe(true);
    // A supplement's photos are not the quote's.
    expect((await request('GET', `/v1/quotes/${quoteId}`, { token: garage })).json.photos).toHaveLength(2);

    const submit = await request('POST', `/v1/quotes/${quoteId}/supplements/${supplement.id}/submit`, { token: garage });
    expect(submit.status, submit.text).toBe(200);
    expect(submit.json).toMatchObject({ status: 'submitted', photos: [{ id: photos.json.photos[0].id }] });
    const event = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'supplement.submitted', 'supplement.submitted');
    expect(event.correlationId).toBe(submit.headers.get('x-request-id'));
    expect(event.payload).toMatchObject({
      quoteId,
      supplementId: supplement.id,
      garageId: GARAGE,
      expertOfficeId: 'EXP1',
      number: 1,
      reason: supplement.reason,
      calculation: { calculationNumber: 'AUD-S1', totalInclVatCents: 24_200 },
      photos: [{ id: photos.json.photos[0].id, sha256: photos.json.photos[0].sha256 }],
    });

    const twice = await request('POST', `/v1/quotes/${quoteId}/supplements/${supplement.id}/submit`, { token: garage });
    expect([twice.status, twice.json.code]).toEqual([409, 'supplement_already_submitted']);
    const late = await uploadTo(baseUrl, `/v1/quotes/${quoteId}/supplements/${supplement.id}/photos`, garage, [{ name: 'late.jpg', bytes: jpeg() }]);
    expect([late.status, late.json.code]).toEqual([409, 'supplement_already_submitted']);
    expect(await outboxEvents(missionId, 'supplement.submitted')).toHaveLength(1);
  });

  it('are listed to the garage, the expert office and the insurer, with the expert’s decision; to nobody else', async () => {
    const { missionId, quoteId } = await validatedQuote();
    const approved = await submitted(missionId, quoteId);
    const rejected = await submitted(missionId, quoteId);
    await decide(missionId, quoteId, approved, 'approve', 'consistent with the photos');
    const rejection = await decide(missionId, quoteId, rejected, 'reject', 'pre-existing rust');
    // Redelivered: the inbox makes it harmless.
    await publish(rejection, Topics.expertReview);
    await decide(missionId, quoteId, rejected, 'approve');

    for (const caller of [garage, expert, insurer]) {
      const list = await request('GET', `/v1/quotes/${quoteId}/supplements`, { token: caller });
      expect(list.status).toBe(200);
      expect(list.json.approvedTotalCents).toBe(145_200);
      expect(list.json.supplements.map((s: { number: number; status: string; note: string | null }) => [s.number, s.status, s.note])).toEqual([
        [1, 'approved', 'consistent with the photos'],
        [2, 'rejected', 'pre-existing rust'],
      ]);
      expect(list.json.supplements[1]).toMatchObject({ expert: { name: 'Jan Janssens', phone: '+32 2 555 01 01' }, decidedAt: expect.any(String) });
    }
    const foreign = await request('GET', `/v1/quotes/${quoteId}/supplements`, { token: otherGarage });
    expect([foreign.status, foreign.json.code]).toEqual([404, 'quote_not_found']);
    expect((await request('POST', `/v1/quotes/${quoteId}/supplements`, { token: expert, body: { reason: 'x', calculation: HIDDEN_DAMAGE } })).status).toBe(403);
  });

  it('hold the payment request while one awaits the expert; the approved total then caps the insurer’s share', async () => {
    const { missionId, quoteId } = await validatedQuote({ directPayment: { planned: true, ceilingCents: 1_000_000, deductibleCents: 0 } });
    const supplement = await submitted(missionId, quoteId);
    const invoice = { invoiceNumber: 'F-2026-077', invoiceDate: '2026-01-15', amountCents: 150_000, replacementVehicle: false };
    const pending = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
    expect([pending.status, pending.json.code]).toEqual([409, 'supplement_pending']);
    expect(await outboxEvents(missionId, 'payment.requested')).toHaveLength(0);

    await decide(missionId, quoteId, supplement, 'approve');
    const paid = await request('POST', `/v1/quotes/${quoteId}/payment-request`, { token: garage, body: invoice });
    expect(paid.status, paid.text).toBe(201);
    // Approved: 1 210.00 + 242.00 = 1 452.00 €; the invoice's 48.00 € above it are the owner's.
    expect(paid.json).toMatchObject({ approvedTotalCents: 145_200, aboveApprovedCents: 4_800, insurerShareCents: 145_200, ownerShareCents: 4_800, validatedQuoteTotalInclVatCents: 121_000 });
    const event = await probe.waitForEvent((e) => e.missionId === missionId && e.type === 'payment.requested', 'payment.requested');
    expect(event.payload).toMatchObject({ approvedTotalCents: 145_200, aboveApprovedCents: 4_800, insurerShareCents: 145_200 });

    const after = await request('POST', `/v1/quotes/${quoteId}/supplements`, { token: garage, body: { reason: 'More', calculation: HIDDEN_DAMAGE } });
    expect([after.status, after.json.code]).toEqual([409, 'payment_already_requested']);
  });
});
