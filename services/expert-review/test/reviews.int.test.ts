import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type DomainEvent, type EventPayload } from '@smart-expertise/contracts';
import { createEventProbe, httpClient, publishRaw, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { withTransaction, type Tx } from '@smart-expertise/service-runtime';
import { buildExpertReview } from '../src/service.ts';
import { reviewConsumers } from '../src/events/consumers.ts';
import { calculation, envelope, labour, missionSnapshot, noSmartYes, ownerContact, part, photos, quoteSubmitted, quoteReinstated,
  quoteVoided, reviewFile, supplementSubmitted } from './events.ts';

type QuoteSubmitted = EventPayload<'quote.submitted'>;

const topicPrefix = `t${uniqueSuffix()}.`;
/** The service's clock: Tuesday 3 March 2026, 13:00 in Brussels. Quotes close on Monday 2 March by default. */
const NOW = new Date('2026-03-03T12:00:00.000Z');
let service: Awaited<ReturnType<typeof buildExpertReview>>;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let request: ReturnType<typeof httpClient>;
let jan: string;

const JAN = { role: 'expert' as const, name: 'Jan Peeters', phone: '+32 470 12 34 56' };

function office(): string {
  return `EXP${uniqueSuffix()}`;
}

function expertOf(org: string, who: { name: string; phone: string } = JAN): Promise<string> {
  return token({ role: 'expert', org, name: who.name, phone: who.phone });
}

interface CaseSpec {
  expertOfficeId: string;
  quote?: Partial<QuoteSubmitted>;
  valueCents?: number;
  deadline?: string;
  /** The insurer's policy the reviewFile carries (default: the helpers' policy). */
  policy?: ReturnType<typeof reviewFile>['policy'];
}

/** Publishes each case's quote.submitted, with its reviewFile, as quote would. */
async function publishCases(specs: CaseSpec[]): Promise<{ missionId: string; quote: QuoteSubmitted }[]> {
  const cases = specs.map((spec) => {
    const missionId = `m-${uniqueSuffix()}`;
    const base = reviewFile(missionId, { expertOfficeId: spec.expertOfficeId, deadline: spec.deadline ?? '2026-03-30T21:59:59.999Z', valueCents: spec.valueCents ?? 10_000_00 });
    const file = spec.policy ? { ...base, policy: spec.policy } : base;
    return { missionId, quote: quoteSubmitted(spec.expertOfficeId, { reviewFile: file, ...spec.quote }) };
  });
  await publishRaw(
    topicPrefix + Topics.quote,
    cases.map(({ missionId, quote }) => ({ key: missionId, value: envelope('quote.submitted', missionId, quote) })),
  );
  return cases;
}

/** The row of a quote's review case, once the quote.submitted is handled. */
async function caseRow(quoteId: string): Promise<Record<string, any>> {
  return waitFor(
    async () => {
      const { rows } = await service.ctx.pool.query('SELECT * FROM review_cases WHERE quote_id = $1', [quoteId]);
      return rows[0] as Record<string, any> | undefined;
    },
    { message: `the review case of quote ${quoteId}` },
  );
}

async function caseOfQuote(quoteId: string): Promise<{ id: string }> {
  return { id: (await caseRow(quoteId)).id };
}

/** Waits until the event of that id has been handled (its inbox row committed with its effect). */
async function handled(eventId: string, what: string): Promise<void> {
  await waitFor(async () => (await service.ctx.pool.query('SELECT 1 FROM inbox WHERE event_id = $1', [eventId])).rowCount === 1, { message: what });
}

async function newCase(expertOfficeId: string, spec: Omit<CaseSpec, 'expertOfficeId'> = {}): Promise<string> {
  const [published] = await publishCases([{ expertOfficeId, ...spec }]);
  return (await caseOfQuote(published!.quote.quoteId)).id;
}

function decisionEvents(reviewId: string): DomainEvent<'review.decided'>[] {
  return probe.events.filter((e): e is DomainEvent<'review.decided'> & { topic: string } => e.type === 'review.decided' && e.payload.reviewId === reviewId);
}

beforeAll(async () => {
  service = await buildExpertReview(testEnvironment('expert-review', {}, { topicPrefix }), { clock: () => NOW });
  const url = await service.start();
  request = httpClient(url);
  probe = await createEventProbe([topicPrefix + Topics.expertReview]);
  jan = await expertOf('EXP1');
});

afterAll(async () => {
  await probe?.stop();
  await service?.stop();
});

describe('opening review cases from quote.submitted', () => {
  it('opens one case for a quote submitted on Kafka, and only one when the event is delivered twice', async () => {
    const expertOfficeId = office();
    const missionId = `m-${uniqueSuffix()}`;
    const quote = quoteSubmitted(expertOfficeId, { reviewFile: reviewFile(missionId, { expertOfficeId, deadline: '2026-03-30T21:59:59.999Z' }) });
    const submitted = envelope('quote.submitted', missionId, quote);
    // The same event twice, then the same quote re-published under a new event id: all on one
    // partition, so once the last is in the inbox both copies before it have been handled.
    const republished = { ...submitted, id: crypto.randomUUID() };
    await publishRaw(topicPrefix + Topics.quote, [
      { key: missionId, value: submitted },
      { key: missionId, value: submitted },
      { key: missionId, value: republished },
    ]);
    await handled(republished.id, 'the re-published quote.submitted to be handled');
    const { id } = await caseOfQuote(quote.quoteId);
    const { rows } = await service.ctx.pool.query('SELECT id FROM review_cases WHERE quote_id = $1', [quote.quoteId]);
    expect(rows).toEqual([{ id }]);

    const queue = await request('GET', '/v1/reviews', { token: await expertOf(expertOfficeId) });
    expect(queue.status).toBe(200);
    expect(queue.json.items).toEqual([
      {
        id,
        missionId,
        quoteId: quote.quoteId,
        status: 'open',
        deadline: '2026-03-30T21:59:59.999Z',
        procedure: 'standard',
        garageId: 'G1',
        vehicle: { plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf' },
        claimNumber: `CL-${missionId}`,
        totalInclVatCents: 605_00,
        suggestedDecision: 'validate',
        findingsSummary: 'no findings',
        openedAt: expect.any(String),
        version: 0,
        transmission: 1,
        // Closed on Monday 2 March: the office's answer is due two working days later (platform default).
        dueAt: '2026-03-04T22:59:59.999Z',
        overdue: false,
        respondBy: null,
      },
    ]);
    expect(queue.json.nextCursor).toBeNull();
  });

  it('assesses a quote with the insurer’s thresholds its reviewFile carries, and shows the mission and deadline from it', async () => {
    const expertOfficeId = office();
    // Three photos and €60.00/h labour: the default and the insurer policies find different things.
    const [published] = await publishCases([{ expertOfficeId, quote: { calculation: calculation([part(400_00), labour(60_00)]) }, deadline: '2026-04-01T21:59:59.999Z' }]);
    const { id } = await caseOfQuote(published!.quote.quoteId);
    const response = await request('GET', `/v1/reviews/${id}`, { token: await expertOf(expertOfficeId) });
    // Insurer policy: three photos, labour agreed at €55.00/h.
    expect(response.json).toMatchObject({ deadline: '2026-04-01T21:59:59.999Z', findingsBasis: 'insurer_policy', suggestedDecision: 'pending_validation' });
    expect(response.json.mission).toMatchObject({ insurerId: 'INS1', deadline: '2026-04-01T21:59:59.999Z', claim: { claimNumber: `CL-${published!.missionId}` }, ownerName: 'Marie Dubois' });
    expect(response.json.findings.map((f: { code: string }) => f.code)).toEqual(['labour.rate_above_agreed']);
  });

  it('opens the case of an old quote.submitted without reviewFile with the default thresholds and no deadline, and keeps none of its administrative copy', async () => {
    const expertOfficeId = office();
    const missionId = `m-${uniqueSuffix()}`;
    const quote = quoteSubmitted(expertOfficeId, { calculation: calculation([part(400_00), labour(60_00)]), administrative: missionSnapshot(missionId, { expertOfficeId }) });
    await publishRaw(topicPrefix + Topics.quote, [{ key: missionId, value: envelope('quote.submitted', missionId, quote) }]);
    const { id } = await caseOfQuote(quote.quoteId);
    const response = await request('GET', `/v1/reviews/${id}`, { token: await expertOf(expertOfficeId) });
    expect(response.status).toBe(200);
    // Platform defaults: four photos, labour agreed at €65.00/h; no mission data.
    expect(response.json).toMatchObject({ mission: null, deadline: null, findingsBasis: 'default_policy', suggestedDecision: 'remote_intervention', status: 'open' });
    expect(response.json.findings.map((f: { code: string }) => f.code)).toEqual(['photos.too_few']);
    expect(response.text).not.toContain(ownerContact.phone);
    expect(response.text).not.toContain(ownerContact.email);
    const stored = await service.ctx.pool.query('SELECT quote ? \'administrative\' AS kept FROM review_cases WHERE id = $1', [id]);
    expect(stored.rows[0].kept).toBe(false);
  });

  it('opens a case for a total-loss file, which has no calculation, suggesting total-loss handling', async () => {
    const expertOfficeId = office();
    const id = await newCase(expertOfficeId, {
      quote: { procedure: 'total_loss', calculation: null, smartFrame: null, vehicleStatus: 'not_drivable', vehicleStatusNote: 'front axle broken', photos: photos(1) },
    });
    const response = await request('GET', `/v1/reviews/${id}`, { token: await expertOf(expertOfficeId) });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      procedure: 'total_loss',
      calculation: null,
      smartFrame: null,
      vehicleStatus: 'not_drivable',
      vehicleStatusNote: 'front axle broken',
      findings: [],
      suggestedDecision: 'total_loss_handling',
      status: 'open',
    });
  });
});

