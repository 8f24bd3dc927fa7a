// Deposit, access, lists, policies, abandon and board against the real PostgreSQL and Kafka.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import { quoteIdent } from '@smart-expertise/service-runtime';
import { createEventProbe, httpClient, testEnvironment, token, uniqueSuffix } from '@smart-expertise/service-runtime/testing';
import { buildMissionIntake } from '../src/service.ts';
import { BOARD_FIRST_PAGE_SQL, BOARD_FIRST_VIEW_SQL, BOARD_NEXT_PAGE_SQL, BOARD_NEXT_VIEW_SQL } from '../src/store/missions.ts';
import { SECTIONS } from '../src/http/board.ts';
import { depositBody, org, parties, type Parties } from './support.ts';

const topicPrefix = `t${uniqueSuffix()}.`;
// Thursday 2 April 2026, 10:00 in Brussels: Easter Monday (6 April) is two working days ahead.
let now = new Date('2026-04-02T08:00:00Z');
let service: Awaited<ReturnType<typeof buildMissionIntake>>;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let request: ReturnType<typeof httpClient>;
let ops: string;

const RECEIVED = 'SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE';

async function deposit(p: Parties, over: Parameters<typeof depositBody>[1] = {}, headers: Record<string, string> = {}) {
  return request('POST', '/v1/missions', { token: p.insurer, body: depositBody(p, over), headers });
}

beforeAll(async () => {
  service = await buildMissionIntake(testEnvironment('mission-intake', {}, { topicPrefix }), { clock: () => now });
  request = httpClient(await service.start());
  probe = await createEventProbe([topicPrefix + Topics.missionIntake]);
  ops = await token({ role: 'ops', org: 'PLATFORM' });
});

afterAll(async () => {
  await probe?.stop();
  await service?.stop();
});

describe('deposit and deadline', () => {
  it('computes the deadline from the insurer’s working days, skipping Easter Monday, and publishes mission.received with the policy in force', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const policy = { workingDays: 3, minPhotos: 6, reviewThresholds: { agreedLabourRateCents: 58_00, smartCeilingCents: 4_000_00, totalLossRatioPercent: 65 } };
    expect((await request('PUT', `/v1/insurers/${p.insurerId}/policy`, { token: ops, body: policy })).status).toBe(200);

    const response = await deposit(p);
    expect(response.status).toBe(201);
    const mission = response.json;
    expect(mission.id).toMatch(/^m_[A-Za-z0-9]+$/);
    // Fri 3, (Easter Monday 6), Tue 7, Wed 8 April: the end of Wednesday in Brussels (summer time).
    expect(mission).toMatchObject({ status: 'new', section: 'smart.new', outcome: null, deadline: '2026-04-08T21:59:59.999Z', policy });
    expect(mission.tracking).toEqual([
      { at: '2026-04-02T08:00:00.000Z', code: 'mission.received', message: `${RECEIVED} 08/04/26`, params: { deadline: '2026-04-08T21:59:59.999Z' } },
    ]);
    expect(mission).toMatchObject({ expert: null, lastDecision: null });

    const event = (await probe.waitForEvent((e) => e.missionId === mission.id && e.type === 'mission.received', 'mission.received')) as DomainEvent<'mission.received'>;
    expect(event.payload).toMatchObject({ deadline: '2026-04-08T21:59:59.999Z', receivedAt: '2026-04-02T08:00:00.000Z', policy });
    expect(event.payload.mission).toMatchObject({ id: mission.id, insurerId: p.insurerId, garageId: p.garageId, expertOfficeId: p.expertOfficeId, owner: { vatRegime: 'partial', vatDeductiblePercent: 50 } });
    expect(event.correlationId).toBe(response.headers.get('x-request-id'));
    // A mission that is just new is no change of verdict: mission.received alone announces it.
    const { rows } = await service.ctx.pool.query('SELECT event_type FROM outbox WHERE mission_id = $1', [mission.id]);
    expect(rows.map((r) => r.event_type)).toEqual(['mission.received']);
  });

  it('computes the default five working days across the end of summer time', async () => {
    // Friday 23 October 2026; summer time ends on Sunday 25 October.
    now = new Date('2026-10-23T09:00:00Z');
    const p = await parties();
    const response = await deposit(p, { claim: { claimNumber: 'CL-DST', policyNumber: 'P', lossDate: '2026-10-20', circumstances: 'Hail' } });
    expect(response.status).toBe(201);
    // Mon 26 … Fri 30 October, end of day in winter time (UTC+1).
    expect(response.json.deadline).toBe('2026-10-30T22:59:59.999Z');
    expect(response.json.policy.workingDays).toBe(5);
    expect(response.json.tracking[0].message).toBe(`${RECEIVED} 30/10/26`);
  });

  it('takes a given date as the end of that day in Brussels, on the day summer time ends', async () => {
    now = new Date('2026-10-23T09:00:00Z');
    const response = await deposit(await parties(), { deadline: '2026-10-25', claim: { claimNumber: 'CL-D', policyNumber: 'P', lossDate: '2026-10-20', circumstances: 'Hail' } });
    expect(response.status).toBe(201);
    expect(response.json.deadline).toBe('2026-10-25T22:59:59.999Z');
    expect(response.json.tracking[0].message).toBe(`${RECEIVED} 25/10/26`);
  });

  it('takes a given date-time as given, and prints it with its time', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const response = await deposit(await parties(), { deadline: '2026-04-20T12:00:00+02:00' });
    expect(response.status).toBe(201);
    expect(response.json.deadline).toBe('2026-04-20T10:00:00.000Z');
    expect(response.json.tracking[0].message).toBe(`${RECEIVED} 20/04/26 A 12:00`);
  });

  it('renders the tracking in Dutch or English as Accept-Language asks', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const created = await deposit(p, { deadline: '2026-04-20' }, { 'accept-language': 'nl-BE,nl;q=0.9,fr;q=0.8' });
    expect(created.json.tracking[0].message).toBe('SMART EXPERTISE: GELIEVE UW BESTEK OP TE STELLEN EN AF TE SLUITEN UITERLIJK OP 20/04/26');
    const english = await request('GET', `/v1/missions/${created.json.id}/tracking`, { token: p.garage, headers: { 'accept-language': 'en' } });
    expect(english.json).toEqual({
      missionId: created.json.id,
      tracking: [
        {
          at: '2026-04-02T08:00:00.000Z',
          code: 'mission.received',
          message: 'SMART EXPERTISE: PLEASE PREPARE AND CLOSE YOUR QUOTE BY 20/04/26 AT THE LATEST',
          params: { deadline: '2026-04-20T21:59:59.999Z' },
        },
      ],
    });
  });
});

