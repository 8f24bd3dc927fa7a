// The insurer's cancel, and the verdict mission-intake publishes each time it changes, against the
// real PostgreSQL and Kafka: late events that void what was shown, with the tracking saying why
// and a mission.status-changed telling the other services; the decision as fields; the owner's
// contact kept from the expert office.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type DomainEvent } from '@smart-expertise/contracts';
import { createEventProbe, httpClient, testEnvironment, token, uniqueSuffix } from '@smart-expertise/service-runtime/testing';
import { buildMissionIntake } from '../src/service.ts';
import { EXPERT, depositMission, org, publisher, quoteSubmitted, reviewDecided, shownWhen, type Mission } from './support.ts';

const topicPrefix = `t${uniqueSuffix()}.`;
// Thursday 2 April 2026; every mission here is due by the end of Friday 10 April in Brussels.
const DEPOSITED = new Date('2026-04-02T08:00:00Z');
const DEADLINE = '2026-04-10T21:59:59.999Z';
let now = DEPOSITED;
let service: Awaited<ReturnType<typeof buildMissionIntake>>;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let request: ReturnType<typeof httpClient>;
let ops: string;

const publish = publisher(topicPrefix);

async function newMission(): Promise<Mission> {
  now = DEPOSITED;
  return depositMission(request);
}

type Shown = {
  status: string;
  section: string;
  outcome: string | null;
  expert: { name: string; phone: string } | null;
  lastDecision: { decision: string; note: string | null; at: string } | null;
  tracking: { at: string; code: string; message: string; params: Record<string, string> }[];
};

const missionWhen = (mission: Mission, predicate: (m: Shown) => boolean, message: string) => shownWhen(request, mission, predicate, message);

/** The verdicts published for the mission so far, oldest first. */
const verdicts = (missionId: string) =>
  probe.events.filter((e): e is DomainEvent<'mission.status-changed'> & { topic: string } => e.missionId === missionId && e.type === 'mission.status-changed');

async function verdictWhen(missionId: string, status: string): Promise<DomainEvent<'mission.status-changed'>> {
  return (await probe.waitForEvent(
    (e) => e.missionId === missionId && e.type === 'mission.status-changed' && (e as DomainEvent<'mission.status-changed'>).payload.status === status,
    `mission.status-changed to ${status}`,
  )) as DomainEvent<'mission.status-changed'>;
}

const codes = (m: Shown) => m.tracking.map((t) => t.code);

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

