import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DomainEvent, MissionSnapshot } from '@smart-expertise/contracts';
import { publicEventsOf, type MissionParties, type PublicDelivery } from '@smart-expertise/contracts/public-events';
import { deadline, internal, parties, policy, quoteSubmittedPayload, snapshot, t, verdictChanges } from '../../../../libs/contracts/test/public-events-fixtures.ts';
import { routeBatch, type RoutedBatch } from './routing.ts';

// ---- Internal events of two missions, as the services publish them ---------------------------

const other: MissionSnapshot = { ...snapshot, id: 'm_2', insurerMissionRef: 'REF-2026-002' };
const otherParties: MissionParties = { ...parties, id: other.id };

/** The internal events of one mission, each made once: the same object travels through every batch, as a message would. */
function eventsOf(mission: MissionSnapshot) {
  const on = { missionId: mission.id };
  const received = () => internal('mission.received', { mission, deadline: deadline.toISOString(), receivedAt: t(0).toISOString(), policy }, on);
  // mission-intake's verdict once the quote is closed: the mission goes under analysis.
  const underAnalysis = verdictChanges(
    [
      { type: 'received', eventId: 'f-received', at: t(0), deadline },
      { type: 'quote_submitted', eventId: 'f-close', at: t(60), procedure: 'standard', quoteId: 'q1', transmission: 1, totalInclVatCents: 157_30 },
    ],
    mission.id === snapshot.id ? 'a0000000' : 'b0000000',
  ).at(-1)!;
  return {
    received: received(),
    /** The same mission.received, published a second time under another id. */
    receivedAgain: received(),
    statusChanged: { ...underAnalysis.event, missionId: mission.id } as DomainEvent,
    quote: internal('quote.submitted', quoteSubmittedPayload(mission), on),
    decision: internal(
      'review.decided',
      {
        reviewId: 'r1',
        quoteId: 'q1',
        expertOfficeId: mission.expertOfficeId,
        decision: 'validate',
        expertName: 'Luc Janssens',
        expertPhone: '+32 2 555 01 02',
        note: null,
        decidedAt: t(120).toISOString(),
        sequence: 1,
        transmission: 1,
      },
      on,
    ),
    supplementDecided: internal(
      'supplement.decided',
      {
        reviewId: 'r1',
        quoteId: 'q1',
        supplementId: 's1',
        expertOfficeId: mission.expertOfficeId,
        number: 1,
        decision: 'approve',
        note: null,
        expertName: 'Luc Janssens',
        expertPhone: '+32 2 555 01 02',
        totalInclVatCents: 121_00,
        decidedAt: t(300).toISOString(),
      },
      on,
    ),
    payment: internal(
      'payment.requested',
      {
        quoteId: 'q1',
        garageId: mission.garageId,
        invoiceNumber: 'INV-1',
        invoiceDate: '2026-04-02',
        amountCents: 157_30,
        replacementVehicle: false,
        insurerShareCents: 130_00,
        ownerShareCents: 27_30,
        recoverableVatCents: 0,
        deductibleAppliedCents: 0,
        aboveCeilingCents: 0,
        aboveValidatedQuote: false,
        requestedAt: t(600).toISOString(),
      },
      on,
    ),
    /** The scheduler's expiry: the action, not the verdict, so nothing public. */
    expired: internal('mission.expired', { deadline: deadline.toISOString(), expiredAt: t(20_000).toISOString(), runId: 'run-1' }, on),
  };
}

const m1 = eventsOf(snapshot);
const m2 = eventsOf(other);
/** Every event of a mission after its mission.received, in the order the services published them. */
const laterEvents = (m: typeof m1): DomainEvent[] => [m.statusChanged, m.quote, m.decision, m.supplementDecided, m.payment, m.expired];

const none = new Map<string, never>();
const knownAs = (...missions: MissionParties[]) => new Map(missions.map((m) => [m.id, m]));
const heldAs = (entries: Record<string, DomainEvent[]>) => new Map(Object.entries(entries));

/** What the mission's events give once its parties are known, in the given order. */
const deliveriesOf = (events: readonly DomainEvent[], mission: MissionParties): PublicDelivery[] => events.flatMap((e) => publicEventsOf(e, { mission }));
const summary = (deliveries: readonly PublicDelivery[]) => deliveries.map((d) => `${d.event.missionId} ${d.event.type} → ${d.role} ${d.organisation}`);

// ---- The behaviours ------------------------------------------------------------------------------