describe('the case', () => {
  it('holds everything needed to decide: administrative data, calculation with totals, Smart answers, photo links and findings', async () => {
    const expertOfficeId = office();
    const smartFrame = { ...noSmartYes, technicalInspectionNeeded: true };
    const [published] = await publishCases([{ expertOfficeId, quote: { smartFrame } }]);
    const { quote, missionId } = published!;
    const { id } = await caseOfQuote(quote.quoteId);
    const response = await request('GET', `/v1/reviews/${id}`, { token: await expertOf(expertOfficeId) });
    expect(response.status).toBe(200);
    const c = response.json;
    expect(c).toMatchObject({
      id,
      missionId,
      quoteId: quote.quoteId,
      expertOfficeId,
      garageId: 'G1',
      status: 'open',
      version: 0,
      procedure: 'standard',
      quoteClosedAt: '2026-03-02T09:30:00.000Z',
      deadline: '2026-03-30T21:59:59.999Z',
      calculation: { calculationNumber: 'AX-2026-001', totalExclVatCents: 500_00, vatCents: 105_00, totalInclVatCents: 605_00, lines: quote.calculation!.lines },
      smartFrame,
      findingsBasis: 'insurer_policy',
      suggestedDecision: 'validate',
      decisions: [],
      withdrawal: null,
    });
    expect(c.mission).toEqual({
      insurerId: 'INS1',
      insurerMissionRef: `ref-${missionId}`,
      garageId: 'G1',
      expertOfficeId,
      deadline: '2026-03-30T21:59:59.999Z',
      claim: { claimNumber: `CL-${missionId}`, policyNumber: 'POL-1', lossDate: '2026-02-20', circumstances: 'Rear-ended at a red light' },
      vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-01', valueCents: 10_000_00 },
      ownerName: 'Marie Dubois',
      directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
    });
    expect(c.photos).toEqual(quote.photos.map((p) => ({ ...p, href: `/v1/quotes/${quote.quoteId}/photos/${p.id}` })));
    expect(c.findings).toEqual([{ code: 'smart.technical_inspection_needed', severity: 'info', message: expect.stringMatching(/technical inspection/) }]);
    expect(c.findingsSummary).toBe('1 info: technical inspection required');
    expect(response.text).not.toContain(ownerContact.phone);
    expect(response.text).not.toContain(ownerContact.email);
  });
});