describe('idempotent deposit', () => {
  it('answers a re-deposit of the same body with the existing mission, whatever the key order', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const body = depositBody(p);
    const first = await request('POST', '/v1/missions', { token: p.insurer, body });
    expect(first.status).toBe(201);
    now = new Date('2026-04-03T08:00:00Z');
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await request('POST', '/v1/missions', { token: p.insurer, body: reordered });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    expect(again.json.deadline).toBe(first.json.deadline);
    const list = await request('GET', '/v1/missions', { token: p.insurer });
    expect(list.json.items.map((m: { id: string }) => m.id)).toEqual([first.json.id]);
  });

  it('refuses the same reference with another body with 409', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const body = depositBody(p);
    expect((await request('POST', '/v1/missions', { token: p.insurer, body })).status).toBe(201);
    const changed = await request('POST', '/v1/missions', { token: p.insurer, body: { ...body, vehicle: { ...body.vehicle, plate: '1-XYZ-999' } } });
    expect(changed.status).toBe(409);
    expect(changed.json.code).toBe('mission_ref_conflict');
    expect(changed.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('creates one mission when identical deposits race', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const body = depositBody(p);
    const responses = await Promise.all(Array.from({ length: 6 }, () => request('POST', '/v1/missions', { token: p.insurer, body })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    const { rows } = await service.ctx.pool.query('SELECT count(*)::int AS n FROM outbox WHERE mission_id = $1', [responses[0]!.json.id]);
    expect(rows[0].n).toBe(1);
  });

  it('lets two insurers use the same reference', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const [a, b] = [await parties(), await parties()];
    const ref = `SHARED-${uniqueSuffix()}`;
    const first = await deposit(a, { insurerMissionRef: ref });
    const second = await deposit(b, { insurerMissionRef: ref });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.json.id).not.toBe(second.json.id);
  });
});

