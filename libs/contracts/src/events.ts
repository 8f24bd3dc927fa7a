import Type from 'typebox';
import { Compile } from 'typebox/compile';
import {
  BoardSection,
  CalendarDate,
  Cents,
  Claim,
  Decision,
  DirectPayment,
  Id,
  Instant,
  InsurerPolicy,
  MissionStatus,
  Outcome,
  Owner,
  Procedure,
  SupplementDecision,
  Vehicle,
  VehicleStatus,
} from './common.ts';

/** The administrative snapshot of a mission, as deposited by the insurer. */
export const MissionSnapshot = Type.Object({
  id: Id,
  insurerId: Id,
  insurerMissionRef: Type.String({ minLength: 1, maxLength: 64 }),
  garageId: Id,
  expertOfficeId: Id,
  claim: Claim,
  vehicle: Vehicle,
  owner: Owner,
  directPayment: Type.Union([DirectPayment, Type.Null()]),
});
export type MissionSnapshot = Type.Static<typeof MissionSnapshot>;

/**
 * The mission as an expert office may read it: the owner's phone and e-mail are left out (the
 * expert office never receives them, in any view or event it reads).
 */
export const ExpertMissionSnapshot = Type.Object({
  ...MissionSnapshot.properties,
  owner: Type.Object({
    name: Owner.properties.name,
    vatRegime: Owner.properties.vatRegime,
    vatDeductiblePercent: Owner.properties.vatDeductiblePercent,
  }),
});
export type ExpertMissionSnapshot = Type.Static<typeof ExpertMissionSnapshot>;

/** Drops what the expert office may not read from a mission snapshot. */
export function forExpert(mission: MissionSnapshot): ExpertMissionSnapshot {
  const { phone: _phone, email: _email, ...owner } = mission.owner;
  return { ...mission, owner };
}

export const MissionReceivedV1 = Type.Object({
  mission: MissionSnapshot,
  deadline: Instant,
  receivedAt: Instant,
  policy: InsurerPolicy,
});

export const MissionAbandonedV1 = Type.Object({
  garageId: Id,
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  abandonedAt: Instant,
  abandonedBy: Type.String({ minLength: 1, maxLength: 200 }),
});

export const MissionCancelledV1 = Type.Object({
  insurerId: Id,
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  cancelledAt: Instant,
  cancelledBy: Type.String({ minLength: 1, maxLength: 200 }),
});

/** The expert who decided last, as the garage reads it (never parsed out of a tracking text). */
export const ExpertContact = Type.Object({ name: Type.String({ minLength: 1 }), phone: Type.String({ minLength: 1 }) });
export const LastDecision = Type.Object({ decision: Decision, note: Type.Union([Type.String(), Type.Null()]), at: Instant });

/**
 * mission-intake's verdict on a mission, published each time it changes: the authority the other
 * services act on (quote voids what lost, the scheduler stops a settled deadline). `reason` is the
 * tracking code of the entry that made the change.
 */
export const MissionStatusChangedV1 = Type.Object({
  insurerId: Id,
  garageId: Id,
  expertOfficeId: Id,
  status: MissionStatus,
  section: BoardSection,
  outcome: Type.Union([Outcome, Type.Null()]),
  previousStatus: Type.Union([MissionStatus, Type.Null()]),
  reason: Type.String({ minLength: 1, maxLength: 64 }),
  changedAt: Instant,
  /**
   * Per mission, strictly increasing from one verdict to the next: the number of facts the verdict
   * was folded from. Two verdicts of one consumed batch share `changedAt`; this orders them. Absent
   * in events published before it was kept.
   */
  sequence: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * The tracking entries this change added, oldest first, with the values inside each message as
   * `params` (code and params as `trackingMessage` renders them): what a publisher outside
   * mission-intake needs to tell partners what happened. Absent in events published before it was kept.
   */
  tracking: Type.Optional(
    Type.Array(Type.Object({ at: Instant, code: Type.String({ minLength: 1 }), params: Type.Record(Type.String(), Type.String()) })),
  ),
  /**
   * The deadline that holds: the garage's deadline (with the insurer's extensions) while the
   * mission is new, the answer's due date while information is requested, else the last of them.
   */
  deadline: Instant,
  /** The closed quote the mission rests on, when one won. */
  quoteId: Type.Union([Id, Type.Null()]),
  procedure: Type.Union([Procedure, Type.Null()]),
  /** Quotes that can never be analysed, validated or paid: closes that lost, or the quote of a cancelled mission. */
  voidedQuoteIds: Type.Array(Id),
  expert: Type.Union([ExpertContact, Type.Null()]),
  lastDecision: Type.Union([LastDecision, Type.Null()]),
  /**
   * How many times the quote the mission rests on was transmitted and counted (1 after the first
   * close, +1 per answer to a request for information); absent in events published before it was kept.
   */
  transmission: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The validated quote plus approved supplements, incl. VAT, once validated for repairs. */
  approvedTotalCents: Type.Optional(Type.Union([Cents, Type.Null()])),
});

