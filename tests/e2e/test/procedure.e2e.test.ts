// The Smart Expertise procedure of the seed, end to end, as users drive it: an insurer, a garage
// and an expert office, each with its own token, through the public HTTP API only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingMessage } from '@smart-expertise/contracts/tracking-messages';
import { Receiver } from '@smart-expertise/integrations/testing';
import { brusselsDate, CALCULATION, NO_SMART_FLAGS, photoForm, platformForTests, SEED, waitFor } from './support.ts';

const { http, who, start, stop, deposit, expertCase } = platformForTests();

beforeAll(start, 180_000);
afterAll(stop);

async function mission(id: string) {
  const response = await http.get(`/v1/missions/${id}`, who.garage);
  expect(response.status, response.text).toBe(200);
  return response.json as { status: string; section: string; outcome: string | null; tracking: { code: string; message: string }[]; paymentRequested: boolean };
}

async function missionReaches(id: string, expected: { status: string; section: string }) {
  return waitFor(
    async () => {
      const m = await mission(id);
      return m.status === expected.status && m.section === expected.section ? m : undefined;
    },
    { message: `mission ${id} to reach ${expected.status} / ${expected.section}`, timeoutMs: 45_000, intervalMs: 150 },
  );
}

function lastMessage(m: { tracking: { message: string }[] }): string {
  return m.tracking.at(-1)!.message;
}

/** The garage's quote based on the mission, complete and ready to close. */
async function completeQuote(missionId: string, procedure: 'standard' | 'total_loss' = 'standard') {
  const created = await http.until(201, () => http.post('/v1/quotes', who.garage, { missionId, procedure }), 'the quote service to know the mission');
  const quoteId = created.json.id as string;
  if (procedure === 'standard') {
    expect((await http.put(`/v1/quotes/${quoteId}/calculation`, who.garage, CALCULATION)).status).toBe(200);
    expect((await http.put(`/v1/quotes/${quoteId}/smart-frame`, who.garage, NO_SMART_FLAGS)).status).toBe(200);
    expect((await http.post(`/v1/quotes/${quoteId}/photos`, who.garage, photoForm(4))).status).toBe(201);
  } else {
    expect((await http.put(`/v1/quotes/${quoteId}/vehicle-status`, who.garage, { vehicleStatus: 'not_drivable', note: 'Chassis bent' })).status).toBe(200);
    expect((await http.post(`/v1/quotes/${quoteId}/photos`, who.garage, photoForm(2))).status).toBe(201);
  }
  return { quoteId, created: created.json };
}

async function decide(reviewId: string, decision: string) {
  const response = await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision });
  expect(response.status, response.text).toBe(200);
}

