// The second loop end to end, through the public HTTP API only: the expert asks for more, the
// garage completes and transmits the same quote again, the expert validates; hidden damage found
// during the repairs becomes a supplement the expert approves; the direct payment is split against
// the approved total. And a request nobody answers expires to a classic expertise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingMessage } from '@smart-expertise/contracts/tracking-messages';
import { CALCULATION, EXPERT, NO_SMART_FLAGS, photoForm, platformForTests, uniqueSuffix, waitFor } from './support.ts';

const { http, who, start, stop, deposit, expertCase } = platformForTests();

beforeAll(start, 180_000);
afterAll(stop);

type Shown = {
  status: string;
  section: string;
  deadline: string;
  transmission: number;
  approvedTotalCents: number | null;
  tracking: { code: string; message: string; params: Record<string, string> }[];
};

async function missionWhen(id: string, predicate: (m: Shown) => boolean, what: string, timeoutMs = 45_000): Promise<Shown> {
  return waitFor(
    async () => {
      const response = await http.get(`/v1/missions/${id}`, who.garage);
      return response.status === 200 && predicate(response.json) ? (response.json as Shown) : undefined;
    },
    { message: what, timeoutMs, intervalMs: 150 },
  );
}

async function closedQuote(): Promise<{ missionId: string; quoteId: string; totalInclVatCents: number }> {
  const { id: missionId } = await deposit();
  const created = await http.until(201, () => http.post('/v1/quotes', who.garage, { missionId }), 'the quote service to know the mission');
  const quoteId = created.json.id as string;
  const calculated = await http.put(`/v1/quotes/${quoteId}/calculation`, who.garage, CALCULATION);
  expect(calculated.status, calculated.text).toBe(200);
  expect((await http.put(`/v1/quotes/${quoteId}/smart-frame`, who.garage, NO_SMART_FLAGS)).status).toBe(200);
  expect((await http.post(`/v1/quotes/${quoteId}/photos`, who.garage, photoForm(4))).status).toBe(201);
  const closed = await http.post(`/v1/quotes/${quoteId}/close`, who.garage);
  expect(closed.status, closed.text).toBe(200);
  return { missionId, quoteId, totalInclVatCents: calculated.json.totalInclVatCents };
}

