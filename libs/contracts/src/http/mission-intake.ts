/**
 * HTTP bodies of the mission-intake service (`/v1/missions`, `/v1/board`, `/v1/insurers`): the
 * deposit, the mission as each party sees it, its tracking, the garage's board and the insurers'
 * policies. One source for validation, serialisation and the OpenAPI document.
 */
import Type from 'typebox';
import {
  BoardSection,
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
  OwnerView,
  ReviewThresholds,
  Vehicle,
} from '../common.ts';

export const InsurerMissionRef = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "the insurer's own reference of the mission; re-sending it does not create a second mission",
});

/**
 * The deposit of a Smart Expertise. Rules beyond types are checked by the service and answered 400
 * naming each field: `claim.lossDate` and `vehicle.firstRegistrationDate` not in the future,
 * `owner.vatDeductiblePercent` required exactly when `owner.vatRegime` is `partial`,
 * `directPayment.deductibleCents` not above `directPayment.ceilingCents`, and `deadline` in the future.
 */
export const DepositMissionBody = Type.Object(
  {
    insurerMissionRef: InsurerMissionRef,
    garageId: Id,
    expertOfficeId: Id,
    claim: Claim,
    vehicle: Vehicle,
    owner: Owner,
    directPayment: Type.Optional(DirectPayment),
    deadline: Type.Optional(
      Type.String({
        minLength: 10,
        maxLength: 40,
        description:
          "`YYYY-MM-DD` (the end of that day in Europe/Brussels) or an ISO 8601 date-time with offset; must be in the future. Absent: computed from the insurer's policy (working days, weekends and Belgian public holidays excluded).",
      }),
    ),
  },
  { additionalProperties: false },
);
export type DepositMissionBody = Type.Static<typeof DepositMissionBody>;

export const MissionIdParams = Type.Object({ id: Id });
export const InsurerIdParams = Type.Object({ insurerId: Id });

