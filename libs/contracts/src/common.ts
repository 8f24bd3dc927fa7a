import Type from 'typebox';

/** Opaque identifier: letters, digits, dash and underscore, so ids are safe in paths and logs. */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/** Money is always integer euro cents. */
export const Cents = Type.Integer({ minimum: 0, maximum: 100_000_000_00 });
/** An instant, ISO 8601 with offset. */
export const Instant = Type.String({ format: 'date-time' });
/** A calendar date, YYYY-MM-DD. */
export const CalendarDate = Type.String({ format: 'date' });
export const Language = Type.Union([Type.Literal('fr'), Type.Literal('nl'), Type.Literal('en')]);

/** 17 characters, never I, O or Q (ISO 3779). */
export const Vin = Type.String({ pattern: '^[A-HJ-NPR-Z0-9]{17}$', description: 'ISO 3779 VIN: 17 characters, no I, O or Q' });
/**
 * A Belgian registration plate: the current 1-ABC-123 series, or the older ABC-123 and 123-ABC
 * series, dashes optional, upper case.
 */
export const BelgianPlate = Type.String({
  pattern: '^(?:[1-9]-?[A-Z]{3}-?[0-9]{3}|[A-Z]{3}-?[0-9]{3}|[0-9]{3}-?[A-Z]{3})$',
  description: 'Belgian plate, e.g. 1-ABC-123',
});

export const VatRegime = Type.Union([Type.Literal('none'), Type.Literal('full'), Type.Literal('partial')]);
export const Procedure = Type.Union([Type.Literal('standard'), Type.Literal('total_loss')]);
export const Decision = Type.Union([
  Type.Literal('validate'),
  Type.Literal('pending_validation'),
  Type.Literal('remote_intervention'),
  Type.Literal('onsite_intervention'),
  /** The second loop: the quote goes back to the garage with a note saying what is missing. */
  Type.Literal('request_information'),
]);
export const VehicleStatus = Type.Union([Type.Literal('drivable'), Type.Literal('not_drivable'), Type.Literal('wreck')]);

export const MissionStatus = Type.Union([
  Type.Literal('new'),
  Type.Literal('under_analysis'),
  Type.Literal('pending_validation'),
  Type.Literal('remote_intervention'),
  Type.Literal('onsite_intervention'),
  Type.Literal('information_requested'),
  Type.Literal('closed'),
  Type.Literal('expired'),
  Type.Literal('abandoned'),
  Type.Literal('cancelled'),
]);
export const BoardSection = Type.Union([
  Type.Literal('smart.new'),
  Type.Literal('smart.under_analysis'),
  Type.Literal('smart.remote_intervention'),
  Type.Literal('smart.onsite_intervention'),
  Type.Literal('smart.information_requested'),
  Type.Literal('smart.closed'),
  Type.Literal('classic.expired'),
  Type.Literal('closed.abandoned'),
  Type.Literal('closed.cancelled'),
]);
export const Outcome = Type.Union([
  Type.Literal('validated'),
  Type.Literal('total_loss'),
  Type.Literal('abandoned'),
  Type.Literal('cancelled'),
]);
/**
 * A quote's own status: a draft the garage edits, closed (transmitted to the expert), returned by
 * the expert for more information (editable, and closed again to transmit it again), discarded by
 * the garage before closing, or voided because the mission it was made for was abandoned or
 * cancelled (see the procedure's rules in `procedure/`).
 */
export const QuoteStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('closed'),
  Type.Literal('returned'),
  Type.Literal('discarded'),
  Type.Literal('voided'),
]);

/** A supplement for hidden damage: drafted and submitted by the garage, then decided by the expert. */
export const SupplementStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('submitted'),
  Type.Literal('approved'),
  Type.Literal('rejected'),
]);
export const SupplementDecision = Type.Union([Type.Literal('approve'), Type.Literal('reject')]);

export const Claim = Type.Object(
  {
    claimNumber: Type.String({ minLength: 1, maxLength: 64 }),
    policyNumber: Type.String({ minLength: 1, maxLength: 64 }),
    lossDate: CalendarDate,
    circumstances: Type.String({ minLength: 1, maxLength: 4000 }),
  },
  { additionalProperties: false },
);

export const Vehicle = Type.Object(
  {
    vin: Vin,
    plate: BelgianPlate,
    make: Type.String({ minLength: 1, maxLength: 64 }),
    model: Type.String({ minLength: 1, maxLength: 64 }),
    firstRegistrationDate: CalendarDate,
    valueCents: Type.Optional(Cents),
  },
  { additionalProperties: false },
);

