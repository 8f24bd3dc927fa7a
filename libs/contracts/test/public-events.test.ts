import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, forExpert } from '../src/events.ts';
import type { MissionFact } from '../src/procedure/index.ts';
import {
  PUBLIC_EVENT_TYPES,
  PublicEventSchemas,
  publicEventCatalogue,
  publicEventId,
  publicEventsOf,
  validatePublicEvent,
  type PublicDelivery,
  type PublicEvent,
  type PublicEventType,
} from '../src/public-events/index.ts';
import { calculation, deadline, internal, parties, photo, policy, quoteSubmittedPayload, snapshot, t, verdictChanges } from './public-events-fixtures.ts';

const received = () => internal('mission.received', { mission: snapshot, deadline: deadline.toISOString(), receivedAt: t(0).toISOString(), policy });

const quoteSubmitted = () => internal('quote.submitted', quoteSubmittedPayload());

const decision = (kind: 'validate' | 'remote_intervention' | 'request_information', extra: { respondBy?: string; note?: string | null } = {}) =>
  internal('review.decided', {
    reviewId: 'r1',
    quoteId: 'q1',
    expertOfficeId: 'EXP1',
    decision: kind,
    expertName: 'Luc Janssens',
    expertPhone: '+32 2 555 01 02',
    note: extra.note ?? null,
    decidedAt: t(120).toISOString(),
    sequence: 1,
    transmission: 1,
    ...(extra.respondBy ? { respondBy: extra.respondBy } : {}),
  });

const byRole = (deliveries: readonly PublicDelivery[], type: PublicEventType) =>
  Object.fromEntries(deliveries.filter((d) => d.event.type === type).map((d) => [d.role, d.event])) as Partial<Record<PublicDelivery['role'], PublicEvent>>;

function expectValid(deliveries: readonly PublicDelivery[]) {
  for (const { event } of deliveries) {
    const result = validatePublicEvent(event);
    expect(result, result.ok ? '' : `${event.type}: ${result.reason}`).toMatchObject({ ok: true });
  }
}

/** Every object of a schema, however deep, with the path to it. */
function objectsOf(schema: unknown, path = ''): Array<{ path: string; node: Record<string, unknown> }> {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const found = node.type === 'object' && node.properties !== undefined ? [{ path: path || '/', node }] : [];
  const children: Array<[string, unknown]> = [
    ...Object.entries((node.properties as Record<string, unknown>) ?? {}).map(([k, v]) => [`${path}/${k}`, v] as [string, unknown]),
    ...Object.values((node.patternProperties as Record<string, unknown>) ?? {}).map((v) => [`${path}/*`, v] as [string, unknown]),
    ...((node.anyOf as unknown[]) ?? []).map((v) => [path, v] as [string, unknown]),
    ...((node.allOf as unknown[]) ?? []).map((v) => [path, v] as [string, unknown]),
    ...(node.items === undefined ? [] : [[`${path}[]`, node.items] as [string, unknown]]),
  ];
  return [...found, ...children.flatMap(([p, child]) => objectsOf(child, p))];
}