describe('the main story: deposit, quote, analysis, validation, direct payment', () => {
  it('runs as the seed describes, with the exact tracking texts at each step', async () => {
    const deposited = await deposit();
    const deadlineDate = brusselsDate(deposited.deadline);
    expect(deposited.status).toBe('new');
    expect(deposited.tracking.at(-1)!.message).toBe(SEED.received(deadlineDate));

    const board = await http.get('/v1/board?section=smart.new', who.garage);
    expect(board.status).toBe(200);
    expect(board.json.counts['smart.new']).toBeGreaterThanOrEqual(1);
    const onBoard = board.json.items.find((i: { id: string }) => i.id === deposited.id);
    expect(onBoard).toMatchObject({ section: 'smart.new', lastTracking: { message: SEED.received(deadlineDate) } });

    const { quoteId, created } = await completeQuote(deposited.id);
    // Every administrative field is copied from the mission: nothing is typed twice.
    expect(created.administrative).toMatchObject({ id: deposited.id, claim: { claimNumber: expect.stringMatching(/^CLM-/) }, vehicle: { vin: 'WVWZZZ1KZAW123456' } });
    const closed = await http.post(`/v1/quotes/${quoteId}/close`, who.garage);
    expect(closed.status, closed.text).toBe(200);

    const analysed = await missionReaches(deposited.id, { status: 'under_analysis', section: 'smart.under_analysis' });
    expect(lastMessage(analysed)).toBe(SEED.underAnalysis);

    const reviewId = await expertCase(deposited.id);
    const reviewCase = await http.get(`/v1/reviews/${reviewId}`, who.expert);
    expect(reviewCase.status).toBe(200);
    expect(reviewCase.json.calculation.totalInclVatCents).toBe(created.calculation?.totalInclVatCents ?? reviewCase.json.calculation.totalInclVatCents);
    await decide(reviewId, 'validate');

    const validated = await missionReaches(deposited.id, { status: 'closed', section: 'smart.closed' });
    expect(validated.outcome).toBe('validated');
    expect(lastMessage(validated)).toBe(trackingMessage('review.validated', {}, 'fr'));

    const payment = await http.until(
      201,
      () => http.post(`/v1/quotes/${quoteId}/payment-request`, who.garage, { invoiceNumber: 'INV-2026-0042', invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 1_000_00, replacementVehicle: true }),
      'the payment request once the quote service knows of the validation',
    );
    // A private owner recovers no VAT: the insurer pays up to the ceiling less the deductible.
    expect(payment.json).toMatchObject({ insurerShareCents: 750_00, ownerShareCents: 250_00 });
    const repeated = await http.post(`/v1/quotes/${quoteId}/payment-request`, who.garage, { invoiceNumber: 'INV-2026-0042', invoiceDate: payment.json.invoiceDate, amountCents: 1_000_00, replacementVehicle: true });
    expect(repeated.status).toBe(200);

    const seenByInsurer = await waitFor(
      async () => {
        const m = await http.get(`/v1/missions/${deposited.id}`, who.insurer);
        return m.json.paymentRequested ? m.json : undefined;
      },
      { message: 'the insurer to see the payment request', timeoutMs: 45_000 },
    );
    expect(seenByInsurer).toMatchObject({ status: 'closed', section: 'smart.closed', payment: { invoiceNumber: 'INV-2026-0042', insurerShareCents: 750_00, ownerShareCents: 250_00 } });
    expect(lastMessage(seenByInsurer)).toBe(trackingMessage('payment.requested', { invoiceNumber: 'INV-2026-0042' }, 'fr'));
    const quoteForInsurer = await http.get(`/v1/quotes/${quoteId}`, who.insurer);
    expect(quoteForInsurer.json.paymentRequest).toMatchObject({ invoiceNumber: 'INV-2026-0042' });
  });
});

describe("integrations: the garage's software hears of the decision by webhook, and can replay it", () => {
  it('delivers every event of the mission to the garage, signed, in order, and the feed replays the same', async () => {
    const receiver = new Receiver();
    await receiver.start();
    try {
      const subscribed = await http.post('/v1/subscriptions', who.garage, { url: receiver.url, events: ['*'], description: 'garage management software' });
      expect(subscribed.status, subscribed.text).toBe(201);
      receiver.secrets.push(subscribed.json.secret);

      const deposited = await deposit();
      const { quoteId } = await completeQuote(deposited.id);
      expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(200);
      await decide(await expertCase(deposited.id), 'validate');

      const ofMission = () => receiver.accepted.filter((r) => r.event.missionId === deposited.id).map((r) => r.event);
      const events = await waitFor(() => (ofMission().some((e) => e.type === 'mission.status_changed' && e.data.status === 'closed') ? ofMission() : undefined), {
        message: 'the validation delivered to the garage by webhook',
        timeoutMs: 45_000,
      });
      expect(receiver.rejected).toEqual([]);
      expect(events[0]).toMatchObject({ type: 'mission.deposited', data: { garageId: expect.any(String), status: 'new' } });
      expect(events.find((e) => e.type === 'review.decided')).toMatchObject({ data: { decision: 'validate', quoteId, expert: { name: 'Jan Peeters' } } });
      const closed = events.at(-1)!;
      expect(closed).toMatchObject({ type: 'mission.status_changed', data: { status: 'closed', outcome: 'validated' } });
      expect(closed.data.tracking.message.fr).toBe(trackingMessage('review.validated', {}, 'fr'));
      // The same mission's transitions arrive in the order they happened.
      const statuses = events.filter((e) => e.type === 'mission.status_changed').map((e) => e.data.status);
      expect(statuses).toEqual(['under_analysis', 'closed']);

      const feed = await http.get('/v1/feed?limit=500', who.garage);
      expect(feed.status).toBe(200);
      expect(feed.json.items.filter((e: { missionId: string }) => e.missionId === deposited.id)).toEqual(events);
      expect((await http.delete(`/v1/subscriptions/${subscribed.json.id}`, who.garage)).status).toBe(204);
    } finally {
      await receiver.stop();
    }
  });
});