describe('deposit validation', () => {
  const errorPaths = (json: { errors?: { path: string }[] }) => (json.errors ?? []).map((e) => e.path).sort();

  it('names each field the schema refuses', async () => {
    const p = await parties();
    const body = depositBody(p);
    const response = await request('POST', '/v1/missions', {
      token: p.insurer,
      body: {
        ...body,
        claim: { ...body.claim, claimNumber: undefined, lossDate: '2026-02-30' },
        vehicle: { ...body.vehicle, vin: 'WVWZZZ1JZIW000001', plate: 'AB-12' },
        owner: { ...body.owner, email: 'not-an-email', vatRegime: 'sometimes' },
        directPayment: { ...body.directPayment, ceilingCents: -1 },
      },
    });
    expect(response.status).toBe(400);
    expect(response.json.code).toBe('validation_failed');
    expect(errorPaths(response.json)).toEqual(
      expect.arrayContaining(['/claim/claimNumber', '/claim/lossDate', '/directPayment/ceilingCents', '/owner/email', '/owner/vatRegime', '/vehicle/plate', '/vehicle/vin']),
    );
  });

  it('refuses a VIN of the wrong length', async () => {
    const p = await parties();
    const body = depositBody(p);
    const response = await request('POST', '/v1/missions', { token: p.insurer, body: { ...body, vehicle: { ...body.vehicle, vin: 'WVWZZZ1JZXW00001' } } });
    expect(response.status).toBe(400);
    expect(errorPaths(response.json)).toEqual(['/vehicle/vin']);
  });

  it('names every rule beyond the schema at once: dates in the future, VAT share, deductible, deadline', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const body = depositBody(p);
    const response = await request('POST', '/v1/missions', {
      token: p.insurer,
      body: {
        ...body,
        claim: { ...body.claim, lossDate: '2026-04-03' },
        vehicle: { ...body.vehicle, firstRegistrationDate: '2026-05-01' },
        owner: { ...body.owner, vatRegime: 'partial', vatDeductiblePercent: undefined },
        directPayment: { planned: true, ceilingCents: 100_00, deductibleCents: 200_00 },
        deadline: '2026-04-01',
      },
    });
    expect(response.status).toBe(400);
    expect(response.json.code).toBe('validation_failed');
    expect(errorPaths(response.json)).toEqual([
      '/claim/lossDate',
      '/deadline',
      '/directPayment/deductibleCents',
      '/owner/vatDeductiblePercent',
      '/vehicle/firstRegistrationDate',
    ]);
    const nothing = await request('GET', '/v1/missions', { token: p.insurer });
    expect(nothing.json.items).toEqual([]);
  });

  it('refuses a deductible VAT share for an owner who is not partly registered', async () => {
    const p = await parties();
    const response = await deposit(p, { owner: { name: 'A', phone: '+32 470 00 00 00', email: 'a@example.be', vatRegime: 'none', vatDeductiblePercent: 10 } });
    expect(response.status).toBe(400);
    expect(errorPaths(response.json)).toEqual(['/owner/vatDeductiblePercent']);
  });

  it('refuses a deadline date-time that is already past, or has no offset', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const past = await deposit(p, { deadline: '2026-04-02T09:59:00+02:00' });
    expect(past.status).toBe(400);
    expect(errorPaths(past.json)).toEqual(['/deadline']);
    const local = await deposit(p, { deadline: '2026-04-10T12:00:00' });
    expect(errorPaths(local.json)).toEqual(['/deadline']);
  });
});