describe('insurer cancel', () => {
  it('cancels a mission under analysis, voids its closed quote, and publishes mission.cancelled and the new verdict', async () => {
    const mission = await newMission();
    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-03T10:00:00.000Z');
    await publish('quote.submitted', mission.id, quote);
    await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis');

    now = new Date('2026-04-03T12:00:00Z');
    const response = await request('POST', `/v1/missions/${mission.id}/cancel`, {
      token: mission.insurer,
      body: { reason: 'Sinistre réglé avec la partie adverse' },
      headers: { 'accept-language': 'en' },
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: mission.id, status: 'cancelled', section: 'closed.cancelled', outcome: 'cancelled', updatedAt: '2026-04-03T12:00:00.000Z' });
    expect(response.json.tracking.at(-1)).toEqual({
      at: '2026-04-03T12:00:00.000Z',
      code: 'mission.cancelled',
      message: 'SMART EXPERTISE: MISSION CANCELLED BY THE INSURER (Sinistre réglé avec la partie adverse)',
      params: { reason: 'Sinistre réglé avec la partie adverse' },
    });

    const cancelled = (await probe.waitForEvent((e) => e.missionId === mission.id && e.type === 'mission.cancelled', 'mission.cancelled')) as DomainEvent<'mission.cancelled'>;
    expect(cancelled.payload).toEqual({
      insurerId: mission.insurerId,
      reason: 'Sinistre réglé avec la partie adverse',
      cancelledAt: '2026-04-03T12:00:00.000Z',
      cancelledBy: mission.insurerId,
    });
    expect(cancelled.correlationId).toBe(response.headers.get('x-request-id'));
    const verdict = await verdictWhen(mission.id, 'cancelled');
    expect(verdict.payload).toEqual({
      insurerId: mission.insurerId,
      garageId: mission.garageId,
      expertOfficeId: mission.expertOfficeId,
      status: 'cancelled',
      section: 'closed.cancelled',
      outcome: 'cancelled',
      previousStatus: 'under_analysis',
      reason: 'mission.cancelled',
      changedAt: '2026-04-03T12:00:00.000Z',
      // received, the close, the cancel: the third fact of the mission.
      sequence: 3,
      deadline: DEADLINE,
      quoteId: null,
      procedure: null,
      voidedQuoteIds: [quote.quoteId],
      expert: null,
      lastDecision: null,
      transmission: 1,
      approvedTotalCents: null,
      tracking: [
        { at: '2026-04-03T12:00:00.000Z', code: 'mission.cancelled', params: { reason: 'Sinistre réglé avec la partie adverse' } },
      ],
    });
    expect(verdict.causationId).toBe(cancelled.id);

    const trail = await request('GET', `/v1/missions/${mission.id}/audit`, { token: ops });
    expect(trail.json.entries.at(-1)).toMatchObject({ actorRole: 'insurer', actorOrg: mission.insurerId, action: 'cancelled', fromStatus: 'under_analysis', toStatus: 'cancelled' });
    const board = await request('GET', '/v1/board?section=closed.cancelled', { token: mission.garage });
    expect(board.json.counts['closed.cancelled']).toBe(1);
    expect(board.json.items.map((m: { id: string }) => m.id)).toEqual([mission.id]);
    const listed = await request('GET', '/v1/missions?status=cancelled', { token: mission.insurer });
    expect(listed.json.items.map((m: { id: string }) => m.id)).toEqual([mission.id]);
  });

  it('is refused with 409 mission_final once the expert has validated', async () => {
    const mission = await newMission();
    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-03T10:00:00.000Z');
    await publish('quote.submitted', mission.id, quote);
    await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, quote.quoteId, 'validate', 1, '2026-04-03T11:00:00.000Z'));
    await missionWhen(mission, (m) => m.status === 'closed', 'closed');
    now = new Date('2026-04-03T12:00:00Z');
    const response = await request('POST', `/v1/missions/${mission.id}/cancel`, { token: mission.insurer, body: { reason: 'too late' } });
    expect(response.status).toBe(409);
    expect(response.json.code).toBe('mission_final');
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await request('GET', `/v1/missions/${mission.id}`, { token: mission.insurer })).json.status).toBe('closed');
  });

  it('answers 404 to another insurer, as for a missing mission, and 403 to the garage', async () => {
    const mission = await newMission();
    const other = await token({ role: 'insurer', org: org('INS') });
    const response = await request('POST', `/v1/missions/${mission.id}/cancel`, { token: other, body: { reason: 'not mine' } });
    expect(response.status).toBe(404);
    expect(response.json.code).toBe('mission_not_found');
    expect((await request('POST', `/v1/missions/${mission.id}/cancel`, { token: mission.garage, body: { reason: 'x' } })).status).toBe(403);
    expect((await request('GET', `/v1/missions/${mission.id}`, { token: mission.insurer })).json.status).toBe('new');
  });

  it('is refused for a new mission past its deadline, and without a reason', async () => {
    const mission = await newMission();
    const blank = await request('POST', `/v1/missions/${mission.id}/cancel`, { token: mission.insurer, body: { reason: '   ' } });
    expect(blank.status).toBe(400);
    expect(blank.json.code).toBe('reason_required');
    now = new Date('2026-04-11T08:00:00Z');
    const late = await request('POST', `/v1/missions/${mission.id}/cancel`, { token: mission.insurer, body: { reason: 'late' } });
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('deadline_passed');
  });
});