describe('the public event catalogue', () => {
  it('names every type <subject>.<what happened>, in lower case and underscores', () => {
    for (const type of PUBLIC_EVENT_TYPES) expect(type).toMatch(/^[a-z]+\.[a-z_]+$/);
  });

  it('publishes each type in version 1 today', () => {
    for (const type of PUBLIC_EVENT_TYPES) expect(publicEventCatalogue[type].current, type).toBe(1);
  });

  it('closes every object of every envelope, so a payload never grows unannounced', () => {
    for (const type of PUBLIC_EVENT_TYPES) {
      const objects = objectsOf(PublicEventSchemas[type]);
      expect(objects.length).toBeGreaterThan(1);
      for (const { path, node } of objects) expect(node.additionalProperties, `${type} ${path}`).toBe(false);
    }
  });

  it('sends the payment request to the insurer and the garage only, everything else to every party', () => {
    const audiences = Object.fromEntries(PUBLIC_EVENT_TYPES.map((type) => [type, [...publicEventCatalogue[type].audience]]));
    expect(audiences).toEqual({
      'mission.deposited': ['insurer', 'garage', 'expert'],
      'mission.status_changed': ['insurer', 'garage', 'expert'],
      'quote.transmitted': ['insurer', 'garage', 'expert'],
      'review.decided': ['insurer', 'garage', 'expert'],
      'review.information_requested': ['insurer', 'garage', 'expert'],
      'supplement.submitted': ['insurer', 'garage', 'expert'],
      'supplement.decided': ['insurer', 'garage', 'expert'],
      'payment.requested': ['insurer', 'garage'],
      'mission.cancelled': ['insurer', 'garage', 'expert'],
      'mission.abandoned': ['insurer', 'garage', 'expert'],
      'mission.expired': ['insurer', 'garage', 'expert'],
    });
  });

  it('refuses an event with a field its version does not have, naming it', () => {
    const [delivery] = publicEventsOf(received(), { mission: snapshot });
    const event = delivery!.event as PublicEvent<'mission.deposited'>;
    expect(validatePublicEvent(event).ok).toBe(true);
    const leaky = { ...event, data: { ...event.data, policy } };
    expect(validatePublicEvent(leaky)).toMatchObject({ ok: false, reason: expect.stringMatching(/mission\.deposited v1/) });
    expect(validatePublicEvent({ ...event, correlationId: 'req-1' })).toMatchObject({ ok: false, reason: expect.stringMatching(/bad envelope/) });
  });

  it('refuses an unknown type or version', () => {
    const [delivery] = publicEventsOf(received(), { mission: snapshot });
    expect(validatePublicEvent({ ...delivery!.event, type: 'mission.teleported' })).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown public event type/) });
    expect(validatePublicEvent({ ...delivery!.event, version: 2 })).toMatchObject({ ok: false, reason: expect.stringMatching(/version 2/) });
  });
});

describe('mission.deposited', () => {
  it('goes to the insurer, the garage and the expert office, each at its own organisation', () => {
    const deliveries = publicEventsOf(received(), { mission: snapshot });
    expect(deliveries.map((d) => [d.role, d.organisation, d.event.type])).toEqual([
      ['insurer', 'INS1', 'mission.deposited'],
      ['garage', 'G1', 'mission.deposited'],
      ['expert', 'EXP1', 'mission.deposited'],
    ]);
    expectValid(deliveries);
  });

  it('gives the insurer and the garage the owner as the API shows them: phone and e-mail included', () => {
    const events = byRole(publicEventsOf(received(), { mission: snapshot }), 'mission.deposited');
    for (const role of ['insurer', 'garage'] as const) {
      const data = (events[role] as PublicEvent<'mission.deposited'>).data;
      expect(data.owner).toEqual(snapshot.owner);
      expect({ claim: data.claim, vehicle: data.vehicle, directPayment: data.directPayment }).toEqual({
        claim: snapshot.claim,
        vehicle: snapshot.vehicle,
        directPayment: snapshot.directPayment,
      });
    }
  });

  it("never gives the expert office the owner's phone, e-mail or any contact", () => {
    const expert = byRole(publicEventsOf(received(), { mission: snapshot }), 'mission.deposited').expert as PublicEvent<'mission.deposited'>;
    expect(expert.data.owner).toEqual(forExpert(snapshot).owner);
    expect(Object.keys(expert.data.owner).sort()).toEqual(['name', 'vatDeductiblePercent', 'vatRegime']);
    const json = JSON.stringify(expert);
    expect(json).not.toContain(snapshot.owner.phone);
    expect(json).not.toContain(snapshot.owner.email);
    expect(json).not.toMatch(/"(phone|email)"/);
  });

  it('carries the seed deadline message in fr, and its nl and en renderings', () => {
    const [delivery] = publicEventsOf(received(), { mission: snapshot });
    const data = (delivery!.event as PublicEvent<'mission.deposited'>).data;
    expect(data).toMatchObject({ status: 'new', section: 'smart.new', deadline: deadline.toISOString() });
    expect(data.tracking).toEqual({
      at: t(0).toISOString(),
      code: 'mission.received',
      params: { deadline: deadline.toISOString() },
      message: {
        fr: 'SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE 30/03/26',
        nl: 'SMART EXPERTISE: GELIEVE UW BESTEK OP TE STELLEN EN AF TE SLUITEN UITERLIJK OP 30/03/26',
        en: 'SMART EXPERTISE: PLEASE PREPARE AND CLOSE YOUR QUOTE BY 30/03/26 AT THE LATEST',
      },
    });
  });
});