describe('automatic pre-checks on crafted quotes (insurer policy: 3 photos, €55.00/h, ceiling €3,000.00, total loss at 75 %)', () => {
  const clean = calculation([part(400_00), labour(50_00)]);
  const checks: { name: string; spec: Omit<CaseSpec, 'expertOfficeId'>; code: string; severity: string; message: RegExp; suggested: string }[] = [
    {
      name: 'a calculation whose totals do not add up is critical',
      spec: { quote: { calculation: { ...clean, totalExclVatCents: 510_00, vatCents: 107_10, totalInclVatCents: 617_10 } } },
      code: 'calculation.inconsistent',
      severity: 'critical',
      message: /lines sum to €500\.00 but the stated total excl\. VAT is €510\.00/,
      suggested: 'remote_intervention',
    },
    {
      name: 'a labour rate above the insurer’s agreed rate is a warning',
      spec: { quote: { calculation: calculation([part(400_00), labour(60_00)]) } },
      code: 'labour.rate_above_agreed',
      severity: 'warning',
      message: /€60\.00 per hour, above the agreed rate of €55\.00 per hour/,
      suggested: 'pending_validation',
    },
    {
      name: 'a repair total above the insurer’s Smart ceiling is a warning',
      spec: { quote: { calculation: calculation([part(3_000_00), labour(50_00)]) }, valueCents: 50_000_00 },
      code: 'repair.above_smart_ceiling',
      severity: 'warning',
      message: /€3,751\.00 incl\. VAT, above the Smart ceiling of €3,000\.00/,
      suggested: 'pending_validation',
    },
    {
      name: 'a repair cost reaching the total-loss share of the vehicle value is critical',
      spec: { valueCents: 800_00 },
      code: 'repair.probable_total_loss',
      severity: 'critical',
      message: /€605\.00 incl\. VAT, 75\.6 % of the vehicle's value of €800\.00/,
      suggested: 'total_loss_handling',
    },
    {
      name: 'fewer photos than the insurer’s minimum is critical',
      spec: { quote: { photos: photos(2) } },
      code: 'photos.too_few',
      severity: 'critical',
      message: /2 distinct photos, fewer than the 3 required/,
      suggested: 'remote_intervention',
    },
    {
      name: 'a photo already seen on another mission is critical',
      spec: { quote: { photos: photos(3, true) } },
      code: 'photo.seen_on_other_mission',
      severity: 'critical',
      message: /already submitted on another mission/,
      suggested: 'remote_intervention',
    },
    {
      name: 'the Smart answer "probable total loss" suggests total-loss handling',
      spec: { quote: { smartFrame: { ...noSmartYes, probableTotalLoss: true } } },
      code: 'smart.probable_total_loss',
      severity: 'warning',
      message: /probably a total loss/,
      suggested: 'total_loss_handling',
    },
    {
      name: 'the Smart answer "several damage zones" suggests a remote intervention',
      spec: { quote: { smartFrame: { ...noSmartYes, multipleDamageZones: true } } },
      code: 'smart.multiple_damage_zones',
      severity: 'warning',
      message: /several damage zones/,
      suggested: 'remote_intervention',
    },
    {
      name: 'the Smart answer "expert advice needed" suggests a remote intervention',
      spec: { quote: { smartFrame: { ...noSmartYes, expertAdviceNeeded: true } } },
      code: 'smart.expert_advice_needed',
      severity: 'warning',
      message: /technical advice is needed/,
      suggested: 'remote_intervention',
    },
    {
      name: 'the Smart answer "technical inspection needed" is information that still allows validation',
      spec: { quote: { smartFrame: { ...noSmartYes, technicalInspectionNeeded: true } } },
      code: 'smart.technical_inspection_needed',
      severity: 'info',
      message: /technical inspection \(contrôle technique\)/,
      suggested: 'validate',
    },
    {
      name: 'the Smart answer "expert on site needed" suggests an on-site intervention',
      spec: { quote: { smartFrame: { ...noSmartYes, onSiteExpertNeeded: true } } },
      code: 'smart.onsite_expert_needed',
      severity: 'warning',
      message: /expert on site/,
      suggested: 'onsite_intervention',
    },
  ];
  const expertOfficeId = office();
  let expert: string;
  let quoteIds: string[];

  beforeAll(async () => {
    expert = await expertOf(expertOfficeId);
    const published = await publishCases(checks.map((c) => ({ expertOfficeId, ...c.spec })));
    quoteIds = published.map((p) => p.quote.quoteId);
  });

  it.each(checks.map((c, i) => ({ ...c, i })))('$name', async ({ i, code, severity, message, suggested }) => {
    const { id } = await caseOfQuote(quoteIds[i]!);
    const response = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(response.status).toBe(200);
    expect(response.json.findings).toEqual([{ code, severity, message: expect.stringMatching(message) }]);
    expect(response.json.suggestedDecision).toBe(suggested);
  });

  it('a clean quote has no findings and suggests validation', async () => {
    const id = await newCase(expertOfficeId);
    const response = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(response.json).toMatchObject({ findings: [], findingsSummary: 'no findings', suggestedDecision: 'validate' });
  });
});

describe('the queue', () => {
  it('lists the office’s open cases by when the expert’s answer is due, then id, keyset-paginated, flagging the overdue ones', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const policy = (reviewWorkingDays?: number) => ({ workingDays: 5, minPhotos: 3, reviewThresholds: { agreedLabourRateCents: 55_00, smartCeilingCents: 3_000_00, totalLossRatioPercent: 75 }, ...(reviewWorkingDays ? { reviewWorkingDays } : {}) });
    const published = await publishCases([
      // Due Thursday 5 March.
      { expertOfficeId, quote: { closedAt: '2026-03-03T08:00:00.000Z' } },
      // Due Wednesday 4 March, though its mission deadline is the latest.
      { expertOfficeId, quote: { closedAt: '2026-03-02T08:00:00.000Z' }, deadline: '2026-04-30T21:59:59.999Z' },
      // Closed first, but its insurer gives the office five working days: due Monday 9 March.
      { expertOfficeId, quote: { closedAt: '2026-03-02T07:00:00.000Z' }, policy: policy(5) },
      // Due Tuesday 24 February: overdue on 3 March.
      { expertOfficeId, quote: { closedAt: '2026-02-20T08:00:00.000Z' } },
      // Due first of all, but validated: it leaves the open queue.
      { expertOfficeId, quote: { closedAt: '2026-02-19T08:00:00.000Z' } },
    ]);
    const ids = await Promise.all(published.map(async (p) => (await caseOfQuote(p.quote.quoteId)).id));
    expect((await request('POST', `/v1/reviews/${ids[4]}/decision`, { token: expert, body: { decision: 'validate' } })).status).toBe(200);

    const first = await request('GET', '/v1/reviews?status=open&limit=2', { token: expert });
    expect(first.status).toBe(200);
    expect(first.json.items.map((i: { id: string; dueAt: string; overdue: boolean }) => [i.id, i.dueAt, i.overdue])).toEqual([
      [ids[3], '2026-02-24T22:59:59.999Z', true],
      [ids[1], '2026-03-04T22:59:59.999Z', false],
    ]);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await request('GET', `/v1/reviews?status=open&limit=2&cursor=${first.json.nextCursor}`, { token: expert });
    expect(second.json.items.map((i: { id: string; dueAt: string }) => [i.id, i.dueAt])).toEqual([
      [ids[0], '2026-03-05T22:59:59.999Z'],
      [ids[2], '2026-03-09T22:59:59.999Z'],
    ]);
    expect(second.json.nextCursor).toBeNull();

    const validated = await request('GET', '/v1/reviews?status=validated', { token: expert });
    expect(validated.json.items.map((i: { id: string; status: string; overdue: boolean }) => [i.id, i.status, i.overdue])).toEqual([[ids[4], 'validated', false]]);
    const all = await request('GET', '/v1/reviews?status=all', { token: expert });
    expect(all.json.items.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[3], ids[1], ids[0], ids[2]]);
  });

  it('shows another office’s cases to nobody else, and refuses a forged cursor', async () => {
    await newCase(office());
    const empty = await request('GET', '/v1/reviews', { token: await expertOf(office()) });
    expect(empty.json).toEqual({ items: [], nextCursor: null });
    const forged = await request('GET', '/v1/reviews?cursor=bm90LWEtY3Vyc29y', { token: jan });
    expect(forged.status).toBe(400);
    expect(forged.json.code).toBe('invalid_cursor');
  });
});