describe('access', () => {
  it('shows the mission to its insurer, garage, expert office and ops, and answers 404 to anyone else', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const other = await parties();
    const { id } = (await deposit(p)).json;
    for (const who of [p.insurer, p.garage, p.expert, ops]) {
      expect((await request('GET', `/v1/missions/${id}`, { token: who })).status).toBe(200);
      expect((await request('GET', `/v1/missions/${id}/tracking`, { token: who })).status).toBe(200);
    }
    for (const who of [other.insurer, other.garage, other.expert]) {
      const response = await request('GET', `/v1/missions/${id}`, { token: who });
      expect(response.status).toBe(404);
      const missing = await request('GET', `/v1/missions/m_doesnotexist`, { token: who });
      expect({ status: response.json.status, code: response.json.code, title: response.json.title }).toEqual({
        status: missing.json.status,
        code: missing.json.code,
        title: missing.json.title,
      });
      expect((await request('GET', `/v1/missions/${id}/tracking`, { token: who })).status).toBe(404);
    }
    expect((await request('POST', `/v1/missions/${id}/abandon`, { token: other.garage, body: { reason: 'not mine' } })).status).toBe(404);
    expect((await request('POST', `/v1/missions/${id}/cancel`, { token: other.insurer, body: { reason: 'not mine' } })).status).toBe(404);
  });

  it('never shows the owner’s phone or e-mail to the expert office', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const { id } = (await deposit(p)).json;
    const forExpert = await request('GET', `/v1/missions/${id}`, { token: p.expert });
    expect(forExpert.status).toBe(200);
    expect(forExpert.json.owner).toEqual({ name: 'Marie Dubois', vatRegime: 'partial', vatDeductiblePercent: 50 });
    expect(forExpert.text).not.toContain('marie@example.be');
    expect(forExpert.text).not.toContain('+32 470 00 00 00');
    for (const who of [p.insurer, p.garage, ops]) {
      const shown = await request('GET', `/v1/missions/${id}`, { token: who });
      expect(shown.json.owner).toMatchObject({ phone: '+32 470 00 00 00', email: 'marie@example.be' });
    }
  });

  it('publishes its routes in the OpenAPI document', async () => {
    const docs = await request('GET', '/docs/json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.json.paths)).toEqual(
      expect.arrayContaining([
        '/v1/missions',
        '/v1/missions/{id}',
        '/v1/missions/{id}/tracking',
        '/v1/missions/{id}/abandon',
        '/v1/missions/{id}/cancel',
        '/v1/board',
        '/v1/insurers/{insurerId}/policy',
      ]),
    );
  });

  it('refuses a role the route does not allow with 403, and a missing token with 401', async () => {
    const p = await parties();
    expect((await request('POST', '/v1/missions', { token: p.garage, body: depositBody(p) })).status).toBe(403);
    expect((await request('GET', '/v1/board', { token: p.insurer })).status).toBe(403);
    expect((await request('GET', '/v1/missions', { token: p.garage })).status).toBe(403);
    expect((await request('GET', '/v1/missions')).status).toBe(401);
  });

  it('lists an insurer’s own missions newest first with a cursor, and all of them to ops', async () => {
    const p = await parties();
    const other = await parties();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      now = new Date(Date.UTC(2026, 3, 2, 8, i));
      ids.push((await deposit(p)).json.id);
    }
    now = new Date(Date.UTC(2026, 3, 2, 8, 10));
    const foreign = (await deposit(other)).json.id;
    const first = await request('GET', '/v1/missions?limit=2', { token: p.insurer });
    expect(first.json.items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    const second = await request('GET', `/v1/missions?limit=2&cursor=${first.json.nextCursor}`, { token: p.insurer });
    expect(second.json.items.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    expect(second.json.nextCursor).toBeNull();
    expect((await request('GET', '/v1/missions?status=abandoned', { token: p.insurer })).json.items).toEqual([]);
    const all = await request('GET', '/v1/missions?limit=100', { token: ops });
    expect(all.json.items.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining([...ids, foreign]));
    expect((await request('GET', '/v1/missions?cursor=garbage!', { token: p.insurer })).json.code).toBe('invalid_cursor');
  });
});