describe('mission.status_changed', () => {
  const receivedFact: MissionFact = { type: 'received', eventId: 'f-received', at: t(0), deadline };
  const closeFact: MissionFact = { type: 'quote_submitted', eventId: 'f-close', at: t(60), procedure: 'standard', quoteId: 'q1', transmission: 1, totalInclVatCents: 157_30 };
  const remote: MissionFact = {
    type: 'review_decided',
    eventId: 'f-remote',
    at: t(120),
    sequence: 1,
    decision: 'remote_intervention',
    expertName: 'Luc Janssens',
    expertPhone: '+32 2 555 01 02',
    quoteId: 'q1',
    transmission: 1,
  };

  it('carries the status, the section and the entry that made the change, with its params and its message in three languages', () => {
    const change = verdictChanges([receivedFact, closeFact, remote]).at(-1)!;
    const deliveries = publicEventsOf(change.event, { mission: parties, tracking: change.tracking });
    expect(deliveries.map((d) => d.event.type)).toEqual(['mission.status_changed', 'mission.status_changed', 'mission.status_changed']);
    expectValid(deliveries);
    const data = (deliveries[1]!.event as PublicEvent<'mission.status_changed'>).data;
    expect(data).toMatchObject({
      status: 'remote_intervention',
      previousStatus: 'under_analysis',
      section: 'smart.remote_intervention',
      outcome: null,
      transmission: 1,
      expert: { name: 'Luc Janssens', phone: '+32 2 555 01 02' },
      lastDecision: { decision: 'remote_intervention', note: null, at: t(120).toISOString() },
    });
    expect(data.tracking).toMatchObject({
      at: t(120).toISOString(),
      code: 'review.remote_intervention',
      params: { expertName: 'Luc Janssens', expertPhone: '+32 2 555 01 02' },
      message: {
        fr: "SMART EXPERTISE : DOIT ETRE TRAITEE A DISTANCE AVEC L'EXPERT (Luc Janssens - +32 2 555 01 02)",
        nl: 'SMART EXPERTISE: MOET OP AFSTAND BEHANDELD WORDEN MET DE EXPERT (Luc Janssens - +32 2 555 01 02)',
        en: 'SMART EXPERTISE: MUST BE HANDLED REMOTELY WITH THE EXPERT (Luc Janssens - +32 2 555 01 02)',
      },
    });
  });

  it("needs no tracking from the caller when the event carries the entries it added (a publisher outside mission-intake)", () => {
    for (const last of [remote, { type: 'cancelled', eventId: 'f-cancel', at: t(90), reason: 'claim settled amicably', by: 'INS1' } as MissionFact]) {
      const change = verdictChanges([receivedFact, closeFact, last]).at(-1)!;
      const fromEvent = publicEventsOf(change.event, { mission: parties });
      expectValid(fromEvent);
      expect(fromEvent).toEqual(publicEventsOf(change.event, { mission: parties, tracking: change.tracking }));
    }
  });

  it('gives every party the same view of the verdict: nothing in it is the owner’s', () => {
    const change = verdictChanges([receivedFact, closeFact, remote]).at(-1)!;
    const [insurer, garage, expert] = publicEventsOf(change.event, { mission: parties, tracking: change.tracking });
    expect(expert!.event.data).toEqual(insurer!.event.data);
    expect(garage!.event.data).toEqual(insurer!.event.data);
  });

  it("announces a cancel as the status change and mission.cancelled, with the insurer's reason", () => {
    const cancel: MissionFact = { type: 'cancelled', eventId: 'f-cancel', at: t(90), reason: 'claim settled amicably', by: 'INS1' };
    const change = verdictChanges([receivedFact, closeFact, cancel]).at(-1)!;
    const deliveries = publicEventsOf(change.event, { mission: parties, tracking: change.tracking });
    expectValid(deliveries);
    expect(deliveries.map((d) => `${d.event.type} ${d.role}`)).toEqual([
      'mission.status_changed insurer',
      'mission.status_changed garage',
      'mission.status_changed expert',
      'mission.cancelled insurer',
      'mission.cancelled garage',
      'mission.cancelled expert',
    ]);
    expect(deliveries[3]!.event.data).toEqual({ reason: 'claim settled amicably', cancelledAt: t(90).toISOString() });
    expect((deliveries[0]!.event as PublicEvent<'mission.status_changed'>).data).toMatchObject({ status: 'cancelled', section: 'closed.cancelled', outcome: 'cancelled' });
  });

  it("announces an abandon with the garage's reason", () => {
    const abandon: MissionFact = { type: 'abandoned', eventId: 'f-abandon', at: t(30), reason: 'vehicle not at our premises', by: 'G1' };
    const change = verdictChanges([receivedFact, abandon]).at(-1)!;
    const deliveries = publicEventsOf(change.event, { mission: parties, tracking: change.tracking });
    expectValid(deliveries);
    expect(byRole(deliveries, 'mission.abandoned').garage!.data).toEqual({ reason: 'vehicle not at our premises', abandonedAt: t(30).toISOString() });
  });

  it('announces an expiry with the deadline that passed', () => {
    const expired: MissionFact = { type: 'expired', eventId: 'f-expired', at: new Date(deadline.getTime() + 60_000), deadline };
    const change = verdictChanges([receivedFact, expired]).at(-1)!;
    const deliveries = publicEventsOf(change.event, { mission: parties, tracking: change.tracking });
    expectValid(deliveries);
    expect(byRole(deliveries, 'mission.expired').insurer!.data).toEqual({ deadline: deadline.toISOString(), expiredAt: new Date(deadline.getTime() + 60_000).toISOString() });
    expect((byRole(deliveries, 'mission.status_changed').garage as PublicEvent<'mission.status_changed'>).data.section).toBe('classic.expired');
  });

  it('reports an expiry reversed by a quote closed in time as a status change, never as a second fate', () => {
    const expired: MissionFact = { type: 'expired', eventId: 'f-expired', at: new Date(deadline.getTime() + 60_000), deadline };
    const late: MissionFact = { ...closeFact, eventId: 'f-late-close', at: new Date(deadline.getTime() - 60_000) };
    const change = verdictChanges([receivedFact, expired, late]).at(-1)!;
    const deliveries = publicEventsOf(change.event, { mission: parties, tracking: change.tracking });
    expect(new Set(deliveries.map((d) => d.event.type))).toEqual(new Set(['mission.status_changed']));
    const data = (deliveries[0]!.event as PublicEvent<'mission.status_changed'>).data;
    expect(data).toMatchObject({ status: 'under_analysis', previousStatus: 'expired' });
    expect(data.tracking.code).toBe('expiry.voided');
  });

  it('publishes a change that keeps the status (a deadline extension) as a status change only, with the new deadline', () => {
    const later = new Date('2026-04-03T21:59:59.999Z');
    const extension: MissionFact = { type: 'deadline_extended', eventId: 'f-ext', at: t(10), deadline: later, by: 'INS1' };
    const change = verdictChanges([receivedFact, extension]).at(-1)!;
    const deliveries = publicEventsOf(change.event, { mission: parties, tracking: change.tracking });
    expectValid(deliveries);
    expect(deliveries.every((d) => d.event.type === 'mission.status_changed')).toBe(true);
    const data = (deliveries[0]!.event as PublicEvent<'mission.status_changed'>).data;
    expect(data).toMatchObject({ status: 'new', previousStatus: 'new', deadline: later.toISOString() });
    expect(data.tracking.message.fr).toBe('SMART EXPERTISE : LA COMPAGNIE A PROLONGE LE DELAI, VEUILLEZ CLOTURER VOTRE DEVIS AU PLUS TARD LE 03/04/26');
  });

  it("refuses to publish without the mission's tracking (an event published before it carried its own), or with a tracking that lacks the change's entry", () => {
    const change = verdictChanges([receivedFact, closeFact]).at(-1)!;
    const { tracking: _carried, ...older } = change.event.payload;
    expect(() => publicEventsOf({ ...change.event, payload: older }, { mission: parties })).toThrow(/tracking is needed/);
    expect(() => publicEventsOf(change.event, { mission: parties, tracking: change.tracking.slice(0, 1) })).toThrow(/no quote\.under_analysis entry/);
  });
});