describe('deciding', () => {
  it.each(['validate', 'pending_validation', 'remote_intervention', 'onsite_intervention'] as const)(
    '%s on an open case is recorded with the expert from the token and announced as review.decided',
    async (decision) => {
      const id = await newCase('EXP1');
      const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision, note: '  looks fine  ', expectedVersion: 0 } });
      expect(response.status).toBe(200);
      const status = decision === 'validate' ? 'validated' : decision;
      expect(response.json).toMatchObject({ id, status, version: 1 });

      const event = await probe.waitForEvent((e) => e.type === 'review.decided' && e.payload.reviewId === id, 'review.decided');
      const { rows } = await service.ctx.pool.query('SELECT quote_id FROM review_cases WHERE id = $1', [id]);
      expect(event).toMatchObject({
        type: 'review.decided',
        correlationId: response.headers.get('x-request-id'),
        // mission-intake ties the decision to the quote it judged (a decision on a voided close is voided).
        payload: { reviewId: id, quoteId: rows[0].quote_id, decision, expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56', note: 'looks fine', sequence: 1, expertOfficeId: 'EXP1', transmission: 1 },
      });
      expect(event.payload).not.toHaveProperty('respondBy');
      const c = await request('GET', `/v1/reviews/${id}`, { token: jan });
      expect(c.json).toMatchObject({ status, version: 1, decisions: [{ sequence: 1, decision, expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56', note: 'looks fine' }] });
    },
  );

  it('pending, remote and on-site may move between each other and are then validated, each decision numbered in order', async () => {
    const id = await newCase('EXP1');
    const steps = ['pending_validation', 'remote_intervention', 'onsite_intervention', 'pending_validation', 'validate'] as const;
    for (const [i, decision] of steps.entries()) {
      const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision, expectedVersion: i } });
      expect(response.status, decision).toBe(200);
    }
    await waitFor(() => decisionEvents(id).length === steps.length, { message: 'every review.decided' });
    expect(decisionEvents(id).map((e) => [e.payload.sequence, e.payload.decision])).toEqual(steps.map((d, i) => [i + 1, d]));
    const c = await request('GET', `/v1/reviews/${id}`, { token: jan });
    expect(c.json.status).toBe('validated');
    expect(c.json.decisions.map((d: { decision: string }) => d.decision)).toEqual([...steps]);
  });

  it.each(['validate', 'pending_validation', 'remote_intervention', 'onsite_intervention'] as const)('%s on a validated case is refused with 409 case_final', async (decision) => {
    const id = await newCase('EXP1');
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'validate' } })).status).toBe(200);
    const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision } });
    expect(response.status).toBe(409);
    expect(response.json).toMatchObject({ code: 'case_final', status: 409 });
    expect((await request('GET', `/v1/reviews/${id}`, { token: jan })).json).toMatchObject({ status: 'validated', version: 1 });
  });

  it.each(['pending_validation', 'remote_intervention', 'onsite_intervention'] as const)('%s repeated on a case already there is refused with 409 same_decision', async (decision) => {
    const id = await newCase('EXP1');
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision } })).status).toBe(200);
    const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('same_decision');
  });

  it('a decision made on a stale version is refused with 409 version_conflict', async () => {
    const id = await newCase('EXP1');
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'pending_validation', expectedVersion: 0 } })).status).toBe(200);
    const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'remote_intervention', expectedVersion: 0 } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('version_conflict');
  });

  it('an unknown decision is a 400 naming the field', async () => {
    const id = await newCase('EXP1');
    const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'reject' } });
    expect(response.status).toBe(400);
    expect(response.json.errors.map((e: { path: string }) => e.path)).toContain('/decision');
  });

  it('two experts validating the same case at once: one wins, the other gets 409, and one event is published', async () => {
    const id = await newCase('EXP1');
    const an = await expertOf('EXP1', { name: 'An Janssens', phone: '+32 475 98 76 54' });
    const answers = await Promise.all([
      request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'validate' } }),
      request('POST', `/v1/reviews/${id}/decision`, { token: an, body: { decision: 'validate' } }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.json.code).toBe('case_final');
    const { rows } = await service.ctx.pool.query('SELECT count(*)::int AS n FROM review_decisions WHERE case_id = $1', [id]);
    expect(rows[0].n).toBe(1);
    const outbox = await service.ctx.pool.query("SELECT count(*)::int AS n FROM outbox WHERE event_type = 'review.decided' AND envelope->'payload'->>'reviewId' = $1", [id]);
    expect(outbox.rows[0].n).toBe(1);
  });

  it('two experts deciding differently on the version they both read: one wins, the other gets 409 version_conflict', async () => {
    const id = await newCase('EXP1');
    const an = await expertOf('EXP1', { name: 'An Janssens', phone: '+32 475 98 76 54' });
    const answers = await Promise.all([
      request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'remote_intervention', expectedVersion: 0 } }),
      request('POST', `/v1/reviews/${id}/decision`, { token: an, body: { decision: 'onsite_intervention', expectedVersion: 0 } }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.json.code).toBe('version_conflict');
    const c = await request('GET', `/v1/reviews/${id}`, { token: jan });
    expect(c.json.version).toBe(1);
    expect(c.json.decisions).toHaveLength(1);
  });
});

