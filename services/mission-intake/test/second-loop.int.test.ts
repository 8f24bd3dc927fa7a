// The second loop against the real PostgreSQL and Kafka: the insurer's deadline extension, the
// expert's request for information and the garage's answer, an unanswered request expiring, and
// supplements making the approved total. Each step is shown in the tracking and announced by a
// verdict the other services follow (its `deadline` is the one that holds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type DomainEvent, type EventPayload } from '@smart-expertise/contracts';
import { createEventProbe, httpClient, testEnvironment, token, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildMissionIntake } from '../src/service.ts';
import { EXPERT, depositMission, org, publisher, quoteSubmitted, reviewDecided, shownWhen, type Mission } from './support.ts';

const topicPrefix = `t${uniqueSuffix()}.`;
// Thursday 2 April 2026; every mission here is due by the end of Friday 10 April in Brussels.
const DEPOSITED = new Date('2026-04-02T08:00:00Z');
const DEADLINE = '2026-04-10T21:59:59.999Z';
const RESPOND_BY = '2026-04-15T21:59:59.999Z';
let now = DEPOSITED;
let service: Awaited<ReturnType<typeof buildMissionIntake>>;
let probe: Awaited<ReturnType<typeof createEventProbe>>;
let request: ReturnType<typeof httpClient>;

const publish = publisher(topicPrefix);

async function newMission(): Promise<Mission> {
  now = DEPOSITED;
  return depositMission(request);
}

type Shown = {
  status: string;
  section: string;
  deadline: string;
  transmission: number;
  approvedTotalCents: number | null;
  supplements: { number: number; status: string; note: string | null }[];
  lastDecision: { decision: string; note: string | null } | null;
  tracking: { code: string; message: string; params: Record<string, string> }[];
};

const missionWhen = (mission: Mission, predicate: (m: Shown) => boolean, message: string, lang = 'fr') => shownWhen(request, mission, predicate, message, lang);

async function verdictWhen(missionId: string, match: (p: EventPayload<'mission.status-changed'>) => boolean, what: string) {
  return (await probe.waitForEvent(
    (e) => e.missionId === missionId && e.type === 'mission.status-changed' && match((e as DomainEvent<'mission.status-changed'>).payload),
    what,
  )) as DomainEvent<'mission.status-changed'>;
}

const codes = (m: Shown) => m.tracking.map((t) => t.code);

function requestInformation(mission: Mission, quoteId: string, sequence: number, decidedAt: string, transmission = 1): EventPayload<'review.decided'> {
  return { ...reviewDecided(mission.expertOfficeId, quoteId, 'request_information', sequence, decidedAt, 'Photo de la jante arrière'), transmission, respondBy: RESPOND_BY };
}

beforeAll(async () => {
  service = await buildMissionIntake(testEnvironment('mission-intake', {}, { topicPrefix }), { clock: () => now });
  request = httpClient(await service.start());
  probe = await createEventProbe([topicPrefix + Topics.missionIntake]);
});

afterAll(async () => {
  await probe?.stop();
  await service?.stop();
});

