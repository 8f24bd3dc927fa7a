/**
 * HTTP bodies of the expert-review service (`/v1/reviews`): the expert office's queue, the review
 * case with everything needed to decide, and the decision.
 */
import Type from 'typebox';
import {
  CalendarDate,
  Cents,
  Decision,
  Id,
  Instant,
  MissionStatus,
  Procedure,
  SupplementDecision,
  SupplementStatus,
  VehicleStatus,
} from '../common.ts';
import { CalculationLineTotal, SmartFrame } from '../events.ts';

export const ReviewStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('pending_validation'),
  Type.Literal('remote_intervention'),
  Type.Literal('onsite_intervention'),
  /** The expert sent the quote back with a note: the case waits for the garage's next transmission. */
  Type.Literal('information_requested'),
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

/**
 * `open`: every case awaiting the expert's decision (neither validated, withdrawn nor waiting for
 * the garage); `information_requested`: the cases waiting for the garage's answer.
 */
export const ReviewQueueFilter = Type.Union([
  Type.Literal('open'),
  Type.Literal('information_requested'),
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
    transmission: Type.Integer({ minimum: 1, description: 'how many times the garage transmitted the quote (1 for the first close)' }),
    dueAt: Type.Union([Instant, Type.Null()], {
      description: "when the expert office's decision on the current transmission is due (insurer policy, working days after it was transmitted)",
    }),
    overdue: Type.Boolean({ description: 'the case awaits a decision and dueAt has passed' }),
    /** While information is requested: when the garage's answer is due. */
    respondBy: Type.Union([Instant, Type.Null()]),
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
    /** The transmission of the quote the decision was taken on. */
    transmission: Type.Integer({ minimum: 1 }),
    /** request_information only: when the garage's answer is due. */
    respondBy: Type.Union([Instant, Type.Null()]),
  },
  { additionalProperties: false },
);

/** One transmission of the quote, as the garage closed it: the snapshot the expert judged. */
export const ReviewTransmission = Type.Object(
  {
    transmission: Type.Integer({ minimum: 1 }),
    closedAt: Instant,
    calculation: Type.Union([ReviewCalculation, Type.Null()]),
    smartFrame: Type.Union([SmartFrame, Type.Null()]),
    vehicleStatus: Type.Union([VehicleStatus, Type.Null()]),
    vehicleStatusNote: Type.Union([Type.String(), Type.Null()]),
    photos: Type.Array(ReviewPhoto),
  },
  { additionalProperties: false },
);

export const CalculationTotals = Type.Object(
  { totalExclVatCents: Cents, vatCents: Cents, totalInclVatCents: Cents },
  { additionalProperties: false },
);

/** What changed in the latest transmission since the one before it (null for the first). */
export const TransmissionChanges = Type.Object(
  {
    previousTransmission: Type.Integer({ minimum: 1 }),
    calculation: Type.Object(
      {
        linesAdded: Type.Array(CalculationLineTotal),
        linesRemoved: Type.Array(CalculationLineTotal),
        /** Lines of the same kind and description whose figures changed. */
        linesChanged: Type.Array(Type.Object({ before: CalculationLineTotal, after: CalculationLineTotal }, { additionalProperties: false })),
        totalsBefore: Type.Union([CalculationTotals, Type.Null()]),
        totalsAfter: Type.Union([CalculationTotals, Type.Null()]),
      },
      { additionalProperties: false },
    ),
    photosAdded: Type.Array(ReviewPhoto),
    photosRemoved: Type.Array(Id),
    smartAnswersChanged: Type.Array(
      Type.Object(
        {
          question: Type.String({ description: 'the Smart frame field, e.g. multipleDamageZones' }),
          before: Type.Union([Type.Boolean(), Type.Null()]),
          after: Type.Union([Type.Boolean(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
    vehicleStatusChanged: Type.Union([
      Type.Object({ before: Type.Union([VehicleStatus, Type.Null()]), after: Type.Union([VehicleStatus, Type.Null()]) }, { additionalProperties: false }),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

/** A supplement for hidden damage, beside the validated quote's calculation. */
export const ReviewSupplement = Type.Object(
  {
    id: Id,
    number: Type.Integer({ minimum: 1 }),
    reason: Type.String(),
    status: SupplementStatus,
    calculation: ReviewCalculation,
    totalInclVatCents: Cents,
    photos: Type.Array(ReviewPhoto),
    submittedAt: Instant,
    /** The expert's note (required to reject). */
    note: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Type.Union([Instant, Type.Null()]),
    expert: Type.Union([Type.Object({ name: Type.String(), phone: Type.String() }, { additionalProperties: false }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ReviewSupplement = Type.Static<typeof ReviewSupplement>;

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
    /** The current transmission (the top-level quote fields show it); 1 for the first close. */
    transmission: Type.Integer({ minimum: 1 }),
    /** Every transmission of the quote, oldest first; the last is the current one. */
    transmissions: Type.Array(ReviewTransmission),
    /** What the garage changed in the current transmission since the previous one; null for the first. */
    changesSincePrevious: Type.Union([TransmissionChanges, Type.Null()]),
    dueAt: Type.Union([Instant, Type.Null()]),
    overdue: Type.Boolean(),
    /** While information is requested: when the garage's answer is due. */
    respondBy: Type.Union([Instant, Type.Null()]),
    /** The supplements for hidden damage the garage submitted, oldest first. */
    supplements: Type.Array(ReviewSupplement),
    /** Once validated for repairs: the validated quote's total plus the approved supplements, incl. VAT. */
    approvedTotalCents: Type.Union([Cents, Type.Null()]),
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
    /** Optional, except for request_information where it says what is missing (422 note_required). */
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    /**
     * request_information only: when the garage's answer is due, `YYYY-MM-DD` (end of that day in
     * Europe/Brussels) or a date-time with offset, in the future. Default: the insurer policy's
     * working days for an answer.
     */
    respondBy: Type.Optional(Type.String({ maxLength: 64 })),
    /** The case's `version` the expert decided on; a stale one is refused with 409 version_conflict. */
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The case's `transmission` the expert decided on; an older one is refused with 409 version_conflict. */
    expectedTransmission: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type DecisionRequest = Type.Static<typeof DecisionRequest>;

export const SupplementParams = Type.Object({ id: Id, supplementId: Id }, { additionalProperties: false });

export const SupplementDecisionRequest = Type.Object(
  {
    decision: SupplementDecision,
    /** Required to reject (422 note_required): the garage reads why. */
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type SupplementDecisionRequest = Type.Static<typeof SupplementDecisionRequest>;

/** The answer to a supplement decision: the supplement as decided and the case's approved total. */
export const SupplementDecisionAnswer = Type.Object(
  {
    reviewId: Id,
    supplement: ReviewSupplement,
    approvedTotalCents: Type.Union([Cents, Type.Null()]),
  },
  { additionalProperties: false },
);