describe('quote.transmitted', () => {
  it("keeps the copy of the mission and the expert's review file inside: no owner contact reaches anyone", () => {
    const deliveries = publicEventsOf(quoteSubmitted(), { mission: parties });
    expectValid(deliveries);
    for (const { event } of deliveries) {
      const json = JSON.stringify(event);
      expect(json).not.toContain(snapshot.owner.phone);
      expect(json).not.toContain(snapshot.owner.email);
      expect(json).not.toContain('administrative');
      expect(json).not.toContain('reviewFile');
    }
  });

  it('sums the quote up: totals, Smart answers, photo count', () => {
    const [delivery] = publicEventsOf(quoteSubmitted(), { mission: parties });
    expect(delivery!.event.data).toEqual({
      quoteId: 'q1',
      procedure: 'standard',
      transmission: 1,
      closedAt: t(60).toISOString(),
      calculation: { calculationNumber: 'AUD-1', vatRate: 21, totalExclVatCents: 130_00, vatCents: 27_30, totalInclVatCents: 157_30 },
      smartFrame: { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: true, technicalInspectionNeeded: false, onSiteExpertNeeded: false },
      vehicleStatus: null,
      vehicleStatusNote: null,
      photoCount: 2,
    });
  });
});

describe("the expert's decisions", () => {
  it('gives the review case id to the expert office only, the one party that reads cases', () => {
    const events = byRole(publicEventsOf(decision('validate'), { mission: parties }), 'review.decided');
    expect(events.expert!.data).toMatchObject({ reviewId: 'r1', decision: 'validate' });
    expect(events.insurer!.data).not.toHaveProperty('reviewId');
    expect(events.garage!.data).toEqual({
      quoteId: 'q1',
      decision: 'validate',
      note: null,
      expert: { name: 'Luc Janssens', phone: '+32 2 555 01 02' },
      decidedAt: t(120).toISOString(),
      transmission: 1,
    });
  });

  it('publishes a request for information as review.information_requested, with what is missing and the due date, never as review.decided', () => {
    const respondBy = '2026-03-25T22:59:59.999Z';
    const deliveries = publicEventsOf(decision('request_information', { note: 'photos of the left door', respondBy }), { mission: parties });
    expectValid(deliveries);
    expect(deliveries.map((d) => d.event.type)).toEqual(Array(3).fill('review.information_requested'));
    expect(byRole(deliveries, 'review.information_requested').garage!.data).toEqual({
      quoteId: 'q1',
      note: 'photos of the left door',
      expert: { name: 'Luc Janssens', phone: '+32 2 555 01 02' },
      requestedAt: t(120).toISOString(),
      respondBy,
      transmission: 1,
    });
  });

  it('gives a supplement decision to every party, the case id to the expert office only', () => {
    const deliveries = publicEventsOf(
      internal('supplement.decided', {
        reviewId: 'r1',
        quoteId: 'q1',
        supplementId: 's1',
        expertOfficeId: 'EXP1',
        number: 1,
        decision: 'reject',
        note: 'damage predates the claim',
        expertName: 'Luc Janssens',
        expertPhone: '+32 2 555 01 02',
        totalInclVatCents: 300_00,
        decidedAt: t(500).toISOString(),
      }),
      { mission: parties },
    );
    expectValid(deliveries);
    const events = byRole(deliveries, 'supplement.decided');
    expect(events.expert!.data).toHaveProperty('reviewId', 'r1');
    expect(events.garage!.data).not.toHaveProperty('reviewId');
    expect(events.insurer!.data).toMatchObject({ decision: 'reject', note: 'damage predates the claim', totalInclVatCents: 300_00 });
  });

  it('tells the expert office (and the others) a supplement is waiting, without its lines or photos', () => {
    const deliveries = publicEventsOf(
      internal('supplement.submitted', {
        quoteId: 'q1',
        supplementId: 's1',
        garageId: 'G1',
        expertOfficeId: 'EXP1',
        number: 1,
        reason: 'cracked bracket behind the bumper',
        calculation,
        photos: [photo],
        submittedAt: t(400).toISOString(),
      }),
      { mission: parties },
    );
    expectValid(deliveries);
    expect(byRole(deliveries, 'supplement.submitted').expert!.data).toEqual({
      quoteId: 'q1',
      supplementId: 's1',
      number: 1,
      reason: 'cracked bracket behind the bumper',
      calculation: { calculationNumber: 'AUD-1', vatRate: 21, totalExclVatCents: 130_00, vatCents: 27_30, totalInclVatCents: 157_30 },
      photoCount: 1,
      submittedAt: t(400).toISOString(),
    });
  });
});

