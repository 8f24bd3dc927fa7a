// Properties of the public events: whatever valid internal event comes in, what goes out validates
// against the public schemas, reaches only the mission's parties, never gives the expert office the
// owner's contact, and is the same when the internal event is delivered again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateEvent, type DomainEvent, type EventPayload, type EventType } from '../src/events.ts';
import type { MissionFact, TrackingEntry } from '../src/procedure/index.ts';
import { publicEventCatalogue, publicEventsOf, validatePublicEvent, type MissionFacts, type PublicDelivery, type PublicEvent } from '../src/public-events/index.ts';
import { trackingCodes, type TrackingCode } from '../src/tracking-messages.ts';
import { deadline as baseDeadline, verdictChanges } from './public-events-fixtures.ts';

// ---- Values in the internal schemas' formats ------------------------------------------------------

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const instantDate = fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-12-31T23:59:59Z'), noInvalidDate: true });
const instant = instantDate.map((d) => d.toISOString());
const calendarDate = instantDate.map((d) => d.toISOString().slice(0, 10));
/** Free text without '@' or '+': an owner's e-mail or phone can never appear in it by chance. */
const text = (maxLength: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9 ,.'()-]{1,${maxLength}}$`));
const cents = fc.integer({ min: 0, max: 100_000_000_00 });
const ownerPhone = fc.stringMatching(/^[0-9]{8}$/).map((digits) => `+32 47${digits}`);
const ownerEmail = fc.stringMatching(/^[a-z]{3,12}$/).map((local) => `${local}.owner@example.be`);
const expertPhone = fc.stringMatching(/^[0-9]{7}$/).map((digits) => `+32 2 ${digits}`);
const missionStatus = fc.constantFrom(
  'new' as const,
  'under_analysis' as const,
  'pending_validation' as const,
  'remote_intervention' as const,
  'onsite_intervention' as const,
  'information_requested' as const,
  'closed' as const,
  'expired' as const,
  'abandoned' as const,
  'cancelled' as const,
);
const section = fc.constantFrom(
  'smart.new' as const,
  'smart.under_analysis' as const,
  'smart.remote_intervention' as const,
  'smart.onsite_intervention' as const,
  'smart.information_requested' as const,
  'smart.closed' as const,
  'classic.expired' as const,
  'closed.abandoned' as const,
  'closed.cancelled' as const,
);
const decisionKind = fc.constantFrom('validate' as const, 'pending_validation' as const, 'remote_intervention' as const, 'onsite_intervention' as const, 'request_information' as const);
const procedure = fc.constantFrom('standard' as const, 'total_loss' as const);

const policy = fc.record({
  workingDays: fc.integer({ min: 1, max: 60 }),
  minPhotos: fc.integer({ min: 0, max: 50 }),
  reviewThresholds: fc.record({ agreedLabourRateCents: cents, smartCeilingCents: cents, totalLossRatioPercent: fc.integer({ min: 1, max: 200 }) }),
});

const owner = fc.oneof(
  fc.record({ name: text(60), phone: ownerPhone, email: ownerEmail, vatRegime: fc.constantFrom('none' as const, 'full' as const) }),
  fc.record({ name: text(60), phone: ownerPhone, email: ownerEmail, vatRegime: fc.constant('partial' as const), vatDeductiblePercent: fc.integer({ min: 0, max: 100 }) }),
);

interface Parties {
  readonly id: string;
  readonly insurerId: string;
  readonly garageId: string;
  readonly expertOfficeId: string;
}
const partiesArb: fc.Arbitrary<Parties> = fc.record({ id, insurerId: id, garageId: id, expertOfficeId: id });

const snapshot = fc.record({
    id,
    insurerId: id,
    insurerMissionRef: text(64),
    garageId: id,
    expertOfficeId: id,
    claim: fc.record({ claimNumber: text(64), policyNumber: text(64), lossDate: calendarDate, circumstances: text(200) }),
    vehicle: fc.record(
      {
        vin: fc.stringMatching(/^[A-HJ-NPR-Z0-9]{17}$/),
        plate: fc.stringMatching(/^[1-9]-[A-Z]{3}-[0-9]{3}$/),
        make: text(64),
        model: text(64),
        firstRegistrationDate: calendarDate,
        valueCents: cents,
      },
      { requiredKeys: ['vin', 'plate', 'make', 'model', 'firstRegistrationDate'] },
    ),
    owner,
    directPayment: fc.option(fc.record({ planned: fc.boolean(), ceilingCents: cents, deductibleCents: cents }), { nil: null }),
  });

const calculation = fc.record({
  calculationNumber: text(64),
  vatRate: fc.integer({ min: 0, max: 100 }),
  lines: fc.array(
    fc.record(
      {
        kind: fc.constantFrom('part' as const, 'labour' as const, 'paint' as const, 'sundry' as const),
        description: text(40),
        quantity: fc.double({ min: 0, max: 100, noNaN: true }),
        unitPriceCents: fc.integer({ min: 0, max: 1_000_000 }),
        totalCents: fc.integer({ min: 0, max: 1_000_000 }),
      },
      { requiredKeys: ['kind', 'description', 'totalCents'] },
    ),
    { maxLength: 4 },
  ),
  totalExclVatCents: cents,
  vatCents: cents,
  totalInclVatCents: cents,
});
const photos = fc.array(
  fc.record({
    id,
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    contentType: fc.constantFrom('image/jpeg', 'image/png'),
    sizeBytes: fc.integer({ min: 0, max: 10_000_000 }),
    seenOnOtherMission: fc.boolean(),
  }),
  { maxLength: 5 },
);
const smartFrame = fc.record({
  probableTotalLoss: fc.boolean(),
  multipleDamageZones: fc.boolean(),
  expertAdviceNeeded: fc.boolean(),
  technicalInspectionNeeded: fc.boolean(),
  onSiteExpertNeeded: fc.boolean(),
});
const transmission = fc.integer({ min: 1, max: 5 });

// ---- Internal payloads of every type --------------------------------------------------------------

// Party ids are drawn freely here; the mission's facts are then made of the ids the event names.
type PayloadArbs = { [T in EventType]: fc.Arbitrary<EventPayload<T>> };

const payloads: PayloadArbs = {
  'mission.received': fc.record({ mission: snapshot, deadline: instant, receivedAt: instant, policy }),
  'mission.abandoned': fc.record({ garageId: id, reason: text(500), abandonedAt: instant, abandonedBy: text(200) }),
  'mission.cancelled': fc.record({ insurerId: id, reason: text(500), cancelledAt: instant, cancelledBy: text(200) }),
  'mission.status-changed':
    fc.record(
      {
        insurerId: id,
        garageId: id,
        expertOfficeId: id,
        status: missionStatus,
        section,
        outcome: fc.option(fc.constantFrom('validated' as const, 'total_loss' as const, 'abandoned' as const, 'cancelled' as const), { nil: null }),
        previousStatus: fc.option(missionStatus, { nil: null }),
        reason: fc.constantFrom(...trackingCodes),
        changedAt: instant,
        deadline: instant,
        quoteId: fc.option(id, { nil: null }),
        procedure: fc.option(procedure, { nil: null }),
        voidedQuoteIds: fc.array(id, { maxLength: 2 }),
        expert: fc.option(fc.record({ name: text(40), phone: expertPhone }), { nil: null }),
        lastDecision: fc.option(fc.record({ decision: decisionKind, note: fc.option(text(100), { nil: null }), at: instant }), { nil: null }),
        transmission,
        approvedTotalCents: fc.option(cents, { nil: null }),
      },
      {
        requiredKeys: [
          'insurerId',
          'garageId',
          'expertOfficeId',
          'status',
          'section',
          'outcome',
          'previousStatus',
          'reason',
          'changedAt',
          'deadline',
          'quoteId',
          'procedure',
          'voidedQuoteIds',
          'expert',
          'lastDecision',
        ],
      },
    ),
  'mission.deadline-extended':
    fc.record({
      insurerId: id,
      garageId: id,
      expertOfficeId: id,
      previousDeadline: instant,
      deadline: instant,
      extendedAt: instant,
      extendedBy: text(200),
    }),
  'quote.submitted': fc
    .record({
      quote: fc.record(
        {
          quoteId: id,
          garageId: id,
          expertOfficeId: id,
          procedure,
          closedAt: instant,
          calculation: fc.option(calculation, { nil: null }),
          smartFrame: fc.option(smartFrame, { nil: null }),
          vehicleStatus: fc.option(fc.constantFrom('drivable' as const, 'not_drivable' as const, 'wreck' as const), { nil: null }),
          vehicleStatusNote: fc.option(text(100), { nil: null }),
          photos,
          transmission,
          administrative: snapshot,
        },
        { requiredKeys: ['quoteId', 'garageId', 'expertOfficeId', 'procedure', 'closedAt', 'calculation', 'smartFrame', 'vehicleStatus', 'vehicleStatusNote', 'photos'] },
      ),
      file: fc.option(fc.record({ deadline: instant, policy }), { nil: undefined }),
    })
    .map(({ quote, file }) => {
      // The review file is the expert's view of the same mission: what the quote service really sends.
      if (!file || !quote.administrative) return quote;
      const { phone: _phone, email: _email, ...expertOwner } = quote.administrative.owner;
      return { ...quote, reviewFile: { mission: { ...quote.administrative, owner: expertOwner }, ...file } };
    }),
  'quote.voided':
    fc.record({ quoteId: id, garageId: id, expertOfficeId: id, missionStatus, voidedAt: instant }),
  'quote.reinstated':
    fc.record({ quoteId: id, garageId: id, expertOfficeId: id, missionStatus, reinstatedAt: instant }),
  'review.decided':
    fc.record(
      {
        reviewId: id,
        quoteId: id,
        expertOfficeId: id,
        decision: decisionKind,
        expertName: text(40),
        expertPhone,
        note: fc.option(text(200), { nil: null }),
        decidedAt: instant,
        sequence: fc.integer({ min: 1, max: 10 }),
        transmission,
        respondBy: instant,
      },
      { requiredKeys: ['reviewId', 'quoteId', 'expertOfficeId', 'decision', 'expertName', 'expertPhone', 'note', 'decidedAt', 'sequence'] },
    ),
  'supplement.submitted':
    fc.record({
      quoteId: id,
      supplementId: id,
      garageId: id,
      expertOfficeId: id,
      number: fc.integer({ min: 1, max: 9 }),
      reason: text(300),
      calculation,
      photos,
      submittedAt: instant,
    }),
  'supplement.decided':
    fc.record({
      reviewId: id,
      quoteId: id,
      supplementId: id,
      expertOfficeId: id,
      number: fc.integer({ min: 1, max: 9 }),
      decision: fc.constantFrom('approve' as const, 'reject' as const),
      note: fc.option(text(200), { nil: null }),
      expertName: text(40),
      expertPhone,
      totalInclVatCents: cents,
      decidedAt: instant,
    }),
  'mission.deadline-approaching': fc.record({ deadline: instant, notifiedAt: instant }),
  'mission.expired': fc.record({ deadline: instant, expiredAt: instant, runId: text(36) }),
  'payment.requested':
    fc.record(
      {
        quoteId: id,
        garageId: id,
        invoiceNumber: text(64),
        invoiceDate: calendarDate,
        amountCents: cents,
        replacementVehicle: fc.boolean(),
        insurerShareCents: cents,
        ownerShareCents: cents,
        recoverableVatCents: cents,
        deductibleAppliedCents: cents,
        aboveCeilingCents: cents,
        aboveValidatedQuote: fc.boolean(),
        approvedTotalCents: cents,
        aboveApprovedCents: cents,
        requestedAt: instant,
      },
      {
        requiredKeys: [
          'quoteId',
          'garageId',
          'invoiceNumber',
          'invoiceDate',
          'amountCents',
          'replacementVehicle',
          'insurerShareCents',
          'ownerShareCents',
          'recoverableVatCents',
          'deductibleAppliedCents',
          'aboveCeilingCents',
          'aboveValidatedQuote',
          'requestedAt',
        ],
      },
    ),
};

// ---- Tracking entries with every value a message may print --------------------------------------

const params = fc.record({
  deadline: instant,
  expertName: text(40),
  expertPhone,
  note: text(100),
  reason: text(500),
  invoiceNumber: text(64),
  insurerShareCents: cents.map(String),
  ownerShareCents: cents.map(String),
  at: instant,
  cause: fc.constantFrom('abandoned', 'cancelled', 'quote_closed', 'validated', 'not_validated', 'deadline_passed'),
  supplementNumber: fc.integer({ min: 1, max: 9 }).map(String),
  amountCents: cents.map(String),
  approvedTotalCents: cents.map(String),
  transmission: transmission.map(String),
});
const entry = (code: fc.Arbitrary<TrackingCode>): fc.Arbitrary<TrackingEntry> => fc.record({ at: instantDate, code, params });

/** The tracking mission-intake holds at a change: random entries, and those the verdict says it has. */
function trackingFor(event: DomainEvent): fc.Arbitrary<readonly TrackingEntry[] | undefined> {
  if (event.type !== 'mission.status-changed') return fc.constant(undefined);
  const p = event.payload;
  const needed: TrackingCode[] = [p.reason as TrackingCode];
  if (p.status !== p.previousStatus && (p.status === 'cancelled' || p.status === 'abandoned' || p.status === 'expired')) needed.push(`mission.${p.status}`);
  return fc
    .tuple(fc.array(entry(fc.constantFrom(...trackingCodes)), { maxLength: 4 }), ...needed.map((code) => entry(fc.constant(code))))
    .map(([others, ...required]) => [...others, ...required]);
}

/**
 * A valid internal event of any type, and the facts of its mission: the parties the event names,
 * the others drawn; for mission.received the mission is the snapshot's, and a quote's copy of the
 * mission names the same parties, as in production.
 */
const internalEvent: fc.Arbitrary<{ event: DomainEvent; facts: MissionFacts }> = fc
  .constantFrom(...(Object.keys(payloads) as EventType[]))
  .chain((type) => fc.record({ type: fc.constant(type), eventId: fc.uuid({ version: 4 }), occurredAt: instant, payload: payloads[type] as fc.Arbitrary<unknown>, drawn: partiesArb }))
  .map(({ type, eventId, occurredAt, payload, drawn }) => {
    const named = (type === 'mission.received' ? (payload as EventPayload<'mission.received'>).mission : payload) as Partial<Parties>;
    const mission: Parties = {
      id: named.id !== undefined && type === 'mission.received' ? named.id : drawn.id,
      insurerId: named.insurerId ?? drawn.insurerId,
      garageId: named.garageId ?? drawn.garageId,
      expertOfficeId: named.expertOfficeId ?? drawn.expertOfficeId,
    };
    let data = payload;
    if (type === 'quote.submitted') {
      const quote = payload as EventPayload<'quote.submitted'>;
      const copy = <M extends object>(m: M) => ({ ...m, ...mission });
      data = {
        ...quote,
        ...(quote.administrative ? { administrative: copy(quote.administrative) } : {}),
        ...(quote.reviewFile ? { reviewFile: { ...quote.reviewFile, mission: copy(quote.reviewFile.mission) } } : {}),
      };
    }
    const event = { id: eventId, type, version: 1, occurredAt, missionId: mission.id, correlationId: 'req-1', causationId: null, payload: data } as unknown as DomainEvent;
    return { event, mission };
  })
  .chain(({ event, mission }) => trackingFor(event).map((tracking) => ({ event, facts: tracking === undefined ? { mission } : { mission, tracking } })));

// ---- What must hold for every delivery ----------------------------------------------------------

function checkDeliveries(event: DomainEvent, facts: MissionFacts, deliveries: readonly PublicDelivery[]): void {
  const { mission } = facts;
  const organisationOf = { insurer: mission.insurerId, garage: mission.garageId, expert: mission.expertOfficeId };
  const keys = new Set<string>();
  for (const delivery of deliveries) {
    const checked = validatePublicEvent(delivery.event);
    expect(checked, checked.ok ? '' : `${delivery.event.type}: ${checked.reason}`).toMatchObject({ ok: true });
    expect(delivery.organisation).toBe(organisationOf[delivery.role]);
    expect(delivery.event.missionId).toBe(event.missionId);
    expect(delivery.event.occurredAt).toBe(event.occurredAt);
    keys.add(`${delivery.event.id} ${delivery.organisation}`);
  }
  expect(keys.size).toBe(deliveries.length);
  for (const type of new Set(deliveries.map((d) => d.event.type))) {
    expect(deliveries.filter((d) => d.event.type === type).map((d) => d.role)).toEqual([...publicEventCatalogue[type].audience]);
  }
  if (event.type === 'mission.received') {
    // The insurer and the garage read the owner's contact through the API: they get it here too.
    for (const delivery of deliveries.filter((d) => d.role !== 'expert')) {
      expect((delivery.event as PublicEvent<'mission.deposited'>).data.owner).toEqual(event.payload.mission.owner);
    }
  }
  if (event.type === 'mission.received' || event.type === 'quote.submitted') {
    const contact = event.type === 'mission.received' ? event.payload.mission.owner : event.payload.administrative?.owner;
    for (const delivery of deliveries) {
      const json = JSON.stringify(delivery.event);
      // No public event but the insurer's and the garage's mission.deposited carries the owner's contact.
      const mayRead = delivery.event.type === 'mission.deposited' && delivery.role !== 'expert';
      if (contact && !mayRead) {
        expect(json).not.toContain(contact.phone);
        expect(json).not.toContain(contact.email);
      }
    }
  }
}

describe('public events of random internal events', () => {
  it('always validate, reach only the parties in their roles, and never give the expert office the owner’s contact', () => {
    fc.assert(
      fc.property(internalEvent, ({ event, facts }) => {
        const internalCheck = validateEvent(event);
        expect(internalCheck, internalCheck.ok ? '' : internalCheck.reason).toMatchObject({ ok: true });
        checkDeliveries(event, facts, publicEventsOf(event, facts));
      }),
      { numRuns: 1_000 },
    );
  });

  it('are the same when the internal event is delivered again', () => {
    fc.assert(
      fc.property(internalEvent, ({ event, facts }) => {
        const again = structuredClone(event);
        expect(publicEventsOf(again, facts)).toEqual(publicEventsOf(event, facts));
      }),
      { numRuns: 300 },
    );
  });
});

// ---- Verdicts the procedure really reaches ------------------------------------------------------

const minute = 60_000;
const around = (from: number, to: number) => fc.integer({ min: from, max: to }).map((m) => new Date(baseDeadline.getTime() + m * minute));
const day = 24 * 60;
const closeArb = fc.record({
  type: fc.constant('quote_submitted' as const),
  at: around(-5 * day, day),
  procedure,
  // Mostly the first transmission of one quote, so that decisions often count.
  quoteId: fc.constantFrom('q1', 'q1', 'q1', 'q2'),
  transmission: fc.constantFrom(1, 1, 2),
  totalInclVatCents: fc.integer({ min: 0, max: 5_000_00 }),
});
const decisionArb = fc
  .record(
    {
      type: fc.constant('review_decided' as const),
      at: around(-5 * day, 3 * day),
      sequence: fc.integer({ min: 1, max: 4 }),
      decision: decisionKind,
      expertName: text(30),
      expertPhone,
      note: text(60),
      quoteId: fc.constantFrom('q1', 'q1', 'q1', 'q2'),
      transmission: fc.constantFrom(1, 1, 2),
      respondBy: around(0, 3 * day),
    },
    { requiredKeys: ['type', 'at', 'sequence', 'decision', 'expertName', 'expertPhone', 'quoteId'] },
  )
  // expert-review refuses a request for information without a note (422 note_required).
  .map((d) => (d.decision === 'request_information' && d.note === undefined ? { ...d, note: 'photos of the left door' } : d));
const extensionArb = fc.record({ type: fc.constant('deadline_extended' as const), at: around(-5 * day, day), deadline: around(1, 4 * day), by: fc.constant('INS1') });
const expiryArb = fc.record({ type: fc.constant('expired' as const), at: around(0, 5 * day), deadline: fc.oneof(fc.constant(baseDeadline), around(1, 4 * day)) });
const abandonArb = fc.record({ type: fc.constant('abandoned' as const), at: around(-5 * day, 0), reason: text(80), by: fc.constant('G1') });
const cancelArb = fc.record({ type: fc.constant('cancelled' as const), at: around(-5 * day, 3 * day), reason: text(80), by: fc.constant('INS1') });
const reminderArb = fc.record({ type: fc.constant('deadline_approaching' as const), at: around(-day, 0), deadline: fc.constant(baseDeadline) });
const supplementArb = fc.record({
  type: fc.constant('supplement_submitted' as const),
  at: around(0, 6 * day),
  quoteId: fc.constant('q1'),
  supplementId: fc.constantFrom('s1', 's2'),
  number: fc.integer({ min: 1, max: 2 }),
  totalInclVatCents: fc.integer({ min: 0, max: 1_000_00 }),
});
const supplementDecisionArb = fc.record({
  type: fc.constant('supplement_decided' as const),
  at: around(0, 7 * day),
  quoteId: fc.constant('q1'),
  supplementId: fc.constantFrom('s1', 's2'),
  number: fc.integer({ min: 1, max: 2 }),
  decision: fc.constantFrom('approve' as const, 'reject' as const),
  note: text(60),
  expertName: text(30),
  expertPhone,
  totalInclVatCents: fc.integer({ min: 0, max: 1_000_00 }),
});
const paymentArb = fc.record({
  type: fc.constant('payment_requested' as const),
  at: around(0, 8 * day),
  invoiceNumber: text(20),
  insurerShareCents: cents,
  ownerShareCents: cents,
  flagged: fc.boolean(),
});
/** Weighted so that decisions, supplements and payments often count before the mission's fate is sealed. */
const factArb: fc.Arbitrary<Omit<MissionFact, 'eventId'>> = fc.oneof(
  { weight: 6, arbitrary: closeArb },
  { weight: 8, arbitrary: decisionArb },
  { weight: 2, arbitrary: extensionArb },
  { weight: 2, arbitrary: expiryArb },
  { weight: 1, arbitrary: abandonArb },
  { weight: 1, arbitrary: cancelArb },
  { weight: 1, arbitrary: reminderArb },
  { weight: 3, arbitrary: supplementArb },
  { weight: 3, arbitrary: supplementDecisionArb },
  { weight: 2, arbitrary: paymentArb },
) as fc.Arbitrary<Omit<MissionFact, 'eventId'>>;

describe('public events of the verdicts the procedure reaches', () => {
  it('always find their tracking entry, validate, and announce each fate once, when the status becomes it', () => {
    const parties = { id: 'm_1', insurerId: 'INS1', garageId: 'G1', expertOfficeId: 'EXP1' };
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 12 }), (drafts) => {
        const facts: MissionFact[] = [
          { type: 'received', eventId: 'f-0', at: new Date(baseDeadline.getTime() - 10 * day * minute), deadline: baseDeadline },
          ...drafts.map((draft, i) => ({ ...draft, eventId: `f-${i + 1}` }) as MissionFact),
        ];
        for (const { event, tracking } of verdictChanges(facts)) {
          const internalCheck = validateEvent(event);
          expect(internalCheck, internalCheck.ok ? '' : internalCheck.reason).toMatchObject({ ok: true });
          const deliveries = publicEventsOf(event, { mission: parties, tracking });
          checkDeliveries(event, { mission: parties, tracking }, deliveries);
          const fates = deliveries.filter((d) => ['mission.cancelled', 'mission.abandoned', 'mission.expired'].includes(d.event.type));
          const becameFinal = event.payload.status !== event.payload.previousStatus && ['cancelled', 'abandoned', 'expired'].includes(event.payload.status);
          expect(fates.length).toBe(becameFinal ? 3 : 0);
          if (becameFinal) expect(fates[0]!.event.type).toBe(`mission.${event.payload.status}`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