describe('withdrawing a case whose quote was voided', () => {
  async function voidQuote(missionId: string, quote: QuoteSubmitted, missionStatus: 'abandoned' | 'cancelled', voidedAt?: string) {
    const voided = envelope('quote.voided', missionId, quoteVoided(quote, missionStatus, voidedAt));
    await publishRaw(topicPrefix + Topics.quote, [{ key: missionId, value: voided }]);
    await handled(voided.id, 'quote.voided to be handled');
    return voided;
  }

  it('a voided quote withdraws its case: gone from the open queue, listed as withdrawn, the case says why, and a decision is 409 case_withdrawn', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const [kept, voided] = await publishCases([{ expertOfficeId }, { expertOfficeId, quote: { closedAt: '2026-02-27T09:30:00.000Z' } }]);
    const keptId = (await caseOfQuote(kept!.quote.quoteId)).id;
    const id = (await caseOfQuote(voided!.quote.quoteId)).id;
    expect((await request('GET', '/v1/reviews?status=open', { token: expert })).json.items.map((i: { id: string }) => i.id)).toEqual([id, keptId]);

    await voidQuote(voided!.missionId, voided!.quote, 'cancelled', '2026-03-03T08:00:00.000Z');

    const open = await request('GET', '/v1/reviews?status=open', { token: expert });
    expect(open.json.items.map((i: { id: string }) => i.id)).toEqual([keptId]);
    const withdrawn = await request('GET', '/v1/reviews?status=withdrawn', { token: expert });
    expect(withdrawn.json.items.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([[id, 'withdrawn']]);
    const view = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(view.json).toMatchObject({ status: 'withdrawn', version: 0, withdrawal: { missionStatus: 'cancelled', at: '2026-03-03T08:00:00.000Z' } });

    const decision = await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate', expectedVersion: 0 } });
    expect(decision.status).toBe(409);
    expect(decision.json).toMatchObject({ code: 'case_withdrawn', status: 409 });
    const { rows } = await service.ctx.pool.query('SELECT count(*)::int AS n FROM review_decisions WHERE case_id = $1', [id]);
    expect(rows[0].n).toBe(0);
    const outbox = await service.ctx.pool.query("SELECT count(*)::int AS n FROM outbox WHERE envelope->'payload'->>'reviewId' = $1", [id]);
    expect(outbox.rows[0].n).toBe(0);
  });

  it('a redelivered or re-published quote.voided changes nothing: the case keeps its first withdrawal', async () => {
    const expertOfficeId = office();
    const [published] = await publishCases([{ expertOfficeId }]);
    const { missionId, quote } = published!;
    const { id } = await caseOfQuote(quote.quoteId);
    const first = await voidQuote(missionId, quote, 'abandoned', '2026-03-03T08:00:00.000Z');
    const before = (await service.ctx.pool.query('SELECT status, withdrawn_mission_status, withdrawn_at, updated_at FROM review_cases WHERE id = $1', [id])).rows[0];
    expect(before).toMatchObject({ status: 'withdrawn', withdrawn_mission_status: 'abandoned' });

    // The same event again, then a copy under a new id saying something else: one partition, so
    // once the copy is handled the redelivery before it was too.
    const copy = envelope('quote.voided', missionId, quoteVoided(quote, 'cancelled', '2026-03-04T08:00:00.000Z'));
    await publishRaw(topicPrefix + Topics.quote, [
      { key: missionId, value: first },
      { key: missionId, value: copy },
    ]);
    await handled(copy.id, 'the re-published quote.voided to be handled');

    const after = (await service.ctx.pool.query('SELECT status, withdrawn_mission_status, withdrawn_at, updated_at FROM review_cases WHERE id = $1', [id])).rows[0];
    expect(after).toEqual(before);
    const voids = await service.ctx.pool.query('SELECT mission_status FROM quote_voids WHERE quote_id = $1', [quote.quoteId]);
    expect(voids.rows).toEqual([{ mission_status: 'abandoned' }]);
    const view = await request('GET', `/v1/reviews/${id}`, { token: await expertOf(expertOfficeId) });
    expect(view.json.withdrawal).toEqual({ missionStatus: 'abandoned', at: '2026-03-03T08:00:00.000Z' });
  });

  it('a case the expert already decided on is withdrawn too, and keeps its decisions', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const [published] = await publishCases([{ expertOfficeId }]);
    const { id } = await caseOfQuote(published!.quote.quoteId);
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate', expectedVersion: 0 } })).status).toBe(200);

    await voidQuote(published!.missionId, published!.quote, 'abandoned');

    const view = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(view.json).toMatchObject({ status: 'withdrawn', version: 1, decisions: [{ sequence: 1, decision: 'validate' }], withdrawal: { missionStatus: 'abandoned' } });
    const again = await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'pending_validation' } });
    expect(again.json.code).toBe('case_withdrawn');
    expect((await request('GET', '/v1/reviews?status=validated', { token: expert })).json.items).toEqual([]);
  });

  it('a case withdrawn by a cancel that lost to its earlier validation is reinstated, validated and final', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const [published] = await publishCases([{ expertOfficeId }]);
    const { id } = await caseOfQuote(published!.quote.quoteId);
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate', expectedVersion: 0 } })).status).toBe(200);
    await voidQuote(published!.missionId, published!.quote, 'cancelled');
    expect((await request('GET', `/v1/reviews/${id}`, { token: expert })).json.status).toBe('withdrawn');

    const reinstated = envelope('quote.reinstated', published!.missionId, quoteReinstated(published!.quote, 'closed'));
    await publishRaw(topicPrefix + Topics.quote, [{ key: published!.missionId, value: reinstated }]);
    await handled(reinstated.id, 'quote.reinstated to be handled');

    const view = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(view.json).toMatchObject({ status: 'validated', version: 1, withdrawal: null });
    expect((await request('GET', '/v1/reviews?status=validated', { token: expert })).json.items.map((c: { id: string }) => c.id)).toEqual([id]);
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'pending_validation' } })).json.code).toBe('case_final');
  });

  it('a quote.voided that comes before its quote.submitted makes the case open already withdrawn', async () => {
    const expertOfficeId = office();
    const missionId = `m-${uniqueSuffix()}`;
    const quote = quoteSubmitted(expertOfficeId, { reviewFile: reviewFile(missionId, { expertOfficeId, deadline: '2026-03-30T21:59:59.999Z' }) });
    await publishRaw(topicPrefix + Topics.quote, [
      { key: missionId, value: envelope('quote.voided', missionId, quoteVoided(quote, 'cancelled', '2026-03-03T08:00:00.000Z')) },
      { key: missionId, value: envelope('quote.submitted', missionId, quote) },
    ]);
    const row = await caseRow(quote.quoteId);
    expect(row).toMatchObject({ status: 'withdrawn', withdrawn_mission_status: 'cancelled' });
    const expert = await expertOf(expertOfficeId);
    expect((await request('GET', '/v1/reviews?status=open', { token: expert })).json.items).toEqual([]);
    expect((await request('GET', `/v1/reviews/${row.id}`, { token: expert })).json).toMatchObject({ status: 'withdrawn', withdrawal: { missionStatus: 'cancelled', at: '2026-03-03T08:00:00.000Z' } });
  });
});

describe('privacy', () => {
  it('stores no owner phone or e-mail anywhere in its schema, even when events carry them', async () => {
    const expertOfficeId = office();
    const leakyId = `m-${uniqueSuffix()}`;
    const oldId = `m-${uniqueSuffix()}`;
    // A producer that slips the owner's contact into the reviewFile, and an old event with the full mission as `administrative`.
    const file = reviewFile(leakyId, { expertOfficeId, deadline: '2026-03-30T21:59:59.999Z' });
    const leaky = quoteSubmitted(expertOfficeId, { reviewFile: { ...file, mission: { ...file.mission, owner: { ...file.mission.owner, ...ownerContact } } } });
    const old = quoteSubmitted(expertOfficeId, { administrative: missionSnapshot(oldId, { expertOfficeId }) });
    await publishRaw(topicPrefix + Topics.quote, [
      { key: leakyId, value: envelope('quote.submitted', leakyId, leaky) },
      { key: oldId, value: envelope('quote.submitted', oldId, old) },
    ]);
    await caseRow(leaky.quoteId);
    await caseRow(old.quoteId);

    const schema = service.ctx.schema;
    const { rows: tables } = await service.ctx.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1",
      [schema],
    );
    expect(tables.map((t) => t.table_name)).toContain('review_cases');
    expect(tables.map((t) => t.table_name)).not.toContain('missions');
    for (const { table_name } of tables) {
      const { rows } = await service.ctx.pool.query(
        `SELECT count(*)::int AS n FROM "${schema}"."${table_name}" t WHERE t::text LIKE '%' || $1 || '%' OR t::text LIKE '%' || $2 || '%'`,
        [ownerContact.phone, ownerContact.email],
      );
      expect(rows[0].n, `rows of ${table_name} holding the owner's contact`).toBe(0);
    }
    const { rows: columns } = await service.ctx.pool.query<{ column: string }>(
      "SELECT table_name || '.' || column_name AS column FROM information_schema.columns WHERE table_schema = $1 AND (column_name LIKE '%email%' OR column_name LIKE '%owner%' OR column_name LIKE '%phone%')",
      [schema],
    );
    // The only phone kept is the expert's own, shown to the garage with each decision (on the case or a supplement).
    expect(columns.map((c) => c.column).sort()).toEqual(['review_decisions.expert_phone', 'supplements.expert_phone']);
  });
});

describe('access', () => {
  it('another office’s expert gets 404 on the case and on a decision, exactly like a missing case', async () => {
    const id = await newCase('EXP1');
    const other = await expertOf('EXP2', { name: 'Piet Claes', phone: '+32 476 11 22 33' });
    const read = await request('GET', `/v1/reviews/${id}`, { token: other });
    const decide = await request('POST', `/v1/reviews/${id}/decision`, { token: other, body: { decision: 'validate' } });
    const missing = await request('GET', '/v1/reviews/rv_does_not_exist', { token: other });
    expect([read.status, decide.status, missing.status]).toEqual([404, 404, 404]);
    expect(read.json.code).toBe(missing.json.code);
    expect(decide.json.code).toBe('review_not_found');
    expect((await request('GET', `/v1/reviews/${id}`, { token: jan })).json).toMatchObject({ status: 'open', version: 0 });
  });

  it('only experts may call the review routes', async () => {
    const garage = await token({ role: 'garage', org: 'G1' });
    expect((await request('GET', '/v1/reviews', { token: garage })).status).toBe(403);
    expect((await request('GET', '/v1/reviews')).status).toBe(401);
  });
});