describe("the expert's alternatives, each followed by a validation", () => {
  it('pending validation, then remote, then on-site intervention with the expert named, then validation', async () => {
    const deposited = await deposit();
    const { quoteId } = await completeQuote(deposited.id);
    expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(200);
    const reviewId = await expertCase(deposited.id);

    await decide(reviewId, 'pending_validation');
    const pending = await missionReaches(deposited.id, { status: 'pending_validation', section: 'smart.under_analysis' });
    expect(lastMessage(pending)).toBe(SEED.pendingValidation);

    await decide(reviewId, 'remote_intervention');
    const remote = await missionReaches(deposited.id, { status: 'remote_intervention', section: 'smart.remote_intervention' });
    expect(lastMessage(remote)).toBe(SEED.remote);

    await decide(reviewId, 'onsite_intervention');
    const onsite = await missionReaches(deposited.id, { status: 'onsite_intervention', section: 'smart.onsite_intervention' });
    expect(lastMessage(onsite)).toBe(SEED.onsite);

    // While the expert has not validated, the garage must wait: no payment request.
    const early = await http.post(`/v1/quotes/${quoteId}/payment-request`, who.garage, { invoiceNumber: 'INV-1', invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 500_00, replacementVehicle: false });
    expect(early.status).toBe(409);

    await decide(reviewId, 'validate');
    const validated = await missionReaches(deposited.id, { status: 'closed', section: 'smart.closed' });
    expect(validated.outcome).toBe('validated');
    expect(validated.tracking.map((t) => t.code)).toEqual([
      'mission.received',
      'quote.under_analysis',
      'review.pending_validation',
      'review.remote_intervention',
      'review.onsite_intervention',
      'review.validated',
    ]);
  });
});