/** One tracking line, rendered in the language of `Accept-Language` (fr by default, nl, en). */
export const TrackingEntry = Type.Object({
  at: Instant,
  code: Type.String({ description: 'stable message code, e.g. quote.under_analysis' }),
  message: Type.String(),
  /**
   * The values inside the message, as fields, so garage software never parses the text: `deadline`
   * and `at` as ISO instants, `expertName`, `expertPhone`, `note`, `reason`, `invoiceNumber`,
   * amounts in cents as decimal strings, `cause` of a voiding.
   */
  params: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const PaymentRequestView = Type.Object({
  requestedAt: Instant,
  invoiceNumber: Type.String(),
  insurerShareCents: Type.Integer(),
  ownerShareCents: Type.Integer(),
  /** The invoice is above the validated quote: accepted, but the insurer should look. */
  flagged: Type.Boolean(),
});

export const PolicyInForce = InsurerPolicy;

/** The expert who decided last, as fields. */
export const ExpertView = Type.Object({ name: Type.String(), phone: Type.String() });
export const LastDecisionView = Type.Object({
  decision: Decision,
  note: Type.Union([Type.String(), Type.Null()]),
  at: Instant,
});

/** The mission: administrative data, lifecycle state and tracking, oldest first. */
export const MissionView = Type.Object({
  id: Id,
  insurerId: Id,
  insurerMissionRef: Type.String(),
  garageId: Id,
  expertOfficeId: Id,
  claim: Claim,
  vehicle: Vehicle,
  owner: OwnerView,
  directPayment: Type.Union([DirectPayment, Type.Null()]),
  status: MissionStatus,
  section: BoardSection,
  outcome: Type.Union([Outcome, Type.Null()]),
  /**
   * The deadline that holds: the quote deadline (with the insurer's extensions) while the mission is
   * new, the due date of the garage's answer while information is requested.
   */
  deadline: Instant,
  receivedAt: Instant,
  updatedAt: Instant,
  /** How many transmissions of the quote count: 1 after the first close, +1 per answer to a request for information. */
  transmission: Type.Integer({ minimum: 0 }),
  /** The validated quote plus approved supplements, incl. VAT; null until validated for repairs. */
  approvedTotalCents: Type.Union([Cents, Type.Null()]),
  /** The supplements for hidden damage, by number, with the expert's decision once taken. */
  supplements: Type.Array(
    Type.Object({
      supplementId: Id,
      number: Type.Integer({ minimum: 1 }),
      status: Type.Union([Type.Literal('submitted'), Type.Literal('approved'), Type.Literal('rejected')]),
      totalInclVatCents: Cents,
      submittedAt: Type.Union([Instant, Type.Null()]),
      decidedAt: Type.Union([Instant, Type.Null()]),
      note: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  /** The insurer's policy in force at deposit. */
  policy: PolicyInForce,
  paymentRequested: Type.Boolean(),
  payment: Type.Union([PaymentRequestView, Type.Null()]),
  /** The expert of the last decision that counts, once an expert has decided. */
  expert: Type.Union([ExpertView, Type.Null()]),
  lastDecision: Type.Union([LastDecisionView, Type.Null()]),
  tracking: Type.Array(TrackingEntry),
});
export type MissionView = Type.Static<typeof MissionView>;

export const MissionTracking = Type.Object({
  missionId: Id,
  /** Oldest first. */
  tracking: Type.Array(TrackingEntry),
});

const Cursor = Type.String({ maxLength: 512, description: 'opaque; the nextCursor of the previous page' });
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

export const MissionListQuery = Type.Object(
  {
    status: Type.Optional(MissionStatus),
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);

export const MissionSummary = Type.Object({
  id: Id,
  insurerId: Id,
  insurerMissionRef: Type.String(),
  garageId: Id,
  expertOfficeId: Id,
  claimNumber: Type.String(),
  plate: Type.String(),
  status: MissionStatus,
  section: BoardSection,
  outcome: Type.Union([Outcome, Type.Null()]),
  deadline: Instant,
  receivedAt: Instant,
  updatedAt: Instant,
  paymentRequested: Type.Boolean(),
});

export const MissionListPage = Type.Object({
  items: Type.Array(MissionSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const BoardQuery = Type.Object(
  {
    section: Type.Optional(BoardSection),
    cursor: Type.Optional(Cursor),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);

export const BoardItem = Type.Object({
  id: Id,
  insurerMissionRef: Type.String(),
  claimNumber: Type.String(),
  plate: Type.String(),
  make: Type.String(),
  model: Type.String(),
  status: MissionStatus,
  section: BoardSection,
  deadline: Instant,
  receivedAt: Instant,
  paymentRequested: Type.Boolean(),
  /** The newest tracking line, or null when none is known yet. */
  lastTracking: Type.Union([TrackingEntry, Type.Null()]),
});

const count = Type.Integer({ minimum: 0 });
/** How many of the garage's missions are in each section (every section is present, 0 included). */
export const BoardCounts = Type.Object({
  'smart.new': count,
  'smart.under_analysis': count,
  'smart.remote_intervention': count,
  'smart.onsite_intervention': count,
  'smart.information_requested': count,
  'smart.closed': count,
  'classic.expired': count,
  'closed.abandoned': count,
  'closed.cancelled': count,
});

export const Board = Type.Object({
  counts: BoardCounts,
  /** The section listed in `items`. */
  section: BoardSection,
  /** Newest first. */
  items: Type.Array(BoardItem),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const AbandonBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'why the garage abandons; shown in the tracking' }),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'why the insurer withdraws the mission; shown in the tracking' }),
  },
  { additionalProperties: false },
);

export const ExtendDeadlineBody = Type.Object(
  {
    deadline: Type.String({
      minLength: 10,
      maxLength: 40,
      description:
        '`YYYY-MM-DD` (the end of that day in Europe/Brussels) or an ISO 8601 date-time with offset; later than the deadline that holds now.',
    }),
  },
  { additionalProperties: false },
);

export const PutPolicyBody = InsurerPolicy;

/** The insurer's policy; `isDefault` when the insurer has set none and the platform's defaults apply. */
export const InsurerPolicyView = Type.Object({
  insurerId: Id,
  workingDays: Type.Integer(),
  informationWorkingDays: Type.Integer(),
  reviewWorkingDays: Type.Integer(),
  minPhotos: Type.Integer(),
  reviewThresholds: ReviewThresholds,
  isDefault: Type.Boolean(),
  updatedAt: Type.Union([Instant, Type.Null()]),
});

/** One change of a mission's state and who made it (ops only). */
export const AuditEntryView = Type.Object({
  at: Instant,
  actorRole: Type.Union([Type.Literal('insurer'), Type.Literal('garage'), Type.Literal('expert'), Type.Literal('ops'), Type.Literal('system')]),
  /** The organisation (insurer, garage, expert office) or, for `system`, the service that acted. */
  actorOrg: Type.String(),
  /** The expert's name, or the token's subject when it has one. */
  actorName: Type.Union([Type.String(), Type.Null()]),
  action: Type.String({
    description:
      'deposited, abandoned, cancelled, deadline_extended, quote_submitted, review_decided.<decision>, deadline_approaching, expired, payment_requested, supplement_submitted, supplement_decided.<decision>',
  }),
  fromStatus: Type.Union([MissionStatus, Type.Null()]),
  toStatus: Type.Union([MissionStatus, Type.Null()]),
  /** The event that announced or carried the change. */
  eventId: Type.Union([Type.String(), Type.Null()]),
});

export const MissionAudit = Type.Object({
  missionId: Id,
  /** Oldest first. */
  entries: Type.Array(AuditEntryView),
});
