// HTTP bodies of the quote service (services/quote). One source for validation, serialisation
// and the OpenAPI document.
import Type from 'typebox';
import { CalendarDate, Cents, Id, Instant, MissionStatus, Outcome, OwnerView, Procedure, QuoteStatus, SupplementStatus, VehicleStatus } from '../common.ts';
import { CalculationLineKind, CalculationLineTotal, ExpertContact, MissionSnapshot, SmartFrame } from '../events.ts';

export const QuoteParams = Type.Object({ id: Id });
export const PhotoParams = Type.Object({ id: Id, photoId: Id });
export const SupplementParams = Type.Object({ id: Id, supplementId: Id });

export const CreateQuoteBody = Type.Object(
  {
    missionId: Id,
    procedure: Type.Optional(Procedure),
  },
  { additionalProperties: false },
);

/** Rules beyond types (positive quantities, decimals, one pricing per kind) are checked by the service and answered 422 all at once. */
export const CalculationLineInput = Type.Object(
  {
    kind: CalculationLineKind,
    description: Type.String({ minLength: 1, maxLength: 500 }),
    quantity: Type.Optional(Type.Number({ description: 'part, paint, sundry: > 0, at most 3 decimals' })),
    unitPriceCents: Type.Optional(Type.Integer({ description: 'part, paint, sundry: cents excl. VAT, >= 0' })),
    hours: Type.Optional(Type.Number({ description: 'labour: > 0, at most 2 decimals' })),
    hourlyRateCents: Type.Optional(Type.Integer({ description: 'labour: cents per hour excl. VAT, >= 0' })),
    discountPercent: Type.Optional(Type.Number({ description: '0 to 100, at most 2 decimals' })),
  },
  { additionalProperties: false },
);