describe('insurer policies', () => {
  it('answers the defaults until ops sets a policy, then the policy, to ops and to the insurer itself only', async () => {
    const p = await parties();
    const other = await parties();
    const before = await request('GET', `/v1/insurers/${p.insurerId}/policy`, { token: p.insurer });
    expect(before.json).toMatchObject({ insurerId: p.insurerId, workingDays: 5, minPhotos: 4, isDefault: true, updatedAt: null });

    const policy = { workingDays: 7, minPhotos: 8, reviewThresholds: { agreedLabourRateCents: 60_00, smartCeilingCents: 3_000_00, totalLossRatioPercent: 75 } };
    expect((await request('PUT', `/v1/insurers/${p.insurerId}/policy`, { token: p.insurer, body: policy })).status).toBe(403);
    const put = await request('PUT', `/v1/insurers/${p.insurerId}/policy`, { token: ops, body: policy });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ ...policy, isDefault: false });

    expect((await request('GET', `/v1/insurers/${p.insurerId}/policy`, { token: p.insurer })).json).toMatchObject({ ...policy, isDefault: false });
    expect((await request('GET', `/v1/insurers/${p.insurerId}/policy`, { token: ops })).json).toMatchObject(policy);
    expect((await request('GET', `/v1/insurers/${p.insurerId}/policy`, { token: other.insurer })).status).toBe(404);
    expect((await request('GET', `/v1/insurers/${p.insurerId}/policy`, { token: p.garage })).status).toBe(403);
  });

  it('refuses a policy that is not valid, naming the field', async () => {
    const response = await request('PUT', `/v1/insurers/${org('INS')}/policy`, {
      token: ops,
      body: { workingDays: 0, minPhotos: 4, reviewThresholds: { agreedLabourRateCents: 60_00, smartCeilingCents: 3_000_00, totalLossRatioPercent: 75 } },
    });
    expect(response.status).toBe(400);
    expect(response.json.errors.map((e: { path: string }) => e.path)).toEqual(['/workingDays']);
  });
});

describe('abandon', () => {
  it('closes a new mission in one step with the reason in the tracking, and publishes mission.abandoned and the new status', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const { id } = (await deposit(p)).json;
    now = new Date('2026-04-03T07:30:00Z');
    const response = await request('POST', `/v1/missions/${id}/abandon`, { token: p.garage, body: { reason: 'Client parti chez un autre carrossier' } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id, status: 'abandoned', section: 'closed.abandoned', outcome: 'abandoned' });
    expect(response.json.tracking.at(-1)).toEqual({
      at: '2026-04-03T07:30:00.000Z',
      code: 'mission.abandoned',
      message: 'SMART EXPERTISE : MISSION ABANDONNEE (Client parti chez un autre carrossier)',
      params: { reason: 'Client parti chez un autre carrossier' },
    });
    expect((await request('GET', `/v1/missions/${id}`, { token: p.garage })).json).toEqual(response.json);
    const event = (await probe.waitForEvent((e) => e.missionId === id && e.type === 'mission.abandoned', 'mission.abandoned')) as DomainEvent<'mission.abandoned'>;
    expect(event.payload).toEqual({ garageId: p.garageId, reason: 'Client parti chez un autre carrossier', abandonedAt: '2026-04-03T07:30:00.000Z', abandonedBy: p.garageId });
    const changed = (await probe.waitForEvent((e) => e.missionId === id && e.type === 'mission.status-changed', 'mission.status-changed')) as DomainEvent<'mission.status-changed'>;
    expect(changed.payload).toMatchObject({ status: 'abandoned', section: 'closed.abandoned', outcome: 'abandoned', previousStatus: 'new', reason: 'mission.abandoned', voidedQuoteIds: [] });
    expect(changed.causationId).toBe(event.id);

    const again = await request('POST', `/v1/missions/${id}/abandon`, { token: p.garage, body: { reason: 'twice' } });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('mission_not_new');
  });

  it('requires a reason', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const { id } = (await deposit(p)).json;
    const empty = await request('POST', `/v1/missions/${id}/abandon`, { token: p.garage, body: { reason: '' } });
    expect(empty.status).toBe(400);
    expect(empty.json.errors.map((e: { path: string }) => e.path)).toEqual(['/reason']);
    const blank = await request('POST', `/v1/missions/${id}/abandon`, { token: p.garage, body: { reason: '   ' } });
    expect(blank.status).toBe(400);
    expect(blank.json.code).toBe('reason_required');
    expect((await request('GET', `/v1/missions/${id}`, { token: p.garage })).json.status).toBe('new');
  });

  it('is refused once the deadline has passed', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const { id } = (await deposit(p, { deadline: '2026-04-03' })).json;
    now = new Date('2026-04-04T08:00:00Z');
    const response = await request('POST', `/v1/missions/${id}/abandon`, { token: p.garage, body: { reason: 'too late' } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('deadline_passed');
  });

  it('is refused to the insurer and the expert', async () => {
    now = new Date('2026-04-02T08:00:00Z');
    const p = await parties();
    const { id } = (await deposit(p)).json;
    for (const who of [p.insurer, p.expert, ops]) {
      expect((await request('POST', `/v1/missions/${id}/abandon`, { token: who, body: { reason: 'x' } })).status).toBe(403);
    }
  });
});