describe('information requested, answered, validated; a supplement approved; the payment split against the approved total', () => {
  it('runs as a garage and an expert would live it', async () => {
    const { missionId, quoteId, totalInclVatCents } = await closedQuote();
    const reviewId = await expertCase(missionId);

    // The note is required; then the quote goes back to the garage with a due date.
    const noNote = await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'request_information' });
    expect(noNote.status).toBe(422);
    const asked = await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'request_information', note: 'Photo of the rear rim, please' });
    expect(asked.status, asked.text).toBe(200);

    const waiting = await missionWhen(missionId, (m) => m.status === 'information_requested', 'the mission to wait for the garage');
    expect(waiting.section).toBe('smart.information_requested');
    const request = waiting.tracking.at(-1)!;
    expect(request).toMatchObject({ code: 'review.information_requested', params: { note: 'Photo of the rear rim, please', expertName: EXPERT.name } });
    expect(request.message).toBe(trackingMessage('review.information_requested', request.params, 'fr'));
    expect(Date.parse(waiting.deadline)).toBeGreaterThan(Date.now());

    // The expert cannot decide again before the garage answers.
    expect((await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'validate' })).status).toBe(409);

    // The same quote is open again: the garage adds the photo and transmits it again.
    await waitFor(
      async () => {
        const quote = await http.get(`/v1/quotes/${quoteId}`, who.garage);
        return quote.json?.status === 'returned' ? quote.json : undefined;
      },
      { message: 'the quote to be returned to the garage', timeoutMs: 45_000, intervalMs: 150 },
    );
    expect((await http.post(`/v1/quotes/${quoteId}/photos`, who.garage, photoForm(1))).status).toBe(201);
    const again = await http.post(`/v1/quotes/${quoteId}/close`, who.garage);
    expect(again.status, again.text).toBe(200);
    const answered = await missionWhen(missionId, (m) => m.status === 'under_analysis' && m.transmission === 2, 'the mission back under analysis');
    expect(answered.tracking.at(-1)!.code).toBe('quote.retransmitted');

    // The expert sees what changed since the previous transmission, then validates.
    const reopened = await waitFor(
      async () => {
        const c = await http.get(`/v1/reviews/${reviewId}`, who.expert);
        return c.json?.transmission === 2 ? c.json : undefined;
      },
      { message: 'the case to show the second transmission', timeoutMs: 45_000, intervalMs: 150 },
    );
    expect(reopened.changesSincePrevious.photosAdded).toHaveLength(1);
    const validated = await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'validate' });
    expect(validated.status, validated.text).toBe(200);
    await missionWhen(missionId, (m) => m.status === 'closed' && m.approvedTotalCents === totalInclVatCents, 'validated with its approved total');

    // Hidden damage found once the car is taken apart: a supplement, with a photo, submitted.
    const supplement = await http.until(
      201,
      () =>
        http.post(`/v1/quotes/${quoteId}/supplements`, who.garage, {
          reason: 'Rear rim cracked, found once the bumper was removed',
          calculation: { calculationNumber: 'AUDA-2026-001-S1', lines: [{ kind: 'part', description: 'Rear rim', quantity: 1, unitPriceCents: 100_00 }] },
        }),
      'the supplement once the quote service knows of the validation',
    );
    const supplementId = supplement.json.id as string;
    expect(supplement.json).toMatchObject({ status: 'draft', number: 1 });
    expect((await http.post(`/v1/quotes/${quoteId}/supplements/${supplementId}/submit`, who.garage)).status).toBe(422);
    expect((await http.post(`/v1/quotes/${quoteId}/supplements/${supplementId}/photos`, who.garage, photoForm(1))).status).toBe(201);
    const submitted = await http.post(`/v1/quotes/${quoteId}/supplements/${supplementId}/submit`, who.garage);
    expect(submitted.status, submitted.text).toBe(200);
    expect((await http.post(`/v1/quotes/${quoteId}/supplements/${supplementId}/submit`, who.garage)).status).toBe(409);

    // A payment request waits for the expert's decision on the supplement.
    const invoice = { invoiceNumber: `INV-${uniqueSuffix()}`, invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 1_300_00, replacementVehicle: false };
    expect((await http.post(`/v1/quotes/${quoteId}/payment-request`, who.garage, invoice)).json).toMatchObject({ status: 409, code: 'supplement_pending' });

    const approved = await http.until(
      200,
      () => http.post(`/v1/reviews/${reviewId}/supplements/${supplementId}/decision`, who.expert, { decision: 'approve' }),
      "the supplement in the expert's case",
    );
    expect(approved.json).toBeDefined();
    expect((await http.post(`/v1/reviews/${reviewId}/supplements/${supplementId}/decision`, who.expert, { decision: 'reject', note: 'no' })).status).toBe(409);
    const approvedTotal = totalInclVatCents + 121_00;
    const withSupplement = await missionWhen(missionId, (m) => m.approvedTotalCents === approvedTotal, 'the approved total with the supplement');
    expect(withSupplement.tracking.at(-1)!.code).toBe('supplement.approved');

    // The invoice is above the approved total: the insurer pays up to it, less the deductible; the rest is the owner's.
    const payment = await http.until(201, () => http.post(`/v1/quotes/${quoteId}/payment-request`, who.garage, invoice), 'the payment request once the approval is known');
    expect(payment.json).toMatchObject({
      approvedTotalCents: approvedTotal,
      aboveApprovedCents: 1_300_00 - approvedTotal,
      insurerShareCents: approvedTotal - 250_00,
      ownerShareCents: 1_300_00 - (approvedTotal - 250_00),
    });
    const late = await http.post(`/v1/quotes/${quoteId}/supplements`, who.garage, {
      reason: 'Another part',
      calculation: { calculationNumber: 'AUDA-2026-001-S2', lines: [{ kind: 'part', description: 'Clip', quantity: 1, unitPriceCents: 5_00 }] },
    });
    expect(late.json).toMatchObject({ status: 409, code: 'payment_already_requested' });
  });
});

describe('a request nobody answers', () => {
  it('expires the mission to a classic expertise at the due date, and the quote can no longer be transmitted', async () => {
    const { missionId, quoteId } = await closedQuote();
    const reviewId = await expertCase(missionId);
    const respondBy = new Date(Date.now() + 6_000).toISOString();
    const asked = await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'request_information', note: 'Corrected calculation', respondBy });
    expect(asked.status, asked.text).toBe(200);

    const expired = await missionWhen(missionId, (m) => m.status === 'expired', 'the unanswered request to expire', 90_000);
    expect(expired.section).toBe('classic.expired');
    expect(expired.tracking.filter((t) => t.code === 'mission.expired')).toHaveLength(1);
    expect(expired.tracking.at(-1)!.message).toBe(trackingMessage('mission.expired', { deadline: respondBy }, 'fr'));

    const quote = await waitFor(
      async () => {
        const q = await http.get(`/v1/quotes/${quoteId}`, who.garage);
        return q.json?.status === 'voided' ? q.json : undefined;
      },
      { message: 'the quote to be voided', timeoutMs: 45_000, intervalMs: 150 },
    );
    expect(quote.status).toBe('voided');
    expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(409);
    const withdrawn = await waitFor(
      async () => {
        const c = await http.get(`/v1/reviews/${reviewId}`, who.expert);
        return c.json?.status === 'withdrawn' ? c.json : undefined;
      },
      { message: 'the case to be withdrawn', timeoutMs: 45_000, intervalMs: 150 },
    );
    expect(withdrawn.status).toBe('withdrawn');
  });
});