const SubtotalsInput = Type.Object(
  {
    part: Type.Optional(Type.Integer()),
    labour: Type.Optional(Type.Integer()),
    paint: Type.Optional(Type.Integer()),
    sundry: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

/** Totals the client computed; each one sent must equal the service's figure. */
export const ClientTotals = Type.Object(
  {
    subtotalsCents: Type.Optional(SubtotalsInput),
    totalExclVatCents: Type.Optional(Type.Integer()),
    vatCents: Type.Optional(Type.Integer()),
    totalInclVatCents: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const PutCalculationBody = Type.Object(
  {
    calculationNumber: Type.String({ minLength: 1, maxLength: 64 }),
    lines: Type.Array(CalculationLineInput, { maxItems: 1000 }),
    vatRate: Type.Optional(Type.Integer({ description: 'percent: 21 (default) or 6' })),
    totals: Type.Optional(ClientTotals),
  },
  { additionalProperties: false },
);

export const Subtotals = Type.Object({ part: Cents, labour: Cents, paint: Cents, sundry: Cents });

export const CalculationView = Type.Object({
  calculationNumber: Type.String(),
  vatRate: Type.Integer(),
  lines: Type.Array(Type.Object({ ...CalculationLineTotal.properties, grossCents: Type.Integer(), discountCents: Type.Integer() })),
  subtotalsCents: Subtotals,
  totalExclVatCents: Cents,
  vatCents: Cents,
  totalInclVatCents: Cents,
  roundingRule: Type.String(),
});

export const SmartFrameBody = Type.Object(
  {
    probableTotalLoss: Type.Boolean(),
    multipleDamageZones: Type.Boolean(),
    expertAdviceNeeded: Type.Boolean(),
    technicalInspectionNeeded: Type.Boolean(),
    onSiteExpertNeeded: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const VehicleStatusBody = Type.Object(
  {
    vehicleStatus: VehicleStatus,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const PhotoView = Type.Object({
  id: Id,
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  contentType: Type.String(),
  sizeBytes: Type.Integer({ minimum: 1 }),
  fileName: Type.Union([Type.String(), Type.Null()]),
  /** The same image (SHA-256) is attached to another mission: a finding for the expert. */
  seenOnOtherMission: Type.Boolean(),
  uploadedAt: Instant,
  href: Type.String(),
});

export const PhotoUploadResponse = Type.Object({
  quoteId: Id,
  photos: Type.Array(PhotoView),
  photoCount: Type.Integer({ minimum: 0 }),
  maxPhotos: Type.Integer({ minimum: 1 }),
});

export const PaymentRequestBody = Type.Object(
  {
    invoiceNumber: Type.String({ minLength: 1, maxLength: 64 }),
    invoiceDate: CalendarDate,
    amountCents: Cents,
    replacementVehicle: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const PaymentRequestView = Type.Object({
  quoteId: Id,
  missionId: Id,
  invoiceNumber: Type.String(),
  invoiceDate: CalendarDate,
  amountCents: Cents,
  replacementVehicle: Type.Boolean(),
  vatRatePercent: Type.Integer(),
  ceilingCents: Cents,
  deductibleCents: Cents,
  ownerVatRegime: Type.String(),
  insurerShareCents: Cents,
  ownerShareCents: Cents,
  recoverableVatCents: Cents,
  deductibleAppliedCents: Cents,
  aboveCeilingCents: Cents,
  aboveValidatedQuote: Type.Boolean(),
  validatedQuoteTotalInclVatCents: Type.Union([Cents, Type.Null()]),
  /** The validated quote plus the approved supplements, incl. VAT: the insurer's share never exceeds it (null for a request made before it was kept). */
  approvedTotalCents: Type.Union([Cents, Type.Null()]),
  /** The part of the invoice above the approved total, paid by the owner. */
  aboveApprovedCents: Cents,
  roundingRule: Type.String(),
  requestedAt: Instant,
});

export { QuoteStatus };
/** The mission's status in the one vocabulary of the procedure (`libs/contracts` common.ts). */
export const QuoteMissionStatus = MissionStatus;

/** The administrative data as the caller may read it: no owner phone or e-mail for the expert office. */
export const AdministrativeView = Type.Object({ ...MissionSnapshot.properties, owner: OwnerView });

export const DiscardQuoteBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'why the draft is dropped (e.g. switching to the total-loss procedure)' }),
  },
  { additionalProperties: false },
);
export type DiscardQuoteBody = Type.Static<typeof DiscardQuoteBody>;

export const QuoteView = Type.Object({
  id: Id,
  missionId: Id,
  procedure: Procedure,
  status: QuoteStatus,
  /** The mission's state as the quote service knows it from mission-intake's verdicts. */
  missionStatus: QuoteMissionStatus,
  /** The mission's outcome once it is closed (validated, total_loss, abandoned, cancelled). */
  missionOutcome: Type.Optional(Type.Union([Outcome, Type.Null()])),
  deadline: Instant,
  /** Every administrative field, copied from the mission when the quote was created. */
  administrative: AdministrativeView,
  /** Why a discarded quote was dropped, or what voided it (the mission's status). */
  discardReason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  voidedAt: Type.Optional(Type.Union([Instant, Type.Null()])),
  minPhotos: Type.Integer({ minimum: 0 }),
  calculation: Type.Union([CalculationView, Type.Null()]),
  smartFrame: Type.Union([SmartFrame, Type.Null()]),
  vehicleStatus: Type.Union([VehicleStatus, Type.Null()]),
  vehicleStatusNote: Type.Union([Type.String(), Type.Null()]),
  photos: Type.Array(PhotoView),
  paymentRequest: Type.Union([PaymentRequestView, Type.Null()]),
  createdAt: Instant,
  updatedAt: Instant,
  /** The latest transmission: the first close, or the last answer to the expert's request for information. */
  closedAt: Type.Union([Instant, Type.Null()]),
  /** How many times the quote was transmitted: 0 before the first close, +1 per answer to a request for information. */
  transmissions: Type.Integer({ minimum: 0 }),
});

// ---- Supplements (the second loop: hidden damage found during repairs) ----------------------------

export const CreateSupplementBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 2000, description: 'the hidden damage found once the car was taken apart' }),
    /** The same shape and rules as the quote's calculation (`PUT /v1/quotes/{id}/calculation`). */
    calculation: PutCalculationBody,
  },
  { additionalProperties: false },
);

export const SupplementView = Type.Object({
  id: Id,
  quoteId: Id,
  missionId: Id,
  /** 1 for the quote's first supplement, then +1. */
  number: Type.Integer({ minimum: 1 }),
  reason: Type.String(),
  status: SupplementStatus,
  calculation: CalculationView,
  photos: Type.Array(PhotoView),
  createdAt: Instant,
  submittedAt: Type.Union([Instant, Type.Null()]),
  decidedAt: Type.Union([Instant, Type.Null()]),
  /** The expert's note with the decision (required to reject). */
  note: Type.Union([Type.String(), Type.Null()]),
  /** The expert who decided. */
  expert: Type.Union([ExpertContact, Type.Null()]),
});

export const SupplementList = Type.Object({
  quoteId: Id,
  /** The validated quote plus the approved supplements, incl. VAT, once the expertise is validated for repairs; else null. */
  approvedTotalCents: Type.Union([Cents, Type.Null()]),
  supplements: Type.Array(SupplementView),
});

export const SupplementPhotoUploadResponse = Type.Object({
  quoteId: Id,
  supplementId: Id,
  photos: Type.Array(PhotoView),
  photoCount: Type.Integer({ minimum: 0 }),
  maxPhotos: Type.Integer({ minimum: 1 }),
});

export type CreateQuoteBody = Type.Static<typeof CreateQuoteBody>;
export type PutCalculationBody = Type.Static<typeof PutCalculationBody>;
export type CalculationView = Type.Static<typeof CalculationView>;
export type SmartFrameBody = Type.Static<typeof SmartFrameBody>;
export type VehicleStatusBody = Type.Static<typeof VehicleStatusBody>;
export type PhotoView = Type.Static<typeof PhotoView>;
export type PaymentRequestBody = Type.Static<typeof PaymentRequestBody>;
export type PaymentRequestView = Type.Static<typeof PaymentRequestView>;
export type QuoteView = Type.Static<typeof QuoteView>;
export type CreateSupplementBody = Type.Static<typeof CreateSupplementBody>;
export type SupplementView = Type.Static<typeof SupplementView>;
export type SupplementList = Type.Static<typeof SupplementList>;
export type SupplementPhotoUploadResponse = Type.Static<typeof SupplementPhotoUploadResponse>;