describe('board', () => {
  it('counts the garage’s missions per section and pages one section newest first', async () => {
    const p = await parties();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      now = new Date(Date.UTC(2026, 3, 2, 8, i));
      ids.push((await deposit(p)).json.id);
    }
    now = new Date(Date.UTC(2026, 3, 2, 9, 0));
    expect((await request('POST', `/v1/missions/${ids[1]}/abandon`, { token: p.garage, body: { reason: 'duplicate claim' } })).status).toBe(200);
    // Another garage's mission shows on neither count nor page.
    await deposit(await parties());

    const first = await request('GET', '/v1/board?limit=2', { token: p.garage });
    expect(first.status).toBe(200);
    expect(first.json.counts).toEqual({
      'smart.new': 4,
      'smart.under_analysis': 0,
      'smart.remote_intervention': 0,
      'smart.onsite_intervention': 0,
      'smart.information_requested': 0,
      'smart.closed': 0,
      'classic.expired': 0,
      'closed.abandoned': 1,
      'closed.cancelled': 0,
    });
    expect(first.json.section).toBe('smart.new');
    expect(first.json.items.map((m: { id: string }) => m.id)).toEqual([ids[4], ids[3]]);
    expect(first.json.items[0]).toMatchObject({
      insurerMissionRef: expect.any(String),
      claimNumber: expect.any(String),
      plate: '1-ABC-123',
      make: 'Volkswagen',
      model: 'Golf',
      status: 'new',
      section: 'smart.new',
      lastTracking: { code: 'mission.received', message: expect.stringContaining(RECEIVED) },
    });
    const second = await request('GET', `/v1/board?limit=2&cursor=${first.json.nextCursor}`, { token: p.garage });
    expect(second.json.items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[0]]);
    expect(second.json.nextCursor).toBeNull();
    expect((await request('GET', '/v1/board?cursor=not-ours', { token: p.garage })).json.code).toBe('invalid_cursor');

    const abandoned = await request('GET', '/v1/board?section=closed.abandoned', { token: p.garage, headers: { 'accept-language': 'en' } });
    expect(abandoned.json.items.map((m: { id: string }) => m.id)).toEqual([ids[1]]);
    expect(abandoned.json.items[0].lastTracking.message).toBe('SMART EXPERTISE: MISSION ABANDONED (duplicate claim)');
    // An empty section still brings the counts; a garage with nothing has every count at 0.
    const empty = await request('GET', '/v1/board?section=smart.closed', { token: p.garage });
    expect(empty.json).toEqual({ counts: first.json.counts, section: 'smart.closed', items: [], nextCursor: null });
    const newcomer = await request('GET', '/v1/board', { token: await token({ role: 'garage', org: org('G') }) });
    expect(Object.values(newcomer.json.counts)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(newcomer.json.items).toEqual([]);
    expect((await request('GET', '/v1/board?section=nowhere', { token: p.garage })).status).toBe(400);
    expect((await request('GET', '/v1/board?limit=101', { token: p.garage })).status).toBe(400);
  });

  it('walks the board index, never the whole table, for a garage with 100,000 missions', async () => {
    const garageId = org('BIG');
    const pool = service.ctx.pool;
    await pool.query(
      `INSERT INTO missions (id, insurer_id, insurer_mission_ref, garage_id, expert_office_id, snapshot, request_hash, deadline,
                             received_at, policy, status, section, outcome, payment_requested, updated_at)
       SELECT 'bulk_' || $1 || '_' || i, 'INSBULK', $1 || '-' || i, $1, 'EXPBULK',
              jsonb_build_object('claim', jsonb_build_object('claimNumber', 'CL' || i), 'vehicle', jsonb_build_object('plate', '1-ABC-123', 'make', 'VW', 'model', 'Golf')),
              'h', timestamptz '2026-01-01' + i * interval '1 minute' + interval '30 days',
              timestamptz '2026-01-01' + i * interval '1 minute', '{}'::jsonb,
              (ARRAY['new','under_analysis','closed','expired'])[i % 4 + 1],
              (ARRAY['smart.new','smart.under_analysis','smart.closed','classic.expired'])[i % 4 + 1],
              CASE WHEN i % 4 = 2 THEN 'validated' END, false, now()
       FROM generate_series(1, 100000) AS i`,
      [garageId],
    );
    await pool.query('ANALYZE missions');

    const plan = async (sql: string, params: unknown[]) => {
      const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      return JSON.stringify(rows[0]['QUERY PLAN']);
    };
    const firstPage = await plan(BOARD_FIRST_PAGE_SQL, [garageId, 'smart.new', 21]);
    const nextPage = await plan(BOARD_NEXT_PAGE_SQL, [garageId, 'smart.new', '2026-02-15T00:00:00Z', 'bulk_x', 21]);
    console.info(`board first page plan: ${firstPage}\nboard next page plan: ${nextPage}`);
    for (const text of [firstPage, nextPage]) {
      expect(text).toMatch(/"Node Type":"Index (Only )?Scan"/);
      expect(text).toContain('"Index Name":"missions_board_idx"');
      expect(text).not.toContain('Seq Scan');
      expect(text).not.toContain('"Node Type":"Sort"');
    }
    // The statement the board runs: the same page beside the counts, still never the whole table.
    type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
    const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
    for (const text of [await plan(BOARD_FIRST_VIEW_SQL, [garageId, 'smart.new', 21]), await plan(BOARD_NEXT_VIEW_SQL, [garageId, 'smart.new', '2026-02-15T00:00:00Z', 'bulk_x', 21])]) {
      const all = nodes((JSON.parse(text) as Array<{ Plan: PlanNode }>)[0]!.Plan);
      const onMissions = all.filter((n) => n['Relation Name'] === 'missions');
      expect(onMissions.map((n) => [n['Node Type'], n['Index Name']])).toEqual([[expect.stringMatching(/^Index (Only )?Scan$/), 'missions_board_idx']]);
      expect(all.some((n) => n['Node Type'] === 'Sort' && n.Plans?.some((c) => c['Relation Name'] === 'missions'))).toBe(false);
    }

    const garage = await token({ role: 'garage', org: garageId });
    const started = performance.now();
    const page = await request('GET', '/v1/board?section=smart.new&limit=50', { token: garage });
    const elapsed = performance.now() - started;
    console.info(`board of a garage with 100,000 missions answered in ${elapsed.toFixed(1)} ms`);
    expect(page.status).toBe(200);
    expect(page.json.counts['smart.new']).toBe(25_000);
    expect(page.json.items).toHaveLength(50);
    expect(page.json.items[0].id).toBe(`bulk_${garageId}_100000`);

    // The counts follow moves between sections and deletions, whichever connection makes them.
    await Promise.all([
      pool.query(`UPDATE missions SET section = 'smart.closed', status = 'closed' WHERE garage_id = $1 AND section = 'smart.new' AND id LIKE '%2'`, [garageId]),
      pool.query(`UPDATE missions SET section = 'classic.expired', status = 'expired' WHERE garage_id = $1 AND section = 'smart.under_analysis' AND id LIKE '%3'`, [garageId]),
      pool.query(`UPDATE missions SET updated_at = now() WHERE garage_id = $1 AND id LIKE '%7'`, [garageId]),
    ]);
    await pool.query(`DELETE FROM missions WHERE garage_id = $1 AND id LIKE '%9'`, [garageId]);
    // ... and whatever that connection's search_path (an operator's psql names the schema instead).
    const operator = await pool.connect();
    try {
      await operator.query('SET search_path TO public');
      await operator.query(`UPDATE ${quoteIdent(service.ctx.config.DB_SCHEMA!)}.missions SET section = 'smart.closed', status = 'closed' WHERE garage_id = $1 AND section = 'smart.under_analysis' AND id LIKE '%1'`, [garageId]);
    } finally {
      await operator.query('RESET search_path');
      operator.release();
    }
    const { rows } = await pool.query('SELECT section, count(*)::int AS n FROM missions WHERE garage_id = $1 GROUP BY section', [garageId]);
    const expected = Object.fromEntries(SECTIONS.map((s) => [s, rows.find((r) => r.section === s)?.n ?? 0]));
    const moved = await request('GET', '/v1/board?section=smart.closed&limit=1', { token: garage });
    expect(moved.json.counts).toEqual(expected);
    expect(moved.json.counts['smart.new']).toBeLessThan(25_000);
  });
});