/** The insurer gave the garage more time, while it still had to act (new or information requested). */
export const MissionDeadlineExtendedV1 = Type.Object({
  insurerId: Id,
  garageId: Id,
  expertOfficeId: Id,
  previousDeadline: Instant,
  deadline: Instant,
  extendedAt: Instant,
  extendedBy: Type.String({ minLength: 1, maxLength: 200 }),
});

export const CalculationLineKind = Type.Union([
  Type.Literal('part'),
  Type.Literal('labour'),
  Type.Literal('paint'),
  Type.Literal('sundry'),
]);

/** One line of a calculation as the service computed it: the garage's input and its total. */
export const CalculationLineTotal = Type.Object({
  kind: CalculationLineKind,
  description: Type.String(),
  quantity: Type.Optional(Type.Number()),
  unitPriceCents: Type.Optional(Type.Integer()),
  hours: Type.Optional(Type.Number()),
  hourlyRateCents: Type.Optional(Type.Integer()),
  discountPercent: Type.Optional(Type.Number()),
  totalCents: Type.Integer(),
});

export const SubmittedCalculation = Type.Object({
  calculationNumber: Type.String({ minLength: 1, maxLength: 64 }),
  vatRate: Type.Integer({ minimum: 0, maximum: 100 }),
  lines: Type.Array(CalculationLineTotal),
  totalExclVatCents: Cents,
  vatCents: Cents,
  totalInclVatCents: Cents,
});

export const SmartFrame = Type.Object({
  probableTotalLoss: Type.Boolean(),
  multipleDamageZones: Type.Boolean(),
  expertAdviceNeeded: Type.Boolean(),
  technicalInspectionNeeded: Type.Boolean(),
  onSiteExpertNeeded: Type.Boolean(),
});
export type SmartFrame = Type.Static<typeof SmartFrame>;

export const SubmittedPhoto = Type.Object({
  id: Id,
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  contentType: Type.String(),
  sizeBytes: Type.Integer({ minimum: 0 }),
  seenOnOtherMission: Type.Boolean(),
});

export const QuoteSubmittedV1 = Type.Object({
  quoteId: Id,
  garageId: Id,
  expertOfficeId: Id,
  procedure: Procedure,
  closedAt: Instant,
  calculation: Type.Union([SubmittedCalculation, Type.Null()]),
  smartFrame: Type.Union([SmartFrame, Type.Null()]),
  vehicleStatus: Type.Union([VehicleStatus, Type.Null()]),
  vehicleStatusNote: Type.Union([Type.String(), Type.Null()]),
  photos: Type.Array(SubmittedPhoto),
  /**
   * 1 for the first close, then +1 each time the garage transmits the quote again after the
   * expert's request for information (absent: 1).
   */
  transmission: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The administrative data the quote copied from the mission (added without a new version). */
  administrative: Type.Optional(MissionSnapshot),
  /**
   * What the expert office reads to open its case: the mission without the owner's contact, its
   * deadline and the insurer's policy in force. expert-review needs no other event to open a case.
   */
  reviewFile: Type.Optional(
    Type.Object({ mission: ExpertMissionSnapshot, deadline: Instant, policy: InsurerPolicy }),
  ),
});

/**
 * A voided quote the verdict rests on again: the insurer's cancel that voided it lost to a
 * validation made before it and learned late, or the expiry of a request for information lost to
 * an answer on time learned late. Its case comes back in the state of the office's own last
 * decision on the transmission it holds, else in the state `missionStatus` says.
 */
export const QuoteReinstatedV1 = Type.Object({
  quoteId: Id,
  garageId: Id,
  expertOfficeId: Id,
  missionStatus: MissionStatus,
  reinstatedAt: Instant,
});

/** A quote that will never be analysed, validated or paid: its mission was abandoned or cancelled. */
export const QuoteVoidedV1 = Type.Object({
  quoteId: Id,
  garageId: Id,
  expertOfficeId: Id,
  /** What the mission became: why the quote can no longer count. */
  missionStatus: MissionStatus,
  voidedAt: Instant,
});

export const ReviewDecidedV1 = Type.Object({
  reviewId: Id,
  quoteId: Id,
  expertOfficeId: Id,
  decision: Decision,
  expertName: Type.String({ minLength: 1 }),
  expertPhone: Type.String({ minLength: 1 }),
  note: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Instant,
  /** 1 for the case's first decision, then +1: orders decisions whatever topic order is seen. */
  sequence: Type.Integer({ minimum: 1 }),
  /** The quote's transmission the decision was taken on (absent: 1). */
  transmission: Type.Optional(Type.Integer({ minimum: 1 })),
  /** request_information only: when the garage's answer is due. */
  respondBy: Type.Optional(Instant),
});

/** A supplement for hidden damage, transmitted by the garage to the expert office. */
export const SupplementSubmittedV1 = Type.Object({
  quoteId: Id,
  supplementId: Id,
  garageId: Id,
  expertOfficeId: Id,
  /** 1 for the quote's first supplement, then +1. */
  number: Type.Integer({ minimum: 1 }),
  reason: Type.String({ minLength: 1, maxLength: 2000 }),
  calculation: SubmittedCalculation,
  photos: Type.Array(SubmittedPhoto),
  submittedAt: Instant,
});