describe('deadline extension by the insurer', () => {
  it('moves the deadline of a new mission, shows it, and publishes the step and the verdict with the new deadline', async () => {
    const mission = await newMission();
    now = new Date('2026-04-08T09:00:00Z');
    const response = await request('POST', `/v1/missions/${mission.id}/deadline`, { token: mission.insurer, body: { deadline: '2026-04-17' } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'new', section: 'smart.new', deadline: '2026-04-17T21:59:59.999Z' });
    expect(response.json.tracking.at(-1)).toMatchObject({
      code: 'deadline.extended',
      message: 'SMART EXPERTISE : LA COMPAGNIE A PROLONGE LE DELAI, VEUILLEZ CLOTURER VOTRE DEVIS AU PLUS TARD LE 17/04/26',
      params: { deadline: '2026-04-17T21:59:59.999Z' },
    });
    const extended = await probe.waitForEvent((e) => e.missionId === mission.id && e.type === 'mission.deadline-extended', 'mission.deadline-extended');
    expect(extended.payload).toMatchObject({ previousDeadline: DEADLINE, deadline: '2026-04-17T21:59:59.999Z', extendedAt: '2026-04-08T09:00:00.000Z' });
    const verdict = await verdictWhen(mission.id, (p) => p.deadline === '2026-04-17T21:59:59.999Z', 'verdict with the new deadline');
    expect(verdict.payload).toMatchObject({ status: 'new', reason: 'deadline.extended' });

    const board = await request('GET', '/v1/board?section=smart.new', { token: mission.garage });
    expect(board.json.items.find((m: { id: string }) => m.id === mission.id)).toMatchObject({ deadline: '2026-04-17T21:59:59.999Z' });
  });

  it('refuses an earlier date, a date in the past, an invalid date, another insurer, and a mission the garage already closed', async () => {
    const mission = await newMission();
    const extend = (deadline: string, insurer = mission.insurer) => request('POST', `/v1/missions/${mission.id}/deadline`, { token: insurer, body: { deadline } });
    expect((await extend('2026-04-09')).json).toMatchObject({ status: 422, code: 'deadline_not_later' });
    expect((await extend('2026-04-01')).json).toMatchObject({ status: 400, code: 'invalid_deadline' });
    expect((await extend('2026-02-30')).json).toMatchObject({ status: 400, code: 'invalid_deadline', errors: [{ path: '/deadline' }] });
    expect((await extend('2026-04-20', await token({ role: 'insurer', org: org('INS') }))).status).toBe(404);
    expect((await request('POST', `/v1/missions/${mission.id}/deadline`, { token: mission.garage, body: { deadline: '2026-04-20' } })).status).toBe(403);

    await publish('quote.submitted', mission.id, quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-03T10:00:00.000Z'));
    await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis');
    expect((await extend('2026-04-20')).json).toMatchObject({ status: 409, code: 'mission_not_awaiting_garage' });
  });

  it('refuses once the deadline that holds has passed', async () => {
    const mission = await newMission();
    now = new Date('2026-04-11T08:00:00Z');
    const response = await request('POST', `/v1/missions/${mission.id}/deadline`, { token: mission.insurer, body: { deadline: '2026-04-20' } });
    expect(response.json).toMatchObject({ status: 409, code: 'deadline_passed' });
  });
});

describe('information requested', () => {
  it('returns the quote to the garage, waits for its answer, then validates; supplements make the approved total', async () => {
    const mission = await newMission();
    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-03T10:00:00.000Z');
    await publish('quote.submitted', mission.id, { ...quote, transmission: 1 });
    await publish('review.decided', mission.id, requestInformation(mission, quote.quoteId, 1, '2026-04-06T10:00:00.000Z'));

    const waiting = await missionWhen(mission, (m) => m.status === 'information_requested', 'information_requested');
    expect(waiting).toMatchObject({ section: 'smart.information_requested', deadline: RESPOND_BY, transmission: 1, lastDecision: { decision: 'request_information', note: 'Photo de la jante arrière' } });
    expect(waiting.tracking.at(-1)!.message).toBe(
      "SMART EXPERTISE : L'EXPERT DEMANDE DES INFORMATIONS COMPLEMENTAIRES (Photo de la jante arrière), VEUILLEZ COMPLETER ET CLOTURER A NOUVEAU VOTRE DEVIS AU PLUS TARD LE 15/04/26 " +
        `(${EXPERT.name} - ${EXPERT.phone})`,
    );
    const returned = await verdictWhen(mission.id, (p) => p.status === 'information_requested', 'verdict information_requested');
    expect(returned.payload).toMatchObject({ deadline: RESPOND_BY, quoteId: quote.quoteId, transmission: 1, section: 'smart.information_requested' });
    const board = await request('GET', '/v1/board?section=smart.information_requested', { token: mission.garage });
    expect(board.json.counts['smart.information_requested']).toBe(1);
    expect(board.json.items.map((m: { id: string }) => m.id)).toEqual([mission.id]);

    // The insurer gives the garage a few more days to answer.
    now = new Date('2026-04-07T09:00:00Z');
    const extended = await request('POST', `/v1/missions/${mission.id}/deadline`, { token: mission.insurer, body: { deadline: '2026-04-20' } });
    expect(extended.json).toMatchObject({ status: 'information_requested', deadline: '2026-04-20T21:59:59.999Z' });

    await publish('quote.submitted', mission.id, { ...quote, closedAt: '2026-04-16T10:00:00.000Z', transmission: 2 });
    const answered = await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis again', 'en');
    expect(answered.transmission).toBe(2);
    expect(answered.tracking.at(-1)).toMatchObject({ code: 'quote.retransmitted', message: 'SMART EXPERTISE TRACKING: YOUR COMPLETED QUOTE IS UNDER ANALYSIS, PLEASE WAIT FOR CONFIRMATION' });

    await publish('review.decided', mission.id, { ...reviewDecided(mission.expertOfficeId, quote.quoteId, 'validate', 2, '2026-04-17T10:00:00.000Z'), transmission: 2 });
    const validated = await missionWhen(mission, (m) => m.status === 'closed', 'closed');
    expect(validated).toMatchObject({ approvedTotalCents: 484_00 });
    const verdict = await verdictWhen(mission.id, (p) => p.status === 'closed', 'verdict closed');
    expect(verdict.payload).toMatchObject({ transmission: 2, approvedTotalCents: 484_00 });

    const calculation = { ...quote.calculation!, lines: [{ kind: 'part' as const, description: 'Rear rim', quantity: 1, unitPriceCents: 100_00, totalCents: 100_00 }], totalExclVatCents: 100_00, vatCents: 21_00, totalInclVatCents: 121_00 };
    await publish('supplement.submitted', mission.id, {
      quoteId: quote.quoteId,
      supplementId: 'sup_1',
      garageId: mission.garageId,
      expertOfficeId: mission.expertOfficeId,
      number: 1,
      reason: 'Jante fissurée découverte au démontage',
      calculation,
      photos: [],
      submittedAt: '2026-04-20T10:00:00.000Z',
    });
    await publish('supplement.decided', mission.id, {
      reviewId: `rv_${quote.quoteId}`,
      quoteId: quote.quoteId,
      supplementId: 'sup_1',
      expertOfficeId: mission.expertOfficeId,
      number: 1,
      decision: 'approve',
      note: null,
      expertName: EXPERT.name,
      expertPhone: EXPERT.phone,
      totalInclVatCents: 121_00,
      decidedAt: '2026-04-21T10:00:00.000Z',
    });
    const approved = await missionWhen(mission, (m) => m.approvedTotalCents === 605_00, 'approved total with the supplement');
    expect(approved.supplements).toMatchObject([{ number: 1, status: 'approved' }]);
    expect(codes(approved).slice(-2)).toEqual(['supplement.submitted', 'supplement.approved']);
    expect(approved.tracking.at(-1)!.message).toBe("SMART EXPERTISE : SUPPLEMENT N° 1 (121,00 € TVAC) APPROUVE PAR L'EXPERT, MONTANT APPROUVE 605,00 € TVAC");
  });

  it('expires an unanswered request to a classic expertise, exactly once, and voids the quote', async () => {
    const mission = await newMission();
    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-03T10:00:00.000Z');
    await publish('quote.submitted', mission.id, quote);
    await publish('review.decided', mission.id, requestInformation(mission, quote.quoteId, 1, '2026-04-06T10:00:00.000Z'));
    await missionWhen(mission, (m) => m.status === 'information_requested', 'information_requested');

    const expiry: EventPayload<'mission.expired'> = { deadline: RESPOND_BY, expiredAt: '2026-04-16T00:00:05.000Z', runId: 'run-1' };
    await publish('mission.expired', mission.id, expiry);
    await publish('mission.expired', mission.id, { ...expiry, runId: 'run-2', expiredAt: '2026-04-16T00:01:05.000Z' });
    const expired = await missionWhen(mission, (m) => m.status === 'expired', 'expired');
    expect(expired).toMatchObject({ section: 'classic.expired' });
    expect(codes(expired).filter((c) => c === 'mission.expired')).toHaveLength(1);
    const verdict = await verdictWhen(mission.id, (p) => p.status === 'expired', 'verdict expired');
    expect(verdict.payload).toMatchObject({ voidedQuoteIds: [quote.quoteId], quoteId: null });

    // The garage's answer after the due date never counts.
    await publish('quote.submitted', mission.id, { ...quote, closedAt: '2026-04-16T10:00:00.000Z', transmission: 2 });
    await waitFor(
      async () => {
        // received, the close, the request, two expiries, the late answer
        const facts = await service.ctx.pool.query('SELECT count(*)::int AS n FROM mission_facts WHERE mission_id = $1', [mission.id]);
        return facts.rows[0].n >= 6 ? true : undefined;
      },
      { message: 'every fact recorded', timeoutMs: 45_000, intervalMs: 100 },
    );
    const after = await request('GET', `/v1/missions/${mission.id}`, { token: mission.garage });
    expect(after.json).toMatchObject({ status: 'expired', transmission: 1 });
    expect(verdicts(mission.id).filter((e) => e.payload.status === 'expired')).toHaveLength(1);
  });
});

const verdicts = (missionId: string) =>
  probe.events.filter((e): e is DomainEvent<'mission.status-changed'> & { topic: string } => e.missionId === missionId && e.type === 'mission.status-changed');