export const Owner = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    phone: Type.String({ minLength: 6, maxLength: 32, pattern: '^\\+?[0-9 ()./-]{6,32}$' }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    vatRegime: VatRegime,
    /** Required when vatRegime is partial: the share of VAT the owner recovers. */
    vatDeductiblePercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);

/**
 * The owner as the caller may read it: the insurer and the garage see the phone and e-mail, the
 * expert office never does (they are absent from its answers).
 */
export const OwnerView = Type.Object({
  name: Owner.properties.name,
  phone: Type.Optional(Owner.properties.phone),
  email: Type.Optional(Owner.properties.email),
  vatRegime: Owner.properties.vatRegime,
  vatDeductiblePercent: Owner.properties.vatDeductiblePercent,
});

export const DirectPayment = Type.Object(
  {
    planned: Type.Boolean(),
    ceilingCents: Cents,
    deductibleCents: Cents,
  },
  { additionalProperties: false },
);

export const ReviewThresholds = Type.Object(
  {
    /** The labour rate agreed with the insurer's network, per hour, excl. VAT. */
    agreedLabourRateCents: Cents,
    /** Above this repair total (incl. VAT) a Smart Expertise deserves a closer look. */
    smartCeilingCents: Cents,
    /** Repair cost at or above this share of the vehicle's value suggests a total loss. */
    totalLossRatioPercent: Type.Integer({ minimum: 1, maximum: 200 }),
  },
  { additionalProperties: false },
);

/** The insurer's policy in force when a mission is deposited. */
export const InsurerPolicy = Type.Object(
  {
    workingDays: Type.Integer({ minimum: 1, maximum: 60 }),
    /** Working days the garage has to answer the expert's request for information (default 3). */
    informationWorkingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
    /** Working days the expert office has to decide on a transmitted quote (default 2). */
    reviewWorkingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
    minPhotos: Type.Integer({ minimum: 0, maximum: 50 }),
    reviewThresholds: ReviewThresholds,
  },
  { additionalProperties: false },
);

export type InsurerPolicy = Type.Static<typeof InsurerPolicy>;
export type Decision = Type.Static<typeof Decision>;
export type Procedure = Type.Static<typeof Procedure>;
export type MissionStatus = Type.Static<typeof MissionStatus>;
export type BoardSection = Type.Static<typeof BoardSection>;
export type Outcome = Type.Static<typeof Outcome>;
export type QuoteStatus = Type.Static<typeof QuoteStatus>;
export type SupplementStatus = Type.Static<typeof SupplementStatus>;
export type SupplementDecision = Type.Static<typeof SupplementDecision>;

/** The words of a union of string literals, in declaration order: the vocabulary as a list. */
export function literalsOf<T extends string>(union: { anyOf: ReadonlyArray<{ const: unknown }> }): readonly T[] {
  return Object.freeze(union.anyOf.map((member) => member.const as T));
}

export const MISSION_STATUSES = literalsOf<MissionStatus>(MissionStatus);
export const BOARD_SECTIONS = literalsOf<BoardSection>(BoardSection);
export const OUTCOMES = literalsOf<Outcome>(Outcome);
export const DECISIONS = literalsOf<Decision>(Decision);
export const PROCEDURES = literalsOf<Procedure>(Procedure);
export const QUOTE_STATUSES = literalsOf<QuoteStatus>(QuoteStatus);
export const SUPPLEMENT_STATUSES = literalsOf<SupplementStatus>(SupplementStatus);
export const SUPPLEMENT_DECISIONS = literalsOf<SupplementDecision>(SupplementDecision);
export type VatRegime = Type.Static<typeof VatRegime>;
export type VehicleStatus = Type.Static<typeof VehicleStatus>;

/** Sensible defaults for an insurer that has set no policy. */
export const DEFAULT_INSURER_POLICY: InsurerPolicy = {
  workingDays: 5,
  minPhotos: 4,
  reviewThresholds: { agreedLabourRateCents: 65_00, smartCeilingCents: 5_000_00, totalLossRatioPercent: 70 },
};

/** Working days the garage has to answer a request for information when the policy says nothing. */
export const DEFAULT_INFORMATION_WORKING_DAYS = 3;
/** Working days the expert office has to decide when the policy says nothing. */
export const DEFAULT_REVIEW_WORKING_DAYS = 2;