/** The expert's decision on a supplement. */
export const SupplementDecidedV1 = Type.Object({
  reviewId: Id,
  quoteId: Id,
  supplementId: Id,
  expertOfficeId: Id,
  number: Type.Integer({ minimum: 1 }),
  decision: SupplementDecision,
  note: Type.Union([Type.String(), Type.Null()]),
  expertName: Type.String({ minLength: 1 }),
  expertPhone: Type.String({ minLength: 1 }),
  /** The supplement's total incl. VAT: what an approval adds to the approved total. */
  totalInclVatCents: Cents,
  decidedAt: Instant,
});

export const DeadlineApproachingV1 = Type.Object({
  deadline: Instant,
  notifiedAt: Instant,
});

export const MissionExpiredV1 = Type.Object({
  deadline: Instant,
  expiredAt: Instant,
  runId: Type.String(),
});

export const PaymentRequestedV1 = Type.Object({
  quoteId: Id,
  garageId: Id,
  invoiceNumber: Type.String({ minLength: 1, maxLength: 64 }),
  invoiceDate: CalendarDate,
  amountCents: Cents,
  replacementVehicle: Type.Boolean(),
  insurerShareCents: Cents,
  ownerShareCents: Cents,
  recoverableVatCents: Cents,
  deductibleAppliedCents: Cents,
  aboveCeilingCents: Cents,
  /** The invoice is above the validated quote's total: accepted, but the insurer should look. */
  aboveValidatedQuote: Type.Boolean(),
  /** The validated quote plus approved supplements, incl. VAT (absent in requests made before it was kept). */
  approvedTotalCents: Type.Optional(Cents),
  /** The part of the invoice above the approved total, left to the owner. */
  aboveApprovedCents: Type.Optional(Cents),
  requestedAt: Instant,
});

/** Every event type, its current version and its payload schema. */
export const EventPayloads = {
  'mission.received': { 1: MissionReceivedV1 },
  'mission.abandoned': { 1: MissionAbandonedV1 },
  'mission.cancelled': { 1: MissionCancelledV1 },
  'mission.status-changed': { 1: MissionStatusChangedV1 },
  'mission.deadline-extended': { 1: MissionDeadlineExtendedV1 },
  'quote.submitted': { 1: QuoteSubmittedV1 },
  'quote.voided': { 1: QuoteVoidedV1 },
  'quote.reinstated': { 1: QuoteReinstatedV1 },
  'review.decided': { 1: ReviewDecidedV1 },
  'supplement.submitted': { 1: SupplementSubmittedV1 },
  'supplement.decided': { 1: SupplementDecidedV1 },
  'mission.deadline-approaching': { 1: DeadlineApproachingV1 },
  'mission.expired': { 1: MissionExpiredV1 },
  'payment.requested': { 1: PaymentRequestedV1 },
} as const;

export type EventType = keyof typeof EventPayloads;
export type EventPayload<T extends EventType> = Type.Static<(typeof EventPayloads)[T][1]>;
export const EVENT_TYPES = Object.keys(EventPayloads) as EventType[];

/** The envelope every event travels in; the Kafka key is `missionId`. */
export const EventEnvelope = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  occurredAt: Instant,
  missionId: Id,
  correlationId: Type.String({ minLength: 1, maxLength: 128 }),
  causationId: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()]),
  payload: Type.Unknown(),
});
export type EventEnvelope = Type.Static<typeof EventEnvelope>;

/** A validated event: the envelope with its payload typed by its `type`. */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: Omit<EventEnvelope, 'type' | 'payload'> & { type: K; payload: EventPayload<K> };
}[T];

const envelopeCheck = Compile(EventEnvelope);
const payloadChecks = new Map<string, ReturnType<typeof Compile>>();
for (const [type, versions] of Object.entries(EventPayloads)) {
  for (const [version, schema] of Object.entries(versions)) payloadChecks.set(`${type}@${version}`, Compile(schema));
}

export type EventValidation = { ok: true; event: DomainEvent } | { ok: false; reason: string };

function describeErrors(check: ReturnType<typeof Compile>, value: unknown, prefix: string): string {
  return [...check.Errors(value)]
    .slice(0, 5)
    .map((e) => `${prefix}${e.instancePath || '/'} ${e.message}`)
    .join('; ');
}

/** Validates raw bytes or a parsed object against the envelope and the payload's schema. */
export function validateEvent(raw: unknown): EventValidation {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
  }
  if (!envelopeCheck.Check(value)) return { ok: false, reason: `bad envelope: ${describeErrors(envelopeCheck, value, '')}` };
  const envelope = value as EventEnvelope;
  const check = payloadChecks.get(`${envelope.type}@${envelope.version}`);
  if (!check) return { ok: false, reason: `unknown event type ${envelope.type} version ${envelope.version}` };
  if (!check.Check(envelope.payload)) {
    return { ok: false, reason: `bad ${envelope.type} payload: ${describeErrors(check, envelope.payload, 'payload')}` };
  }
  return { ok: true, event: envelope as DomainEvent };
}