describe('payment.requested', () => {
  const payment = (approved: boolean) =>
    internal('payment.requested', {
      quoteId: 'q1',
      garageId: 'G1',
      invoiceNumber: 'INV-77',
      invoiceDate: '2026-04-10',
      amountCents: 157_30,
      replacementVehicle: false,
      insurerShareCents: 120_00,
      ownerShareCents: 37_30,
      recoverableVatCents: 13_65,
      deductibleAppliedCents: 23_65,
      aboveCeilingCents: 0,
      aboveValidatedQuote: false,
      ...(approved ? { approvedTotalCents: 157_30, aboveApprovedCents: 0 } : {}),
      requestedAt: t(900).toISOString(),
    });

  it('goes to the insurer, who pays, and the garage, which is paid; not to the expert office', () => {
    const deliveries = publicEventsOf(payment(true), { mission: parties });
    expectValid(deliveries);
    expect(deliveries.map((d) => [d.role, d.organisation])).toEqual([
      ['insurer', 'INS1'],
      ['garage', 'G1'],
    ]);
    expect(deliveries[0]!.event.data).toEqual(deliveries[1]!.event.data);
    expect(deliveries[0]!.event.data).toMatchObject({ insurerShareCents: 120_00, ownerShareCents: 37_30, approvedTotalCents: 157_30, aboveApprovedCents: 0 });
  });

  it('says null for the approved total of a request made before it was kept', () => {
    const [delivery] = publicEventsOf(payment(false), { mission: parties });
    expect(delivery!.event.data).toMatchObject({ approvedTotalCents: null, aboveApprovedCents: null });
    expectValid([delivery!]);
  });
});

