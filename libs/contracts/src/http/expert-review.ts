/**
 * HTTP bodies of the expert-review service (`/v1/reviews`): the expert office's queue, the review
 * case with everything needed to decide, and the decision.
 */
import Type from 'typebox';
import { CalendarDate, Cents, Decision, Id, Instant, MissionStatus, Procedure, VehicleStatus } from '../common.ts';
import { CalculationLineTotal, SmartFrame } from '../events.ts';

export const ReviewStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('pending_validation'),
  Type.Literal('remote_intervention'),
  Type.Literal('onsite_intervention'),
  Type.Literal('validated'),
  /** The quote was voided (its mission abandoned or cancelled first): out of the queue, no decision accepted. */
  Type.Literal('withdrawn'),
]);
export type ReviewStatus = Type.Static<typeof ReviewStatus>;

/** A decision, or `total_loss_handling` when the figures or the procedure point to a total loss. */
export const SuggestedDecision = Type.Union([Decision, Type.Literal('total_loss_handling')]);

export const Severity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]);

export const Finding = Type.Object(
  {
    code: Type.String({ description: 'stable code, e.g. labour.rate_above_agreed' }),
    severity: Severity,
    message: Type.String(),
  },
  { additionalProperties: false },
);

/** `open`: every case awaiting a decision (neither validated nor withdrawn). */
export const ReviewQueueFilter = Type.Union([
  Type.Literal('open'),
  Type.Literal('validated'),
  Type.Literal('withdrawn'),
  Type.Literal('all'),
]);

export const ReviewQueueQuery = Type.Object(
  {
    status: Type.Optional(ReviewQueueFilter),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'opaque; the nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const ReviewVehicleBrief = Type.Union([
  Type.Object({ plate: Type.String(), make: Type.String(), model: Type.String() }, { additionalProperties: false }),
  Type.Null(),
]);

/** One line of the queue; also the answer to a decision. */
export const ReviewSummary = Type.Object(
  {
    id: Id,
    missionId: Id,
    quoteId: Id,
    status: ReviewStatus,
    /** Null until the mission's data has reached the service. */
    deadline: Type.Union([Instant, Type.Null()]),
    procedure: Procedure,
    garageId: Id,
    vehicle: ReviewVehicleBrief,
    claimNumber: Type.Union([Type.String(), Type.Null()]),
    /** Null for a total-loss file, which has no calculation. */
    totalInclVatCents: Type.Union([Cents, Type.Null()]),
    suggestedDecision: SuggestedDecision,
    findingsSummary: Type.String({ description: 'one line, e.g. "1 critical, 1 warning: too few photos; labour rate above agreed"' }),
    openedAt: Instant,
    version: Type.Integer({ minimum: 0, description: 'number of decisions recorded; send it back as expectedVersion' }),
  },
  { additionalProperties: false },
);
export type ReviewSummary = Type.Static<typeof ReviewSummary>;

export const ReviewQueuePage = Type.Object(
  {
    items: Type.Array(ReviewSummary),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const ReviewCalculationLine = CalculationLineTotal;

export const ReviewCalculation = Type.Object({
  calculationNumber: Type.String(),
  vatRate: Type.Integer(),
  lines: Type.Array(ReviewCalculationLine),
  totalExclVatCents: Cents,
  vatCents: Cents,
  totalInclVatCents: Cents,
});

export const ReviewPhoto = Type.Object(
  {
    id: Id,
    sha256: Type.String(),
    contentType: Type.String(),
    sizeBytes: Type.Integer({ minimum: 0 }),
    seenOnOtherMission: Type.Boolean(),
    /** Served by the quote service under the same host. */
    href: Type.String({ description: '/v1/quotes/{quoteId}/photos/{photoId}' }),
  },
  { additionalProperties: false },
);

export const ReviewDecisionRecord = Type.Object(
  {
    sequence: Type.Integer({ minimum: 1 }),
    decision: Decision,
    expertName: Type.String(),
    expertPhone: Type.String(),
    note: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Instant,
  },
  { additionalProperties: false },
);

/** The mission's administrative data, as received from mission-intake (null until it arrives). */
export const ReviewMission = Type.Object(
  {
    insurerId: Id,
    insurerMissionRef: Type.String(),
    garageId: Id,
    expertOfficeId: Id,
    deadline: Instant,
    claim: Type.Object({
      claimNumber: Type.String(),
      policyNumber: Type.String(),
      lossDate: CalendarDate,
      circumstances: Type.String(),
    }),
    vehicle: Type.Object({
      vin: Type.String(),
      plate: Type.String(),
      make: Type.String(),
      model: Type.String(),
      firstRegistrationDate: CalendarDate,
      valueCents: Type.Optional(Cents),
    }),
    ownerName: Type.String(),
    directPayment: Type.Union([
      Type.Object({ planned: Type.Boolean(), ceilingCents: Cents, deductibleCents: Cents }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

export const ReviewCase = Type.Object(
  {
    id: Id,
    missionId: Id,
    quoteId: Id,
    expertOfficeId: Id,
    garageId: Id,
    status: ReviewStatus,
    version: Type.Integer({ minimum: 0 }),
    procedure: Procedure,
    openedAt: Instant,
    quoteClosedAt: Instant,
    deadline: Type.Union([Instant, Type.Null()]),
    mission: Type.Union([ReviewMission, Type.Null()]),
    calculation: Type.Union([ReviewCalculation, Type.Null()]),
    smartFrame: Type.Union([SmartFrame, Type.Null()]),
    vehicleStatus: Type.Union([VehicleStatus, Type.Null()]),
    vehicleStatusNote: Type.Union([Type.String(), Type.Null()]),
    photos: Type.Array(ReviewPhoto),
    findings: Type.Array(Finding),
    findingsSummary: Type.String(),
    /**
     * `insurer_policy` once the mission (with the insurer's thresholds and the vehicle value) is
     * known; `default_policy` while the quote arrived first and the platform defaults were used.
     */
    findingsBasis: Type.Union([Type.Literal('insurer_policy'), Type.Literal('default_policy')]),
    suggestedDecision: SuggestedDecision,
    decisions: Type.Array(ReviewDecisionRecord),
    /** Why and when the case left the queue without a decision: the mission's status that voided the quote. */
    withdrawal: Type.Union([Type.Object({ missionStatus: MissionStatus, at: Instant }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ReviewCase = Type.Static<typeof ReviewCase>;

export const ReviewIdParams = Type.Object({ id: Id }, { additionalProperties: false });

export const DecisionRequest = Type.Object(
  {
    decision: Decision,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The case's `version` the expert decided on; a stale one is refused with 409 version_conflict. */
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type DecisionRequest = Type.Static<typeof DecisionRequest>;