describe('routeBatch: a new mission', () => {
  it('learns the mission from its mission.received and deposits it with the insurer, the garage and the expert office', () => {
    const routed = routeBatch([m1.received], none, none);
    expect(routed.missions).toEqual([parties]);
    expect(routed.held).toEqual([]);
    expect(routed.released).toEqual([]);
    expect(summary(routed.deliveries)).toEqual(['m_1 mission.deposited → insurer INS1', 'm_1 mission.deposited → garage G1', 'm_1 mission.deposited → expert EXP1']);
  });

  it('gives the owner’s phone and e-mail to the insurer and the garage, never to the expert office', () => {
    const owners = Object.fromEntries(routeBatch([m1.received], none, none).deliveries.map((d) => [d.role, (d.event.data as { owner: Record<string, unknown> }).owner]));
    expect(owners.insurer).toMatchObject({ phone: snapshot.owner.phone, email: snapshot.owner.email });
    expect(owners.garage).toMatchObject({ phone: snapshot.owner.phone, email: snapshot.owner.email });
    expect(owners.expert).toEqual({ name: snapshot.owner.name, vatRegime: 'partial', vatDeductiblePercent: 50 });
  });

  it('adds nothing for a second mission.received of a mission already known', () => {
    expect(routeBatch([m1.receivedAgain], knownAs(parties), none)).toEqual<RoutedBatch>({ missions: [], held: [], released: [], deliveries: [] });
  });

  it('adds nothing for a second mission.received in the same batch: the mission is the first’s', () => {
    const routed = routeBatch([m1.received, m1.receivedAgain], none, none);
    expect(routed.missions).toEqual([parties]);
    expect(routed.deliveries).toEqual(deliveriesOf([m1.received], parties));
  });
});

describe('routeBatch: a known mission', () => {
  it('delivers the events of a known mission at once, in their order', () => {
    const routed = routeBatch([m1.quote, m1.decision, m1.payment], knownAs(parties), none);
    expect(routed).toMatchObject({ missions: [], held: [], released: [] });
    expect(summary(routed.deliveries)).toEqual([
      'm_1 quote.transmitted → insurer INS1',
      'm_1 quote.transmitted → garage G1',
      'm_1 quote.transmitted → expert EXP1',
      'm_1 review.decided → insurer INS1',
      'm_1 review.decided → garage G1',
      'm_1 review.decided → expert EXP1',
      'm_1 payment.requested → insurer INS1',
      'm_1 payment.requested → garage G1',
    ]);
  });

  it('gives nothing for an internal-only event such as mission.expired, and does not hold it', () => {
    expect(routeBatch([m1.expired], knownAs(parties), none)).toEqual<RoutedBatch>({ missions: [], held: [], released: [], deliveries: [] });
  });

  it('throws when an event names another party than its mission’s, rather than send it to the wrong one', () => {
    const stray = internal('payment.requested', { ...m1.payment.payload, garageId: 'G2' });
    expect(() => routeBatch([stray], knownAs(parties), none)).toThrow(/garageId G2/);
  });
});

describe('routeBatch: events ahead of their mission.received', () => {
  it('holds an event of an unknown mission, and delivers nothing', () => {
    expect(routeBatch([m1.quote, m1.expired], none, none)).toEqual<RoutedBatch>({ missions: [], held: [m1.quote, m1.expired], released: [], deliveries: [] });
  });

  it('delivers held events of the same batch right after their mission.received, in order, and neither holds nor releases them', () => {
    const routed = routeBatch([m1.quote, m1.decision, m1.received, m1.payment], none, none);
    expect(routed.held).toEqual([]);
    expect(routed.released).toEqual([]);
    expect(routed.deliveries).toEqual(deliveriesOf([m1.received, m1.quote, m1.decision, m1.payment], parties));
  });

  it('delivers the events held by an earlier batch right after their mission.received, and releases the mission', () => {
    const routed = routeBatch([m1.received, m1.payment], none, heldAs({ m_1: [m1.quote, m1.decision] }));
    expect(routed.missions).toEqual([parties]);
    expect(routed.held).toEqual([]);
    expect(routed.released).toEqual(['m_1']);
    expect(routed.deliveries).toEqual(deliveriesOf([m1.received, m1.quote, m1.decision, m1.payment], parties));
  });

  it('puts the events held earlier before the ones held in this batch', () => {
    const routed = routeBatch([m1.supplementDecided, m1.received], none, heldAs({ m_1: [m1.quote, m1.decision] }));
    expect(routed.released).toEqual(['m_1']);
    expect(routed.held).toEqual([]);
    expect(routed.deliveries).toEqual(deliveriesOf([m1.received, m1.quote, m1.decision, m1.supplementDecided], parties));
  });

  it('keeps holding a mission’s events until its own mission.received, whatever other mission arrives', () => {
    const routed = routeBatch([m1.quote, m2.received, m2.quote], none, heldAs({ m_1: [m1.statusChanged] }));
    expect(routed.missions).toEqual([otherParties]);
    expect(routed.held).toEqual([m1.quote]);
    expect(routed.released).toEqual([]);
    expect(routed.deliveries).toEqual(deliveriesOf([m2.received, m2.quote], otherParties));
  });

  it('does not release a mission that had nothing held', () => {
    expect(routeBatch([m1.received], none, heldAs({ m_1: [] })).released).toEqual([]);
  });
});