describe('expiry through the real scheduler', () => {
  it('turns a mission with no closed quote into a classic expertise, and spares one closed just before its deadline', async () => {
    const deadline = new Date(Date.now() + 25_000).toISOString();
    const idle = await deposit({ deadline });
    const quoted = await deposit({ deadline });
    const { quoteId } = await completeQuote(quoted.id);
    const closed = await http.post(`/v1/quotes/${quoteId}/close`, who.garage);
    expect(closed.status, closed.text).toBe(200);
    expect(Date.now()).toBeLessThan(Date.parse(deadline));

    const expired = await waitFor(
      async () => {
        const m = await mission(idle.id);
        return m.status === 'expired' ? m : undefined;
      },
      { message: 'the idle mission to expire', timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(expired).toMatchObject({ section: 'classic.expired' });
    // A deadline given as a date-time prints with its time.
    expect(lastMessage(expired)).toBe(trackingMessage('mission.expired', { deadline }, 'fr'));
    expect(lastMessage(expired)).toContain(`LE ${brusselsDate(deadline)} A `);

    // The quote closed in time wins, whatever the scheduler did meanwhile.
    const runs = await http.get('/v1/expiry-runs', who.ops);
    expect(runs.status).toBe(200);
    const spared = await mission(quoted.id);
    expect(spared).toMatchObject({ status: 'under_analysis', section: 'smart.under_analysis' });
    expect(spared.tracking.map((t) => t.code)).not.toContain('mission.expired');
  });
});

describe('abandon', () => {
  it('closes an incoming mission in one step with the reason in its tracking', async () => {
    const deposited = await deposit();
    const refused = await http.post(`/v1/missions/${deposited.id}/abandon`, who.garage, { reason: '' });
    expect(refused.status).toBe(400);
    const abandoned = await http.post(`/v1/missions/${deposited.id}/abandon`, who.garage, { reason: 'Vehicle taken to another repairer by the owner' });
    expect(abandoned.status, abandoned.text).toBe(200);
    expect(abandoned.json).toMatchObject({ status: 'abandoned', section: 'closed.abandoned', outcome: 'abandoned' });
    expect(lastMessage(abandoned.json)).toBe(trackingMessage('mission.abandoned', { reason: 'Vehicle taken to another repairer by the owner' }, 'fr'));
    // The quote service hears of it and refuses a quote.
    await http.until(409, () => http.post('/v1/quotes', who.garage, { missionId: deposited.id }), 'the quote service to refuse a quote on an abandoned mission');
  });
});

describe('probable total loss', () => {
  it('reaches the expert without a calculation and closes as a total loss', async () => {
    const deposited = await deposit();
    const { quoteId } = await completeQuote(deposited.id, 'total_loss');
    expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(200);
    const declared = await missionReaches(deposited.id, { status: 'under_analysis', section: 'smart.under_analysis' });
    expect(lastMessage(declared)).toBe(trackingMessage('total_loss.declared', {}, 'fr'));
    const reviewId = await expertCase(deposited.id);
    const reviewCase = await http.get(`/v1/reviews/${reviewId}`, who.expert);
    expect(reviewCase.json).toMatchObject({ procedure: 'total_loss', calculation: null, suggestedDecision: 'total_loss_handling' });
    await decide(reviewId, 'validate');
    const closed = await missionReaches(deposited.id, { status: 'closed', section: 'smart.closed' });
    expect(closed.outcome).toBe('total_loss');
  });
});

describe('the refusals a user meets', () => {
  it('refuses closing after the deadline', async () => {
    const deadline = new Date(Date.now() + 12_000).toISOString();
    const deposited = await deposit({ deadline });
    const { quoteId } = await completeQuote(deposited.id);
    await waitFor(() => Date.now() > Date.parse(deadline) + 500, { message: 'the deadline to pass', timeoutMs: 30_000, intervalMs: 200 });
    const late = await http.post(`/v1/quotes/${quoteId}/close`, who.garage);
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('deadline_passed');
  });

  it('refuses closing with an incomplete Smart frame, naming the missing answers', async () => {
    const deposited = await deposit();
    const created = await http.until(201, () => http.post('/v1/quotes', who.garage, { missionId: deposited.id }), 'the quote service to know the mission');
    const quoteId = created.json.id as string;
    expect((await http.put(`/v1/quotes/${quoteId}/calculation`, who.garage, CALCULATION)).status).toBe(200);
    expect((await http.post(`/v1/quotes/${quoteId}/photos`, who.garage, photoForm(4))).status).toBe(201);
    const partial = await http.put(`/v1/quotes/${quoteId}/smart-frame`, who.garage, { probableTotalLoss: false, multipleDamageZones: false });
    expect(partial.status).toBe(400);
    expect(partial.json.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['/expertAdviceNeeded', '/technicalInspectionNeeded', '/onSiteExpertNeeded']));
    const close = await http.post(`/v1/quotes/${quoteId}/close`, who.garage);
    expect(close.status).toBe(422);
    expect(close.json.errors.length).toBeGreaterThanOrEqual(5);
  });

  it('refuses a payment request before validation', async () => {
    const deposited = await deposit();
    const { quoteId } = await completeQuote(deposited.id);
    expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(200);
    const early = await http.post(`/v1/quotes/${quoteId}/payment-request`, who.garage, { invoiceNumber: 'INV-9', invoiceDate: new Date().toISOString().slice(0, 10), amountCents: 500_00, replacementVehicle: false });
    expect(early.status).toBe(409);
  });

  it("answers another garage's mission as if it did not exist", async () => {
    const deposited = await deposit();
    const foreign = await http.get(`/v1/missions/${deposited.id}`, who.otherGarage);
    const missing = await http.get('/v1/missions/m_does_not_exist', who.otherGarage);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.json.code).toBe(missing.json.code);
    const abandon = await http.post(`/v1/missions/${deposited.id}/abandon`, who.otherGarage, { reason: 'not mine' });
    expect(abandon.status).toBe(404);
    await http.until(201, () => http.post('/v1/quotes', who.garage, { missionId: deposited.id }), 'the quote service to know the mission');
    const quote = await http.post('/v1/quotes', who.otherGarage, { missionId: deposited.id });
    expect(quote.status).toBe(404);
  });
});