describe('applying a batch of quote events', () => {
  /**
   * One story, told twice, with quotes of its own: a plain submission; the same quote submitted
   * twice; a void before its submission and a void after one (applied one by one inside the
   * batch); a submission whose void was recorded by an earlier transaction; a case waiting for
   * the garage whose next transmission comes in the batch, between a redelivered first
   * transmission and a re-published copy of the second; a supplement.
   */
  function story(expertOfficeId: string) {
    const quotes = Array.from({ length: 6 }, () => quoteSubmitted(expertOfficeId));
    const missions = quotes.map(() => `m-${uniqueSuffix()}`);
    const submitted = (i: number, changes: Partial<QuoteSubmitted> = {}) =>
      envelope('quote.submitted', missions[i]!, { ...quotes[i]!, reviewFile: reviewFile(missions[i]!, { expertOfficeId, deadline: '2026-03-30T21:59:59.999Z' }), ...changes });
    const voided = (i: number) => envelope('quote.voided', missions[i]!, quoteVoided(quotes[i]!, 'cancelled'));
    const second = { transmission: 2, closedAt: '2026-03-04T09:00:00.000Z', calculation: calculation([part(400_00), labour(60_00)]) };
    return {
      quoteIds: quotes.map((q) => q.quoteId),
      before: [voided(4), submitted(5)] as unknown as DomainEvent[],
      batch: [
        submitted(0), submitted(1), voided(2), submitted(2), submitted(1), submitted(3), voided(3), submitted(4),
        submitted(5), submitted(5, second), envelope('supplement.submitted', missions[5]!, supplementSubmitted(quotes[5]!)), submitted(5, second),
      ] as unknown as DomainEvent[],
    };
  }

  async function cases(quoteIds: string[]) {
    const { rows } = await service.ctx.pool.query(
      `SELECT quote_id, status, version, withdrawn_mission_status, findings_summary, suggested_decision, deadline, mission IS NOT NULL AS has_mission,
              transmission, due_at, total_incl_vat_cents,
              (SELECT array_agg(t.transmission ORDER BY t.transmission) FROM review_transmissions t WHERE t.case_id = c.id) AS transmissions,
              (SELECT count(*)::int FROM supplements s WHERE s.quote_id = c.quote_id) AS supplements
       FROM review_cases c WHERE quote_id = ANY($1)`,
      [quoteIds],
    );
    return quoteIds.map((id) => {
      const row = rows.filter((r) => r.quote_id === id);
      return row.map(({ quote_id: _, ...rest }) => rest);
    });
  }

  it('opens, withdraws and transmits again the same cases as applying the events one at a time', async () => {
    const [spec] = reviewConsumers(service.ctx);
    const apply = async (tx: Tx, events: DomainEvent[]) => {
      for (const event of events) await (spec!.handlers[event.type] as (t: Tx, e: DomainEvent) => Promise<void>)(tx, event);
    };
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const batch = story(expertOfficeId);
    const oneByOne = story(expertOfficeId);
    for (const told of [batch, oneByOne]) {
      await withTransaction(service.ctx.pool, (tx) => apply(tx, told.before));
      const { id } = await caseOfQuote(told.quoteIds[5]!);
      const asked = await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'request_information', note: 'Labour hours, please' } });
      expect(asked.status).toBe(200);
    }
    await withTransaction(service.ctx.pool, (tx) => spec!.applyBatch!(tx, batch.batch));
    await withTransaction(service.ctx.pool, (tx) => apply(tx, oneByOne.batch));

    const expected = await cases(oneByOne.quoteIds);
    expect(await cases(batch.quoteIds)).toEqual(expected);
    expect(expected.map((c) => c.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(expected.map(([c]) => c!.status)).toEqual(['open', 'open', 'withdrawn', 'withdrawn', 'withdrawn', 'open']);
    expect(expected[5]![0]).toMatchObject({ transmission: 2, transmissions: [1, 2], version: 1, supplements: 1, findings_summary: expect.stringMatching(/labour rate/) });
  });
});

describe('requesting information', () => {
  it('needs a note saying what is missing: 422 note_required naming the field', async () => {
    const id = await newCase('EXP1');
    const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'request_information', note: '  ' } });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.json).toMatchObject({ code: 'note_required', errors: [{ path: '/note' }] });
    expect((await request('GET', `/v1/reviews/${id}`, { token: jan })).json).toMatchObject({ status: 'open', version: 0 });
  });

  it.each(['2026-03-02', '2026-03-03T12:00:00Z', '2026-03-10T12:00:00', 'next week'])('refuses respondBy %s (past, now, no offset, not a date) with 422 invalid_respond_by', async (respondBy) => {
    const id = await newCase('EXP1');
    const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'request_information', note: 'Photos of the rear door', respondBy } });
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ code: 'invalid_respond_by', errors: [{ path: '/respondBy' }] });
  });

  it('refuses respondBy on another decision with 422', async () => {
    const id = await newCase('EXP1');
    const response = await request('POST', `/v1/reviews/${id}/decision`, { token: jan, body: { decision: 'validate', respondBy: '2026-03-10' } });
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ code: 'respond_by_not_allowed', errors: [{ path: '/respondBy' }] });
  });

  it('sends the quote back: the case waits for the garage until the policy’s due date, out of the open queue, and review.decided says so', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const [published] = await publishCases([{ expertOfficeId }]);
    const { id } = await caseOfQuote(published!.quote.quoteId);
    const response = await request('POST', `/v1/reviews/${id}/decision`, {
      token: expert,
      body: { decision: 'request_information', note: 'Photos of the rear door, please', expectedVersion: 0, expectedTransmission: 1 },
    });
    expect(response.status).toBe(200);
    // Requested on Tuesday 3 March: three working days (platform default) → Friday 6 March, end of day in Brussels.
    expect(response.json).toMatchObject({ id, status: 'information_requested', version: 1, transmission: 1, respondBy: '2026-03-06T22:59:59.999Z', overdue: false });

    const event = await probe.waitForEvent((e) => e.type === 'review.decided' && e.payload.reviewId === id, 'review.decided');
    expect(event.payload).toMatchObject({ decision: 'request_information', note: 'Photos of the rear door, please', respondBy: '2026-03-06T22:59:59.999Z', transmission: 1, sequence: 1 });

    expect((await request('GET', '/v1/reviews?status=open', { token: expert })).json.items).toEqual([]);
    const waiting = await request('GET', '/v1/reviews?status=information_requested', { token: expert });
    expect(waiting.json.items.map((i: { id: string; respondBy: string }) => [i.id, i.respondBy])).toEqual([[id, '2026-03-06T22:59:59.999Z']]);
    const view = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(view.json).toMatchObject({ status: 'information_requested', respondBy: '2026-03-06T22:59:59.999Z', decisions: [{ decision: 'request_information', transmission: 1, respondBy: '2026-03-06T22:59:59.999Z' }] });

    const decision = await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate' } });
    expect(decision.status).toBe(409);
    expect(decision.json.code).toBe('awaiting_garage');
  });

  it('takes the due date the expert sets (a date is the end of that day in Brussels), and the policy’s working days otherwise', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const policy = { workingDays: 5, minPhotos: 3, informationWorkingDays: 1, reviewThresholds: { agreedLabourRateCents: 55_00, smartCeilingCents: 3_000_00, totalLossRatioPercent: 75 } };
    const [set, byPolicy] = await publishCases([{ expertOfficeId }, { expertOfficeId, policy }]);
    const setId = (await caseOfQuote(set!.quote.quoteId)).id;
    const policyId = (await caseOfQuote(byPolicy!.quote.quoteId)).id;
    const a = await request('POST', `/v1/reviews/${setId}/decision`, { token: expert, body: { decision: 'request_information', note: 'Corrected calculation', respondBy: '2026-03-10' } });
    expect(a.json.respondBy).toBe('2026-03-10T22:59:59.999Z');
    const b = await request('POST', `/v1/reviews/${policyId}/decision`, { token: expert, body: { decision: 'request_information', note: 'Corrected calculation' } });
    expect(b.json.respondBy).toBe('2026-03-04T22:59:59.999Z');
  });

  it('an unanswered request expires: the void withdraws the case from the garage’s queue too', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const [published] = await publishCases([{ expertOfficeId }]);
    const { id } = await caseOfQuote(published!.quote.quoteId);
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'request_information', note: 'Photos' } })).status).toBe(200);
    const voided = envelope('quote.voided', published!.missionId, quoteVoided(published!.quote, 'expired', '2026-03-06T23:00:00.000Z'));
    await publishRaw(topicPrefix + Topics.quote, [{ key: published!.missionId, value: voided }]);
    await handled(voided.id, 'quote.voided (expired) to be handled');

    expect((await request('GET', '/v1/reviews?status=information_requested', { token: expert })).json.items).toEqual([]);
    expect((await request('GET', '/v1/reviews?status=open', { token: expert })).json.items).toEqual([]);
    expect((await request('GET', `/v1/reviews/${id}`, { token: expert })).json).toMatchObject({ status: 'withdrawn', respondBy: null, withdrawal: { missionStatus: 'expired' } });
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate' } })).json.code).toBe('case_withdrawn');
  });
});