describe('public event ids', () => {
  const id = '11111111-2222-4333-8444-555555555555';

  it('are the same for a redelivered internal event', () => {
    const first = publicEventsOf(internal('mission.received', received().payload, { id }), { mission: snapshot });
    const again = publicEventsOf(internal('mission.received', received().payload, { id }), { mission: snapshot });
    expect(again.map((d) => d.event.id)).toEqual(first.map((d) => d.event.id));
  });

  it('differ between internal events, between public types of one event, and between the parties’ copies', () => {
    const a = publicEventsOf(internal('mission.received', received().payload, { id }), { mission: snapshot }).map((d) => d.event.id);
    const b = publicEventsOf(internal('mission.received', received().payload, { id: '11111111-2222-4333-8444-555555555556' }), { mission: snapshot }).map((d) => d.event.id);
    expect(new Set([...a, ...b]).size).toBe(6);
    expect(publicEventId(id, 'mission.status_changed', 1, 'garage')).not.toBe(publicEventId(id, 'mission.cancelled', 1, 'garage'));
    expect(publicEventId(id, 'mission.status_changed', 1, 'garage')).not.toBe(publicEventId(id, 'mission.status_changed', 2, 'garage'));
  });

  it('keep (id, organisation) unique even when one organisation holds two roles on the mission', () => {
    const sameOrg = { ...snapshot, expertOfficeId: 'G1' };
    const event = internal('mission.received', { mission: sameOrg, deadline: deadline.toISOString(), receivedAt: t(0).toISOString(), policy });
    const keys = publicEventsOf(event, { mission: sameOrg }).map((d) => `${d.event.id} ${d.organisation}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('look like evt_ and 32 hex digits', () => {
    expect(publicEventId(id, 'mission.deposited', 1, 'insurer')).toMatch(/^evt_[0-9a-f]{32}$/);
  });
});

describe('what is never published', () => {
  const internalOnly = [
    internal('mission.deadline-approaching', { deadline: deadline.toISOString(), notifiedAt: t(100).toISOString() }),
    internal('mission.expired', { deadline: deadline.toISOString(), expiredAt: t(20_000).toISOString(), runId: 'run-1' }),
    internal('mission.abandoned', { garageId: 'G1', reason: 'no time', abandonedAt: t(5).toISOString(), abandonedBy: 'G1' }),
    internal('mission.cancelled', { insurerId: 'INS1', reason: 'settled', cancelledAt: t(5).toISOString(), cancelledBy: 'INS1' }),
    internal('mission.deadline-extended', {
      insurerId: 'INS1',
      garageId: 'G1',
      expertOfficeId: 'EXP1',
      previousDeadline: deadline.toISOString(),
      deadline: new Date(deadline.getTime() + 86_400_000).toISOString(),
      extendedAt: t(5).toISOString(),
      extendedBy: 'INS1',
    }),
    internal('quote.voided', { quoteId: 'q1', garageId: 'G1', expertOfficeId: 'EXP1', missionStatus: 'cancelled', voidedAt: t(5).toISOString() }),
    internal('quote.reinstated', { quoteId: 'q1', garageId: 'G1', expertOfficeId: 'EXP1', missionStatus: 'closed', reinstatedAt: t(5).toISOString() }),
  ];

  it.each(internalOnly.map((event) => [event.type, event] as const))('%s maps to no public event (the verdict announces what it changes)', (_type, event) => {
    expect(publicEventsOf(event, { mission: parties })).toEqual([]);
  });

  it('names every internal event type, published or not', () => {
    const published = ['mission.received', 'mission.status-changed', 'quote.submitted', 'review.decided', 'supplement.submitted', 'supplement.decided', 'payment.requested'];
    expect(new Set([...published, ...internalOnly.map((e) => e.type)])).toEqual(new Set(EVENT_TYPES));
  });

  it('refuses an event of a type it does not know rather than guess', () => {
    const unknown = { ...received(), type: 'mission.teleported' } as unknown as Parameters<typeof publicEventsOf>[0];
    expect(() => publicEventsOf(unknown, { mission: parties })).toThrow(/mission\.teleported/);
  });
});

describe('facts of another mission', () => {
  it('are refused rather than sent to the wrong parties', () => {
    expect(() => publicEventsOf(quoteSubmitted(), { mission: { ...parties, id: 'm_2' } })).toThrow(/mission m_1.*mission m_2/);
    expect(() => publicEventsOf(quoteSubmitted(), { mission: { ...parties, garageId: 'G2' } })).toThrow(/garageId G1, mission m_1 has G2/);
    expect(() => publicEventsOf(decision('validate'), { mission: { ...parties, expertOfficeId: 'EXP2' } })).toThrow(/expertOfficeId EXP1/);
  });
});