// ---- The order, whatever the batches -------------------------------------------------------------

/**
 * Routes the batches one after the other as the consumer and its store do: the missions learned are
 * known to the next batches, held events accumulate per mission until released, and a batch is given
 * the held events of the missions whose mission.received it carries.
 */
function routeInBatches(batches: readonly DomainEvent[][]) {
  const known = new Map<string, MissionParties>();
  const store = new Map<string, DomainEvent[]>();
  const deliveries: PublicDelivery[] = [];
  for (const batch of batches) {
    const receivedIds = new Set(batch.filter((e) => e.type === 'mission.received').map((e) => e.missionId));
    const held = new Map([...store].filter(([missionId]) => receivedIds.has(missionId)));
    const routed = routeBatch(batch, known, held);
    for (const mission of routed.missions) known.set(mission.id, mission);
    for (const missionId of routed.released) store.delete(missionId);
    for (const event of routed.held) store.set(event.missionId, [...(store.get(event.missionId) ?? []), event]);
    deliveries.push(...routed.deliveries);
  }
  return { deliveries, stillHeld: [...store.values()].flat() };
}

/** The deliveries a mission's events must give: its first mission.received, then the others in arrival order. */
function expectedFor(arrival: readonly DomainEvent[], mission: MissionParties): PublicDelivery[] {
  const own = arrival.filter((e) => e.missionId === mission.id);
  const first = own.find((e) => e.type === 'mission.received')!;
  return deliveriesOf([first, ...own.filter((e) => e.type !== 'mission.received')], mission);
}

/** Cuts `events` into consecutive batches, one cut after each index where `cuts` says so. */
function split<T>(events: readonly T[], cuts: readonly boolean[]): T[][] {
  const batches: T[][] = [[]];
  events.forEach((event, index) => {
    batches.at(-1)!.push(event);
    if (cuts[index] && index < events.length - 1) batches.push([]);
  });
  return batches;
}

/** A mission's arrival: some of its later events in any order, its mission.received anywhere among them, perhaps twice. */
const arrivalOf = (m: typeof m1) =>
  fc
    .tuple(fc.shuffledSubarray(laterEvents(m)), fc.nat(), fc.option(fc.nat(), { nil: undefined }))
    .map(([others, at, againAt]) => {
      const arrival: DomainEvent[] = [...others];
      arrival.splice(at % (arrival.length + 1), 0, m.received);
      if (againAt !== undefined) arrival.splice(againAt % (arrival.length + 1), 0, m.receivedAgain);
      return arrival;
    });

/** Two arrivals interleaved, each keeping its own order. */
const interleaved = fc
  .tuple(arrivalOf(m1), arrivalOf(m2), fc.infiniteStream(fc.boolean()))
  .map(([first, second, coin]) => {
    const merged: DomainEvent[] = [];
    let i = 0;
    let j = 0;
    while (i < first.length || j < second.length) {
      if (j >= second.length || (i < first.length && coin.next().value)) merged.push(first[i++]!);
      else merged.push(second[j++]!);
    }
    return merged;
  });

describe('routeBatch: the order of a mission’s deliveries, whatever the batches', () => {
  it('delivers a mission’s events as mission.received first, then the others in arrival order, however they are cut into batches', () => {
    fc.assert(
      fc.property(arrivalOf(m1), fc.array(fc.boolean(), { maxLength: 10 }), (arrival, cuts) => {
        const { deliveries, stillHeld } = routeInBatches(split(arrival, cuts));
        expect(summary(deliveries)).toEqual(summary(expectedFor(arrival, parties)));
        expect(deliveries).toEqual(expectedFor(arrival, parties));
        expect(stillHeld).toEqual([]);
      }),
    );
  });

  it('keeps each mission’s order when two missions’ events are interleaved', () => {
    fc.assert(
      fc.property(interleaved, fc.array(fc.boolean(), { maxLength: 20 }), (arrival, cuts) => {
        const { deliveries, stillHeld } = routeInBatches(split(arrival, cuts));
        expect(deliveries.filter((d) => d.event.missionId === 'm_1')).toEqual(expectedFor(arrival, parties));
        expect(deliveries.filter((d) => d.event.missionId === 'm_2')).toEqual(expectedFor(arrival, otherParties));
        expect(stillHeld).toEqual([]);
      }),
    );
  });

  it('holds every event of a mission whose mission.received has not arrived yet, in order, whatever the batches', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(laterEvents(m1), { minLength: 1 }), fc.array(fc.boolean(), { maxLength: 10 }), (arrival, cuts) => {
        const { deliveries, stillHeld } = routeInBatches(split(arrival, cuts));
        expect(deliveries).toEqual([]);
        expect(stillHeld).toEqual(arrival);
      }),
    );
  });
});