describe('late events void what was shown, and say so', () => {
  it('voids an abandon when a quote closed before it is learned later', async () => {
    const mission = await newMission();
    now = new Date('2026-04-03T12:00:00Z');
    const abandon = await request('POST', `/v1/missions/${mission.id}/abandon`, { token: mission.garage, body: { reason: 'customer went elsewhere' } });
    expect(abandon.json.status).toBe('abandoned');
    await verdictWhen(mission.id, 'abandoned');

    // A colleague closed the quote an hour before the abandon; its event arrives only now.
    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-03T11:00:00.000Z');
    await publish('quote.submitted', mission.id, quote);
    const shown = await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis after the abandon');
    expect(shown).toMatchObject({ section: 'smart.under_analysis', outcome: null });
    expect(codes(shown)).toEqual(['mission.received', 'quote.under_analysis', 'abandon.voided']);
    expect(shown.tracking.at(-1)).toMatchObject({
      at: '2026-04-03T12:00:00.000Z',
      params: { at: '2026-04-03T11:00:00.000Z' },
      message: "SMART EXPERTISE : L'ABANDON EST SANS EFFET, UN DEVIS AVAIT ETE CLOTURE LE 03/04/26 A 13:00",
    });
    const verdict = await verdictWhen(mission.id, 'under_analysis');
    expect(verdict.payload).toMatchObject({ previousStatus: 'abandoned', reason: 'abandon.voided', quoteId: quote.quoteId, procedure: 'standard', voidedQuoteIds: [] });
    expect(verdicts(mission.id).map((v) => v.payload.status)).toEqual(['abandoned', 'under_analysis']);
  });

  it('voids an expiry when a quote closed on time is learned after it', async () => {
    const mission = await newMission();
    await publish('mission.expired', mission.id, { deadline: DEADLINE, expiredAt: '2026-04-10T22:00:05.000Z', runId: `run-${uniqueSuffix()}` });
    await missionWhen(mission, (m) => m.status === 'expired', 'expired');
    const expired = await verdictWhen(mission.id, 'expired');
    expect(expired.payload).toMatchObject({ previousStatus: 'new', reason: 'mission.expired', section: 'classic.expired' });

    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-10T21:30:00.000Z');
    await publish('quote.submitted', mission.id, quote);
    const shown = await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis after the expiry');
    expect(shown.section).toBe('smart.under_analysis');
    expect(codes(shown)).toEqual(['mission.received', 'quote.under_analysis', 'expiry.voided']);
    expect(shown.tracking.at(-1)?.params).toEqual({ at: '2026-04-10T21:30:00.000Z' });
    const verdict = await verdictWhen(mission.id, 'under_analysis');
    expect(verdict.payload).toMatchObject({ previousStatus: 'expired', reason: 'expiry.voided', section: 'smart.under_analysis', quoteId: quote.quoteId });
  });
});

describe('the decision as fields', () => {
  it('gives the expert, the last decision and each entry’s values once the expert has decided', async () => {
    const mission = await newMission();
    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-09T14:00:00.000Z');
    await publish('quote.submitted', mission.id, quote);
    await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, quote.quoteId, 'remote_intervention', 1, '2026-04-09T15:00:00.000Z', 'Appelez-moi avant midi'));
    const shown = await missionWhen(mission, (m) => m.status === 'remote_intervention', 'remote_intervention');
    expect(shown.expert).toEqual({ name: EXPERT.name, phone: EXPERT.phone });
    expect(shown.lastDecision).toEqual({ decision: 'remote_intervention', note: 'Appelez-moi avant midi', at: '2026-04-09T15:00:00.000Z' });
    expect(shown.tracking.map((t) => t.params)).toEqual([
      { deadline: DEADLINE },
      {},
      { decision: 'remote_intervention', expertName: EXPERT.name, expertPhone: EXPERT.phone, note: 'Appelez-moi avant midi' },
    ]);
    const verdict = await verdictWhen(mission.id, 'remote_intervention');
    expect(verdict.payload).toMatchObject({
      expert: { name: EXPERT.name, phone: EXPERT.phone },
      lastDecision: { decision: 'remote_intervention', note: 'Appelez-moi avant midi', at: '2026-04-09T15:00:00.000Z' },
    });

    // The expert office reads the same fields, without the owner's phone and e-mail.
    const forExpert = await request('GET', `/v1/missions/${mission.id}`, { token: mission.expert });
    expect(forExpert.json).toMatchObject({ expert: shown.expert, lastDecision: shown.lastDecision });
    expect(forExpert.json.owner).not.toHaveProperty('phone');
    expect(forExpert.json.owner).not.toHaveProperty('email');
    const tracking = await request('GET', `/v1/missions/${mission.id}/tracking`, { token: mission.garage });
    expect(tracking.json.tracking.at(-1).params).toMatchObject({ expertName: EXPERT.name, expertPhone: EXPERT.phone });
  });
});