describe('one set of rules: every service reaches the same verdict, and nothing is reversed in silence', () => {
  const today = () => new Date().toISOString().slice(0, 10);

  /** Every service's view of one mission, read through its own API. */
  async function everyServiceSays(missionId: string, quoteId: string) {
    const m = (await http.get(`/v1/missions/${missionId}`, who.garage)).json;
    const q = (await http.get(`/v1/quotes/${quoteId}`, who.garage)).json;
    const queue = (await http.get('/v1/reviews?status=all&limit=100', who.expert)).json;
    const reviewCase = (queue?.items as { missionId: string; status: string }[] | undefined)?.find((c) => c.missionId === missionId);
    return { mission: m, quote: q, reviewCase };
  }

  it('an abandon and a close fired at the same moment, many times: one wins everywhere, the loser is voided with a tracking entry', async () => {
    const rounds = 8;
    const outcomes: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const deposited = await deposit();
      const { quoteId } = await completeQuote(deposited.id);
      const [abandon, close] = await Promise.all([
        http.post(`/v1/missions/${deposited.id}/abandon`, who.garage, { reason: `Race ${round}: the owner took the car elsewhere` }),
        http.post(`/v1/quotes/${quoteId}/close`, who.garage),
      ]);
      expect([200, 409]).toContain(abandon.status);
      expect([200, 409]).toContain(close.status);
      expect(abandon.status === 200 || close.status === 200, `${abandon.text} / ${close.text}`).toBe(true);

      // Wait until every service has converged on one verdict.
      const agreed = await waitFor(
        async () => {
          const seen = await everyServiceSays(deposited.id, quoteId);
          const { mission: m, quote: q, reviewCase } = seen;
          if (m.status === 'abandoned') {
            // quote voids its close as soon as the verdict says abandoned; mission-intake learns of
            // the close (quote.submitted) on its own topic, maybe later, and only then tracks it voided.
            const tracked = (m.tracking as { code: string }[]).some((t) => t.code === 'quote.voided');
            const voidedEverywhere = close.status !== 200 || (tracked && q.status === 'voided' && (reviewCase === undefined || reviewCase.status === 'withdrawn'));
            return q.missionStatus === 'abandoned' && voidedEverywhere ? seen : undefined;
          }
          if (m.status === 'under_analysis') {
            return q.status === 'closed' && q.missionStatus === 'under_analysis' && reviewCase?.status === 'open' ? seen : undefined;
          }
          return undefined;
        },
        { message: `every service to agree on mission ${deposited.id}`, timeoutMs: 45_000, intervalMs: 200 },
      );
      const codes = (agreed.mission.tracking as { code: string }[]).map((t) => t.code);
      outcomes.push(agreed.mission.status);
      if (agreed.mission.status === 'abandoned' && close.status === 200) {
        // The garage was told its close went through: the tracking says why it no longer counts.
        expect(codes).toContain('quote.voided');
        const reviewId = (await http.get('/v1/reviews?status=all&limit=100', who.expert)).json.items.find((c: { missionId: string }) => c.missionId === deposited.id)?.id;
        if (reviewId) expect((await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'validate' })).status).toBe(409);
      }
      if (agreed.mission.status === 'under_analysis' && abandon.status === 200) {
        expect(codes).toContain('abandon.voided');
      }
    }
    expect(outcomes).toHaveLength(rounds);
  });

  it('an insurer cancel after the close voids the quote and withdraws the case from the expert', async () => {
    const deposited = await deposit();
    const { quoteId } = await completeQuote(deposited.id);
    expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(200);
    const reviewId = await expertCase(deposited.id);
    const cancelled = await http.post(`/v1/missions/${deposited.id}/cancel`, who.insurer, { reason: 'Claim settled with the third party' });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.json).toMatchObject({ status: 'cancelled', section: 'closed.cancelled', outcome: 'cancelled' });
    expect(lastMessage(cancelled.json)).toBe(trackingMessage('mission.cancelled', { reason: 'Claim settled with the third party' }, 'fr'));

    await waitFor(
      async () => {
        const { quote: q, reviewCase } = await everyServiceSays(deposited.id, quoteId);
        return q.status === 'voided' && reviewCase?.status === 'withdrawn' ? true : undefined;
      },
      { message: 'the quote voided and the case withdrawn', timeoutMs: 45_000, intervalMs: 200 },
    );
    const decision = await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'validate' });
    expect(decision.status).toBe(409);
    const again = await http.post(`/v1/missions/${deposited.id}/cancel`, who.insurer, { reason: 'twice' });
    expect(again.status).toBe(409);
  });

  it('a confirmed total loss tells the garage so, and takes no repair payment', async () => {
    const deposited = await deposit();
    const { quoteId } = await completeQuote(deposited.id, 'total_loss');
    expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(200);
    await decide(await expertCase(deposited.id), 'validate');
    const confirmed = await missionReaches(deposited.id, { status: 'closed', section: 'smart.closed' });
    expect(confirmed.outcome).toBe('total_loss');
    expect(lastMessage(confirmed)).toBe(trackingMessage('review.total_loss_confirmed', {}, 'fr'));
    await waitFor(async () => ((await http.get(`/v1/quotes/${quoteId}`, who.garage)).json.missionStatus === 'closed' ? true : undefined), {
      message: 'the quote service to learn of the confirmation',
      timeoutMs: 45_000,
    });
    const paid = await http.post(`/v1/quotes/${quoteId}/payment-request`, who.garage, { invoiceNumber: 'INV-TL', invoiceDate: today(), amountCents: 500_00, replacementVehicle: false });
    expect(paid.status).toBe(409);
  });

  it('gives the decision as fields, and never shows the owner contact to the expert office', async () => {
    const deposited = await deposit();
    const { quoteId } = await completeQuote(deposited.id);
    expect((await http.post(`/v1/quotes/${quoteId}/close`, who.garage)).status).toBe(200);
    const reviewId = await expertCase(deposited.id);
    const noted = await http.post(`/v1/reviews/${reviewId}/decision`, who.expert, { decision: 'remote_intervention', note: 'Call me about the rear axle' });
    expect(noted.status, noted.text).toBe(200);
    const remote = await waitFor(
      async () => {
        const m = (await http.get(`/v1/missions/${deposited.id}`, who.garage)).json;
        return m.status === 'remote_intervention' ? m : undefined;
      },
      { message: 'the remote intervention to reach the mission', timeoutMs: 45_000 },
    );
    expect(remote.expert).toEqual({ name: 'Jan Peeters', phone: '+32 470 12 34 56' });
    expect(remote.lastDecision).toMatchObject({ decision: 'remote_intervention', note: 'Call me about the rear axle' });
    expect(remote.tracking.at(-1).params).toMatchObject({ expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56', note: 'Call me about the rear axle' });
    expect(remote.owner).toMatchObject({ phone: '+32 475 11 22 33', email: 'sophie.dubois@example.be' });

    for (const path of [`/v1/missions/${deposited.id}`, `/v1/quotes/${quoteId}`, `/v1/reviews/${reviewId}`]) {
      const seen = await http.get(path, who.expert);
      expect(seen.status, path).toBe(200);
      expect(seen.text, path).not.toContain('+32 475 11 22 33');
      expect(seen.text, path).not.toContain('sophie.dubois@example.be');
    }
  });

  it('lets the garage discard a draft and switch to the total-loss procedure', async () => {
    const deposited = await deposit();
    const created = await http.until(201, () => http.post('/v1/quotes', who.garage, { missionId: deposited.id }), 'the quote service to know the mission');
    expect((await http.post('/v1/quotes', who.garage, { missionId: deposited.id, procedure: 'total_loss' })).status).toBe(409);
    const discarded = await http.post(`/v1/quotes/${created.json.id}/discard`, who.garage, { reason: 'The vehicle is a probable total loss' });
    expect(discarded.status, discarded.text).toBe(200);
    expect(discarded.json.status).toBe('discarded');
    const totalLoss = await http.post('/v1/quotes', who.garage, { missionId: deposited.id, procedure: 'total_loss' });
    expect(totalLoss.status, totalLoss.text).toBe(201);
  });

  it('prints a deadline given as a date-time with its time', async () => {
    const deposited = await deposit({ deadline: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 11) + '13:30:00Z' });
    expect(lastMessage(deposited)).toMatch(/ A \d{2}:30$/);
  });
});
