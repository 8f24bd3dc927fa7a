// Every state transition driven by real events on Kafka, as quote, expert-review and the
// expiry-scheduler publish them; the mission's GET shows the new status, section and tracking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@smart-expertise/contracts';
import { httpClient, publishRaw, testEnvironment, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { buildMissionIntake } from '../src/service.ts';
import { EXPERT, depositMission, envelope, publisher, quoteSubmitted, reviewDecided, shownWhen, type Mission } from './support.ts';

const topicPrefix = `t${uniqueSuffix()}.`;
// Thursday 2 April 2026; every mission here is due by the end of Friday 10 April in Brussels.
const now = new Date('2026-04-02T08:00:00Z');
const DEADLINE = '2026-04-10T21:59:59.999Z';
const BEFORE_DEADLINE = '2026-04-09T14:00:00.000Z';
let service: Awaited<ReturnType<typeof buildMissionIntake>>;
let request: ReturnType<typeof httpClient>;

const publish = publisher(topicPrefix);

async function newMission(): Promise<Mission> {
  const mission = await depositMission(request);
  expect(mission.deadline).toBe(DEADLINE);
  return mission;
}

type Shown = { status: string; section: string; outcome: string | null; paymentRequested: boolean; tracking: { at: string; code: string; message: string }[] };

/** Waits for the garage's view of the mission to satisfy `predicate`. */
const missionWhen = (mission: Mission, predicate: (m: Shown) => boolean, message: string) => shownWhen(request, mission, predicate, message);

const lastMessage = (m: Shown) => m.tracking.at(-1)?.message;

beforeAll(async () => {
  service = await buildMissionIntake(testEnvironment('mission-intake', {}, { topicPrefix }), { clock: () => now });
  request = httpClient(await service.start());
});

afterAll(async () => {
  await service?.stop();
});

describe('lifecycle driven by events on Kafka', () => {
  it('follows a standard quote through every expert decision to validation and direct payment', async () => {
    const mission = await newMission();

    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, BEFORE_DEADLINE);
    await publish('quote.submitted', mission.id, quote);
    let shown = await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis');
    expect(shown).toMatchObject({ section: 'smart.under_analysis', outcome: null });
    expect(lastMessage(shown)).toBe("SUIVI SMART EXPERTISE : VOTRE DEVIS EST EN COURS D'ANALYSE, VEUILLEZ ATTENDRE LA CONFIRMATION");

    await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, quote.quoteId, 'pending_validation', 1, '2026-04-09T15:00:00.000Z'));
    shown = await missionWhen(mission, (m) => m.status === 'pending_validation', 'pending_validation');
    expect(shown.section).toBe('smart.under_analysis');
    expect(lastMessage(shown)).toBe("SMART EXPERTISE : EN COURS DE VALIDATION PAR L'EXPERT");

    await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, quote.quoteId, 'remote_intervention', 2, '2026-04-09T16:00:00.000Z'));
    shown = await missionWhen(mission, (m) => m.status === 'remote_intervention', 'remote_intervention');
    expect(shown.section).toBe('smart.remote_intervention');
    expect(lastMessage(shown)).toBe(`SMART EXPERTISE : DOIT ETRE TRAITEE A DISTANCE AVEC L'EXPERT (${EXPERT.name} - ${EXPERT.phone})`);

    await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, quote.quoteId, 'onsite_intervention', 3, '2026-04-10T08:00:00.000Z'));
    shown = await missionWhen(mission, (m) => m.status === 'onsite_intervention', 'onsite_intervention');
    expect(shown.section).toBe('smart.onsite_intervention');
    expect(lastMessage(shown)).toBe(`SMART EXPERTISE : DOIT ETRE TRAITEE SUR PLACE AVEC L'EXPERT (${EXPERT.name} - ${EXPERT.phone})`);

    await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, quote.quoteId, 'validate', 4, '2026-04-13T08:00:00.000Z'));
    shown = await missionWhen(mission, (m) => m.status === 'closed', 'closed');
    expect(shown).toMatchObject({ section: 'smart.closed', outcome: 'validated' });
    expect(shown.tracking.at(-1)?.code).toBe('review.validated');

    await publish('payment.requested', mission.id, {
      quoteId: quote.quoteId,
      garageId: mission.garageId,
      invoiceNumber: 'F-2026-0042',
      invoiceDate: '2026-04-20',
      amountCents: 600_00,
      replacementVehicle: false,
      insurerShareCents: 350_00,
      ownerShareCents: 250_00,
      recoverableVatCents: 0,
      deductibleAppliedCents: 250_00,
      aboveCeilingCents: 0,
      aboveValidatedQuote: true,
      requestedAt: '2026-04-20T10:00:00.000Z',
    });
    shown = await missionWhen(mission, (m) => m.paymentRequested, 'the payment request');
    expect(shown).toMatchObject({ status: 'closed', section: 'smart.closed', payment: { invoiceNumber: 'F-2026-0042', flagged: true, insurerShareCents: 350_00 } });
    expect(lastMessage(shown)).toBe('SMART EXPERTISE : DEMANDE DE PAIEMENT DIRECT TRANSMISE (FACTURE F-2026-0042)');
    expect(shown.tracking.map((t) => t.code)).toEqual([
      'mission.received',
      'quote.under_analysis',
      'review.pending_validation',
      'review.remote_intervention',
      'review.onsite_intervention',
      'review.validated',
      'payment.requested',
    ]);

    // The board's columns follow the projection.
    const board = await request('GET', '/v1/board?section=smart.closed', { token: mission.garage });
    expect(board.json.counts['smart.closed']).toBe(1);
    expect(board.json.items[0]).toMatchObject({ id: mission.id, paymentRequested: true, lastTracking: { code: 'payment.requested' } });
  });

  it('closes a validated total-loss file with the total_loss outcome, confirming the total loss', async () => {
    const mission = await newMission();
    const quote = quoteSubmitted(mission.garageId, mission.expertOfficeId, BEFORE_DEADLINE, 'total_loss');
    await publish('quote.submitted', mission.id, quote);
    const declared = await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis');
    expect(declared.tracking.at(-1)?.code).toBe('total_loss.declared');
    await publish('review.decided', mission.id, reviewDecided(mission.expertOfficeId, quote.quoteId, 'validate', 1, '2026-04-09T16:00:00.000Z'));
    const closed = await missionWhen(mission, (m) => m.status === 'closed', 'closed');
    expect(closed).toMatchObject({ section: 'smart.closed', outcome: 'total_loss' });
    expect(lastMessage(closed)).toBe("SMART EXPERTISE : PERTE TOTALE CONFIRMEE PAR L'EXPERT, AUCUNE REPARATION NE SERA PRISE EN CHARGE");
  });

  it('adds the reminder to the tracking and leaves a new mission new', async () => {
    const mission = await newMission();
    await publish('mission.deadline-approaching', mission.id, { deadline: DEADLINE, notifiedAt: '2026-04-09T06:00:00.000Z' });
    const shown = await missionWhen(mission, (m) => m.tracking.length === 2, 'the reminder');
    expect(shown).toMatchObject({ status: 'new', section: 'smart.new' });
    expect(lastMessage(shown)).toBe('SMART EXPERTISE : RAPPEL, VEUILLEZ CLOTURER VOTRE DEVIS AU PLUS TARD LE 10/04/26');
  });

  it('turns a mission without a closed quote into a classic expertise when it expires', async () => {
    const mission = await newMission();
    await publish('mission.expired', mission.id, { deadline: DEADLINE, expiredAt: '2026-04-10T22:00:05.000Z', runId: 'run-1' });
    const shown = await missionWhen(mission, (m) => m.status === 'expired', 'expired');
    expect(shown).toMatchObject({ section: 'classic.expired', outcome: null });
    expect(lastMessage(shown)).toBe('SMART EXPERTISE : DELAI DEPASSE LE 10/04/26, LA MISSION DEVIENT UNE EXPERTISE CLASSIQUE');
    const board = await request('GET', '/v1/board?section=classic.expired', { token: mission.garage });
    expect(board.json.items.map((m: { id: string }) => m.id)).toEqual([mission.id]);
  });

  it('lets an on-time quote win over an expiry that was learnt first, and says so in the tracking', async () => {
    const mission = await newMission();
    await publish('mission.expired', mission.id, { deadline: DEADLINE, expiredAt: '2026-04-10T22:00:05.000Z', runId: 'run-2' });
    await missionWhen(mission, (m) => m.status === 'expired', 'expired first');
    // The quote was closed before the deadline; its event simply arrived later.
    await publish('quote.submitted', mission.id, quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-10T21:30:00.000Z'));
    const shown = await missionWhen(mission, (m) => m.status === 'under_analysis', 'under_analysis after the expiry');
    expect(shown.section).toBe('smart.under_analysis');
    expect(shown.tracking.map((t) => t.code)).toEqual(['mission.received', 'quote.under_analysis', 'expiry.voided']);
    expect(lastMessage(shown)).toBe('SMART EXPERTISE : LE DEVIS AVAIT ETE CLOTURE DANS LE DELAI (LE 10/04/26 A 23:30), LA MISSION RESTE UNE SMART EXPERTISE');
  });

  it('does not let a quote closed after the deadline undo the expiry', async () => {
    const mission = await newMission();
    await publish('quote.submitted', mission.id, quoteSubmitted(mission.garageId, mission.expertOfficeId, '2026-04-11T08:00:00.000Z'));
    await publish('mission.expired', mission.id, { deadline: DEADLINE, expiredAt: '2026-04-10T22:00:05.000Z', runId: 'run-3' });
    const shown = await missionWhen(mission, (m) => m.status === 'expired', 'expired');
    expect(shown.section).toBe('classic.expired');
  });

  it('applies a redelivered event once', async () => {
    const mission = await newMission();
    const reminder = envelope('mission.deadline-approaching', mission.id, { deadline: DEADLINE, notifiedAt: '2026-04-09T06:00:00.000Z' });
    await publishRaw(topicPrefix + Topics.expiryScheduler, [
      { key: mission.id, value: reminder },
      { key: mission.id, value: reminder },
    ]);
    await publish('mission.expired', mission.id, { deadline: DEADLINE, expiredAt: '2026-04-10T22:00:05.000Z', runId: 'run-4' });
    const shown = await missionWhen(mission, (m) => m.status === 'expired', 'expired after the duplicate');
    expect(shown.tracking.map((t) => t.code)).toEqual(['mission.received', 'deadline.approaching', 'mission.expired']);
  });

  it('keeps an event for a mission it does not know without failing', async () => {
    const missionId = `m_unknown${uniqueSuffix()}`;
    const event = await publish('mission.expired', missionId, { deadline: DEADLINE, expiredAt: '2026-04-10T22:00:05.000Z', runId: 'run-5' });
    await waitFor(
      async () => (await service.ctx.pool.query('SELECT 1 FROM mission_facts WHERE event_id = $1', [event.id])).rowCount === 1,
      { message: 'the fact of the unknown mission' },
    );
    const parked = await service.ctx.pool.query('SELECT 1 FROM parked_events WHERE message_key = $1', [missionId]);
    expect(parked.rowCount).toBe(0);
    expect(await service.ctx.pool.query('SELECT 1 FROM missions WHERE id = $1', [missionId]).then((r) => r.rowCount)).toBe(0);
  });
});