describe('the garage’s next transmission', () => {
  it('opens the case again on the new quote: transmissions kept, changes shown, findings and due date recomputed; copies change nothing', async () => {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const [published] = await publishCases([{ expertOfficeId }]);
    const { missionId, quote } = published!;
    const { id } = await caseOfQuote(quote.quoteId);
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'request_information', note: 'Labour and a photo of the rear' } })).status).toBe(200);

    const addedPhoto = photos(1)[0]!;
    const second: QuoteSubmitted = {
      ...quote,
      transmission: 2,
      closedAt: '2026-03-05T09:00:00.000Z',
      calculation: calculation([part(400_00), labour(60_00), { kind: 'paint', description: 'Rear door paint', quantity: 1, unitPriceCents: 80_00, totalCents: 80_00 }]),
      smartFrame: { ...noSmartYes, multipleDamageZones: true },
      photos: [...quote.photos, addedPhoto],
    };
    const first = envelope('quote.submitted', missionId, quote);
    const transmitted = envelope('quote.submitted', missionId, second);
    const copy = { ...transmitted, id: crypto.randomUUID() };
    await publishRaw(topicPrefix + Topics.quote, [
      { key: missionId, value: transmitted },
      { key: missionId, value: transmitted },
      { key: missionId, value: first },
      { key: missionId, value: copy },
    ]);
    await handled(copy.id, 'the re-published second transmission to be handled');

    const view = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(view.status).toBe(200);
    const c = view.json;
    expect(c).toMatchObject({
      status: 'open',
      version: 1,
      transmission: 2,
      quoteClosedAt: '2026-03-05T09:00:00.000Z',
      // Closed on Thursday 5 March: due two working days later, Monday 9 March.
      dueAt: '2026-03-09T22:59:59.999Z',
      respondBy: null,
      calculation: { totalExclVatCents: 600_00, totalInclVatCents: 726_00 },
      smartFrame: { multipleDamageZones: true },
    });
    expect(c.findings.map((f: { code: string }) => f.code).sort()).toEqual(['labour.rate_above_agreed', 'smart.multiple_damage_zones']);
    expect(c.photos).toHaveLength(4);
    expect(c.transmissions.map((t: { transmission: number; closedAt: string; calculation: { totalInclVatCents: number }; photos: unknown[] }) => [t.transmission, t.closedAt, t.calculation.totalInclVatCents, t.photos.length])).toEqual([
      [1, '2026-03-02T09:30:00.000Z', 605_00, 3],
      [2, '2026-03-05T09:00:00.000Z', 726_00, 4],
    ]);
    expect(c.changesSincePrevious).toEqual({
      previousTransmission: 1,
      calculation: {
        linesAdded: [{ kind: 'paint', description: 'Rear door paint', quantity: 1, unitPriceCents: 80_00, totalCents: 80_00 }],
        linesRemoved: [],
        linesChanged: [{ before: labour(50_00), after: labour(60_00) }],
        totalsBefore: { totalExclVatCents: 500_00, vatCents: 105_00, totalInclVatCents: 605_00 },
        totalsAfter: { totalExclVatCents: 600_00, vatCents: 126_00, totalInclVatCents: 726_00 },
      },
      photosAdded: [{ ...addedPhoto, href: `/v1/quotes/${quote.quoteId}/photos/${addedPhoto.id}` }],
      photosRemoved: [],
      smartAnswersChanged: [{ question: 'multipleDamageZones', before: false, after: true }],
      vehicleStatusChanged: null,
    });
    const { rows } = await service.ctx.pool.query('SELECT transmission FROM review_transmissions WHERE case_id = $1 ORDER BY 1', [id]);
    expect(rows).toEqual([{ transmission: 1 }, { transmission: 2 }]);

    // Back in the open queue; a decision made on the first transmission is refused, one on the second recorded.
    expect((await request('GET', '/v1/reviews?status=open', { token: expert })).json.items.map((i: { id: string; transmission: number }) => [i.id, i.transmission])).toEqual([[id, 2]]);
    const stale = await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate', expectedTransmission: 1 } });
    expect(stale.json.code).toBe('version_conflict');
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate', expectedVersion: 1, expectedTransmission: 2 } })).status).toBe(200);
    await waitFor(() => decisionEvents(id).length === 2, { message: 'both review.decided' });
    expect(decisionEvents(id).map((e) => [e.payload.sequence, e.payload.decision, e.payload.transmission])).toEqual([
      [1, 'request_information', 1],
      [2, 'validate', 2],
    ]);
  });

  it('a transmission nobody asked for is parked with its reason, and the case is unchanged', async () => {
    const expertOfficeId = office();
    const [published] = await publishCases([{ expertOfficeId }]);
    const { missionId, quote } = published!;
    const { id } = await caseOfQuote(quote.quoteId);
    const unexpected = envelope('quote.submitted', missionId, { ...quote, transmission: 2, closedAt: '2026-03-05T09:00:00.000Z' });
    await publishRaw(topicPrefix + Topics.quote, [{ key: missionId, value: unexpected }]);
    const parked = await waitFor(
      async () => (await service.ctx.pool.query("SELECT reason FROM parked_events WHERE raw::text LIKE '%' || $1 || '%'", [unexpected.id])).rows[0] as { reason: string } | undefined,
      { message: 'the unexpected transmission to be parked' },
    );
    expect(parked.reason).toMatch(/unexpected_transmission/);
    expect((await request('GET', `/v1/reviews/${id}`, { token: await expertOf(expertOfficeId) })).json).toMatchObject({ status: 'open', transmission: 1, transmissions: [{ transmission: 1 }] });
  });
});

describe('supplements', () => {
  async function validatedCase() {
    const expertOfficeId = office();
    const expert = await expertOf(expertOfficeId);
    const [published] = await publishCases([{ expertOfficeId }]);
    const { id } = await caseOfQuote(published!.quote.quoteId);
    expect((await request('POST', `/v1/reviews/${id}/decision`, { token: expert, body: { decision: 'validate' } })).status).toBe(200);
    return { id, expert, ...published! };
  }

  async function submit(missionId: string, payload: EventPayload<'supplement.submitted'>) {
    const event = envelope('supplement.submitted', missionId, payload);
    await publishRaw(topicPrefix + Topics.quote, [{ key: missionId, value: event }]);
    await handled(event.id, 'supplement.submitted to be handled');
    return event;
  }

  it('shows a submitted supplement beside the calculation; approving it adds it to the approved total and announces supplement.decided', async () => {
    const { id, expert, missionId, quote } = await validatedCase();
    const supplement = supplementSubmitted(quote);
    const submitted = await submit(missionId, supplement);

    const before = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(before.json.approvedTotalCents).toBe(605_00);
    expect(before.json.supplements).toEqual([
      {
        id: supplement.supplementId,
        number: 1,
        reason: supplement.reason,
        status: 'submitted',
        calculation: supplement.calculation,
        totalInclVatCents: 121_00,
        photos: supplement.photos.map((p) => ({ ...p, href: `/v1/quotes/${quote.quoteId}/photos/${p.id}` })),
        submittedAt: '2026-03-12T10:00:00.000Z',
        note: null,
        decidedAt: null,
        expert: null,
      },
    ]);

    const response = await request('POST', `/v1/reviews/${id}/supplements/${supplement.supplementId}/decision`, { token: expert, body: { decision: 'approve', note: ' fine ' } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ reviewId: id, approvedTotalCents: 726_00, supplement: { status: 'approved', note: 'fine', expert: { name: 'Jan Peeters', phone: '+32 470 12 34 56' } } });
    const event = await probe.waitForEvent((e) => e.type === 'supplement.decided' && e.payload.supplementId === supplement.supplementId, 'supplement.decided');
    expect(event).toMatchObject({
      missionId,
      correlationId: response.headers.get('x-request-id'),
      payload: {
        reviewId: id,
        quoteId: quote.quoteId,
        expertOfficeId: quote.expertOfficeId,
        number: 1,
        decision: 'approve',
        note: 'fine',
        expertName: 'Jan Peeters',
        expertPhone: '+32 470 12 34 56',
        totalInclVatCents: 121_00,
        decidedAt: NOW.toISOString(),
      },
    });

    // Decided once; a redelivered supplement.submitted changes nothing.
    const again = await request('POST', `/v1/reviews/${id}/supplements/${supplement.supplementId}/decision`, { token: expert, body: { decision: 'reject', note: 'no' } });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('supplement_already_decided');
    const copy = { ...submitted, id: crypto.randomUUID() };
    await publishRaw(topicPrefix + Topics.quote, [{ key: missionId, value: copy }]);
    await handled(copy.id, 'the re-published supplement.submitted to be handled');
    const after = await request('GET', `/v1/reviews/${id}`, { token: expert });
    expect(after.json.supplements.map((s: { status: string }) => s.status)).toEqual(['approved']);
    expect(after.json.approvedTotalCents).toBe(726_00);
  });

  it('rejecting needs a note (422 note_required), and a rejected supplement adds nothing', async () => {
    const { id, expert, missionId, quote } = await validatedCase();
    const supplement = supplementSubmitted(quote);
    await submit(missionId, supplement);
    const path = `/v1/reviews/${id}/supplements/${supplement.supplementId}/decision`;
    const bare = await request('POST', path, { token: expert, body: { decision: 'reject' } });
    expect(bare.status).toBe(422);
    expect(bare.json).toMatchObject({ code: 'note_required', errors: [{ path: '/note' }] });
    const rejected = await request('POST', path, { token: expert, body: { decision: 'reject', note: 'Damage predates the claim' } });
    expect(rejected.status).toBe(200);
    expect(rejected.json).toMatchObject({ approvedTotalCents: 605_00, supplement: { status: 'rejected', note: 'Damage predates the claim' } });
    await probe.waitForEvent((e) => e.type === 'supplement.decided' && e.payload.supplementId === supplement.supplementId && e.payload.decision === 'reject', 'supplement.decided (reject)');
  });

  it('an unknown supplement is 404; a supplement on a case not validated is 409 case_not_validated; another office sees 404', async () => {
    const { id, expert } = await validatedCase();
    const unknown = await request('POST', `/v1/reviews/${id}/supplements/sup-nope/decision`, { token: expert, body: { decision: 'approve' } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('supplement_not_found');

    const expertOfficeId = office();
    const other = await expertOf(expertOfficeId);
    const [published] = await publishCases([{ expertOfficeId }]);
    const openId = (await caseOfQuote(published!.quote.quoteId)).id;
    const supplement = supplementSubmitted(published!.quote);
    await submit(published!.missionId, supplement);
    const notValidated = await request('POST', `/v1/reviews/${openId}/supplements/${supplement.supplementId}/decision`, { token: other, body: { decision: 'approve' } });
    expect(notValidated.status).toBe(409);
    expect(notValidated.json.code).toBe('case_not_validated');
    const foreign = await request('POST', `/v1/reviews/${openId}/supplements/${supplement.supplementId}/decision`, { token: expert, body: { decision: 'approve' } });
    expect(foreign.status).toBe(404);
    expect(foreign.json.code).toBe('review_not_found');
  });

  it('a supplement that comes before its quote’s case is kept and shown once the case opens', async () => {
    const expertOfficeId = office();
    const missionId = `m-${uniqueSuffix()}`;
    const quote = quoteSubmitted(expertOfficeId, { reviewFile: reviewFile(missionId, { expertOfficeId, deadline: '2026-03-30T21:59:59.999Z' }) });
    const supplement = supplementSubmitted(quote);
    await submit(missionId, supplement);
    await publishRaw(topicPrefix + Topics.quote, [{ key: missionId, value: envelope('quote.submitted', missionId, quote) }]);
    const { id } = await caseOfQuote(quote.quoteId);
    const view = await request('GET', `/v1/reviews/${id}`, { token: await expertOf(expertOfficeId) });
    expect(view.json.supplements.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([[supplement.supplementId, 'submitted']]);
    expect(view.json.approvedTotalCents).toBeNull();
  });
});
