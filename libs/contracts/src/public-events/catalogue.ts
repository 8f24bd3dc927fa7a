/**
 * The public event catalogue: what insurer systems, garage software and expert offices receive by
 * webhook and read from `/v1/feed` (api.md, "Integrations: push and replay").
 *
 * A public event is never an internal event passed through. The internal events (`events.ts`) are
 * free to grow with whatever the services need between themselves (review files, photo hashes,
 * voided quote ids, the owner's contact); a public event is built field by field from them, carries
 * only what its reader may read through the API, and keeps a stable shape: every object is closed
 * (`additionalProperties: false`), so a field can only reach a partner by being added here, on
 * purpose, under a version.
 *
 * Naming: `<subject>.<what happened>`, lower case, dot-separated, underscores inside a word
 * (`mission.status_changed`), in the partners' words (`quote.transmitted`, as api.md says a close
 * transmits the quote). Where the fact is the same, the word is the internal one (`review.decided`,
 * `payment.requested`); the two never share a channel, and the envelopes differ (`data` and an
 * `evt_` id here, `payload`, a UUID and correlation ids inside).
 *
 * Versioning: the version is a field of the envelope, not part of the type name. Subscriptions
 * select events by type (`events: ["mission.status_changed"]`); a new version must not silently
 * drop out of a filter written for the old name, nor force every subscriber to edit its filter.
 * Within a version a schema only gains optional fields; anything else is a new version, published
 * beside the old one for as long as subscribers still read it (the rule of the internal events).
 */
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
  MissionStatus,
  Outcome,
  Owner,
  Procedure,
  SupplementDecision,
  Vehicle,
  VehicleStatus,
} from '../common.ts';

/** The organisations of a mission, by the role their tokens carry. Ops is never an audience. */
export const AudienceRole = Type.Union([Type.Literal('insurer'), Type.Literal('garage'), Type.Literal('expert')]);
export type AudienceRole = Type.Static<typeof AudienceRole>;
export const AUDIENCE_ROLES: readonly AudienceRole[] = ['insurer', 'garage', 'expert'];

const closed = { additionalProperties: false } as const;

/** `evt_` and 128 bits in hex, derived from the internal event (see `publicEventId`). */
export const PublicEventId = Type.String({ pattern: '^evt_[0-9a-f]{32}$' });

// ---- Shared parts ------------------------------------------------------------------------------

/**
 * The owner as the reader may read it (api.md): the insurer and the garage get the phone and
 * e-mail, the expert office never does.
 */
export const PublicOwner = Type.Object(
  {
    name: Owner.properties.name,
    phone: Type.Optional(Owner.properties.phone),
    email: Type.Optional(Owner.properties.email),
    vatRegime: Owner.properties.vatRegime,
    vatDeductiblePercent: Owner.properties.vatDeductiblePercent,
  },
  closed,
);

export const PublicExpert = Type.Object({ name: Type.String({ minLength: 1 }), phone: Type.String({ minLength: 1 }) }, closed);

export const PublicLastDecision = Type.Object({ decision: Decision, note: Type.Union([Type.String(), Type.Null()]), at: Instant }, closed);

/**
 * One tracking entry as the mission's tracking shows it, with its message in the three languages
 * (a webhook has no Accept-Language) and the values inside it as `params`, so software never parses
 * the text: instants as ISO 8601, amounts in cents as decimal strings (see `TrackingParams`).
 */
export const PublicTrackingEntry = Type.Object(
  {
    at: Instant,
    code: Type.String({ pattern: '^[a-z_]+\\.[a-z_]+$', description: 'stable message code, e.g. quote.under_analysis' }),
    params: Type.Record(Type.String(), Type.String()),
    message: Type.Object({ fr: Type.String({ minLength: 1 }), nl: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) }, closed),
  },
  closed,
);

/** A calculation's figures; the lines are read through the API (`GET /v1/quotes/{id}`). */
export const PublicCalculationTotals = Type.Object(
  {
    calculationNumber: Type.String({ minLength: 1, maxLength: 64 }),
    vatRate: Type.Integer({ minimum: 0, maximum: 100 }),
    totalExclVatCents: Cents,
    vatCents: Cents,
    totalInclVatCents: Cents,
  },
  closed,
);

export const PublicSmartFrame = Type.Object(
  {
    probableTotalLoss: Type.Boolean(),
    multipleDamageZones: Type.Boolean(),
    expertAdviceNeeded: Type.Boolean(),
    technicalInspectionNeeded: Type.Boolean(),
    onSiteExpertNeeded: Type.Boolean(),
  },
  closed,
);

/** The expert-review case id: only the expert office reads cases (`/v1/reviews/{id}`), so only it gets the id. */
const ReviewIdForExpert = Type.Optional(Id);

// ---- The data of each event, version 1 --------------------------------------------------------

/** The insurer deposited a Smart Expertise: the mission as the reader sees it through the API, new on the board. */
export const MissionDepositedV1 = Type.Object(
  {
    insurerId: Id,
    insurerMissionRef: Type.String({ minLength: 1, maxLength: 64 }),
    garageId: Id,
    expertOfficeId: Id,
    claim: Claim,
    vehicle: Vehicle,
    owner: PublicOwner,
    directPayment: Type.Union([DirectPayment, Type.Null()]),
    status: Type.Literal('new'),
    section: Type.Literal('smart.new'),
    deadline: Instant,
    receivedAt: Instant,
    /** The deadline message (seed: "VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE …"). */
    tracking: PublicTrackingEntry,
  },
  closed,
);

/**
 * mission-intake's verdict on the mission changed: its status, or what the status rests on (the
 * deadline that holds, the decision that counts, the approved total, an action voided by a fact
 * learned late). `previousStatus` tells a real change of status from the others; `tracking` is the
 * entry that made the change, as `GET /v1/missions/{id}/tracking` shows it.
 */
export const MissionStatusChangedV1 = Type.Object(
  {
    status: MissionStatus,
    previousStatus: Type.Union([MissionStatus, Type.Null()]),
    section: BoardSection,
    outcome: Type.Union([Outcome, Type.Null()]),
    /** The deadline that holds (the answer's due date while information is requested). */
    deadline: Instant,
    changedAt: Instant,
    /** How many transmissions of the quote count: 0 before the first close. */
    transmission: Type.Integer({ minimum: 0 }),
    expert: Type.Union([PublicExpert, Type.Null()]),
    lastDecision: Type.Union([PublicLastDecision, Type.Null()]),
    /** The validated quote plus approved supplements, incl. VAT, once validated for repairs. */
    approvedTotalCents: Type.Union([Cents, Type.Null()]),
    tracking: PublicTrackingEntry,
  },
  closed,
);

/** The garage closed its quote and transmitted it to the expert (again, after a request for information, when `transmission` > 1). */
export const QuoteTransmittedV1 = Type.Object(
  {
    quoteId: Id,
    procedure: Procedure,
    transmission: Type.Integer({ minimum: 1 }),
    closedAt: Instant,
    /** Null in the total-loss procedure, which has no calculation. */
    calculation: Type.Union([PublicCalculationTotals, Type.Null()]),
    smartFrame: Type.Union([PublicSmartFrame, Type.Null()]),
    vehicleStatus: Type.Union([VehicleStatus, Type.Null()]),
    vehicleStatusNote: Type.Union([Type.String(), Type.Null()]),
    photoCount: Type.Integer({ minimum: 0 }),
  },
  closed,
);

/**
 * The expert decided on a transmitted quote. A request for information is not one of these: it
 * asks the garage to act by a date and is its own event, `review.information_requested`.
 */
export const ReviewDecidedV1 = Type.Object(
  {
    reviewId: ReviewIdForExpert,
    quoteId: Id,
    decision: Type.Union([
      Type.Literal('validate'),
      Type.Literal('pending_validation'),
      Type.Literal('remote_intervention'),
      Type.Literal('onsite_intervention'),
    ]),
    note: Type.Union([Type.String(), Type.Null()]),
    expert: PublicExpert,
    decidedAt: Instant,
    /** The transmission of the quote the decision was taken on. */
    transmission: Type.Integer({ minimum: 1 }),
  },
  closed,
);

/** The expert sent the quote back: the garage completes it and transmits it again by `respondBy`. */
export const ReviewInformationRequestedV1 = Type.Object(
  {
    reviewId: ReviewIdForExpert,
    quoteId: Id,
    /** What is missing, in the expert's words. */
    note: Type.String(),
    expert: PublicExpert,
    requestedAt: Instant,
    respondBy: Instant,
    /** The transmission the expert sent back; the garage's answer will be `transmission` + 1. */
    transmission: Type.Integer({ minimum: 1 }),
  },
  closed,
);

/** The garage transmitted a supplement for hidden damage found during repairs; the expert decides on it. */
export const SupplementSubmittedV1 = Type.Object(
  {
    quoteId: Id,
    supplementId: Id,
    number: Type.Integer({ minimum: 1 }),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    calculation: PublicCalculationTotals,
    photoCount: Type.Integer({ minimum: 0 }),
    submittedAt: Instant,
  },
  closed,
);

export const SupplementDecidedV1 = Type.Object(
  {
    reviewId: ReviewIdForExpert,
    quoteId: Id,
    supplementId: Id,
    number: Type.Integer({ minimum: 1 }),
    decision: SupplementDecision,
    note: Type.Union([Type.String(), Type.Null()]),
    expert: PublicExpert,
    /** The supplement's total incl. VAT: what an approval adds to the approved total. */
    totalInclVatCents: Cents,
    decidedAt: Instant,
  },
  closed,
);

/** The garage requested direct payment after repairs, and how the invoice splits between the insurer and the owner. */
export const PaymentRequestedV1 = Type.Object(
  {
    quoteId: Id,
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
    /** The validated quote plus approved supplements, incl. VAT (null for requests made before it was kept). */
    approvedTotalCents: Type.Union([Cents, Type.Null()]),
    /** The part of the invoice above the approved total, left to the owner (null as above). */
    aboveApprovedCents: Type.Union([Cents, Type.Null()]),
    requestedAt: Instant,
  },
  closed,
);

/** The insurer withdrew the mission (status `cancelled`, section `closed.cancelled`). */
export const MissionCancelledV1 = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }), cancelledAt: Instant }, closed);

/** The garage abandoned the new mission (status `abandoned`, section `closed.abandoned`). */
export const MissionAbandonedV1 = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }), abandonedAt: Instant }, closed);

/** No quote was transmitted in time: the mission became a classic expertise (status `expired`, section `classic.expired`). */
export const MissionExpiredV1 = Type.Object(
  {
    /** The deadline that passed: the quote deadline, or the due date of an unanswered request for information. */
    deadline: Instant,
    expiredAt: Instant,
  },
  closed,
);

// ---- The catalogue -----------------------------------------------------------------------------

interface CatalogueEntry {
  /** The version published today. */
  readonly current: number;
  readonly versions: Readonly<Record<number, Type.TSchema>>;
  /** Who receives it, among the mission's organisations: each reads it in its own role's view. */
  readonly audience: readonly AudienceRole[];
  /** The internal event(s) it is made from. */
  readonly from: string;
}

const everyParty = ['insurer', 'garage', 'expert'] as const;

/**
 * Every public event type, its versions, its audience and its internal source.
 *
 * Audiences: each party of the mission receives what it may read through the API and has a part
 * in. The payment request is between the insurer, who pays, and the garage, which is paid: the
 * expert office has no part in it and does not receive it.
 *
 * The mission's own fate (status changes, and cancelled, abandoned, expired) comes from
 * mission-intake's verdict, never from the action's own internal event: an abandon or a cancel can
 * lose to an earlier close learned late, and the scheduler's expiry loses to any quote closed in
 * time, so only the verdict says what the API shows.
 */
export const publicEventCatalogue = {
  'mission.deposited': { current: 1, versions: { 1: MissionDepositedV1 }, audience: everyParty, from: 'mission.received' },
  'mission.status_changed': { current: 1, versions: { 1: MissionStatusChangedV1 }, audience: everyParty, from: 'mission.status-changed' },
  'quote.transmitted': { current: 1, versions: { 1: QuoteTransmittedV1 }, audience: everyParty, from: 'quote.submitted' },
  'review.decided': { current: 1, versions: { 1: ReviewDecidedV1 }, audience: everyParty, from: 'review.decided (every decision but request_information)' },
  'review.information_requested': {
    current: 1,
    versions: { 1: ReviewInformationRequestedV1 },
    audience: everyParty,
    from: 'review.decided (request_information)',
  },
  'supplement.submitted': { current: 1, versions: { 1: SupplementSubmittedV1 }, audience: everyParty, from: 'supplement.submitted' },
  'supplement.decided': { current: 1, versions: { 1: SupplementDecidedV1 }, audience: everyParty, from: 'supplement.decided' },
  'payment.requested': { current: 1, versions: { 1: PaymentRequestedV1 }, audience: ['insurer', 'garage'], from: 'payment.requested' },
  'mission.cancelled': { current: 1, versions: { 1: MissionCancelledV1 }, audience: everyParty, from: 'mission.status-changed (into cancelled)' },
  'mission.abandoned': { current: 1, versions: { 1: MissionAbandonedV1 }, audience: everyParty, from: 'mission.status-changed (into abandoned)' },
  'mission.expired': { current: 1, versions: { 1: MissionExpiredV1 }, audience: everyParty, from: 'mission.status-changed (into expired)' },
} as const satisfies Record<string, CatalogueEntry>;

type Catalogue = typeof publicEventCatalogue;
export type PublicEventType = keyof Catalogue;
export const PUBLIC_EVENT_TYPES = Object.keys(publicEventCatalogue) as PublicEventType[];

/** The data of a public event in its current version. */
export type PublicEventData<T extends PublicEventType> = Type.Static<CurrentData<T>>;

/** The envelope of one version of one public event type, closed like its data. */
function envelopeOf<T extends string, V extends number, D extends Type.TSchema>(type: T, version: V, data: D) {
  return Type.Object(
    {
      id: PublicEventId,
      type: Type.Literal(type),
      version: Type.Literal(version),
      /** When the platform recorded it; the business instant (closedAt, decidedAt…) is in `data`. */
      occurredAt: Instant,
      missionId: Id,
      data,
    },
    closed,
  );
}

type CurrentData<T extends PublicEventType> = Catalogue[T]['versions'][Catalogue[T]['current']];
type EnvelopeSchema<T extends PublicEventType> = ReturnType<typeof envelopeOf<T, Catalogue[T]['current'], CurrentData<T>>>;

/** The envelope of each current public event, by type: one source for validation and the OpenAPI webhooks. */
export const PublicEventSchemas = Object.fromEntries(
  PUBLIC_EVENT_TYPES.map((type) => {
    const entry = publicEventCatalogue[type];
    return [type, envelopeOf(type, entry.current, entry.versions[entry.current])];
  }),
) as unknown as { [T in PublicEventType]: EnvelopeSchema<T> };

/** A public event of the current version, its `data` typed by its `type`. */
export type PublicEvent<T extends PublicEventType = PublicEventType> = {
  [K in T]: {
    id: string;
    type: K;
    version: Catalogue[K]['current'];
    occurredAt: string;
    missionId: string;
    data: PublicEventData<K>;
  };
}[T];

/** Any public event, for readers that only route on type and version (the feed, the webhook sender). */
export const PublicEventEnvelope = Type.Object(
  {
    id: PublicEventId,
    type: Type.String({ minLength: 1 }),
    version: Type.Integer({ minimum: 1 }),
    occurredAt: Instant,
    missionId: Id,
    data: Type.Unknown(),
  },
  closed,
);

const envelopeCheck = Compile(PublicEventEnvelope);
const checks = new Map<string, ReturnType<typeof Compile>>();
for (const type of PUBLIC_EVENT_TYPES) {
  for (const [version, data] of Object.entries(publicEventCatalogue[type].versions)) {
    checks.set(`${type}@${version}`, Compile(envelopeOf(type, Number(version), data)));
  }
}

export type PublicEventValidation = { ok: true; event: PublicEvent } | { ok: false; reason: string };

/** Checks an outgoing (or replayed) public event against the schema of its type and version, naming the first faults. */
export function validatePublicEvent(value: unknown): PublicEventValidation {
  if (!envelopeCheck.Check(value)) return { ok: false, reason: `bad envelope: ${describe(envelopeCheck, value)}` };
  const { type, version } = value as { type: string; version: number };
  const check = checks.get(`${type}@${version}`);
  if (!check) return { ok: false, reason: `unknown public event type ${type} version ${version}` };
  if (!check.Check(value)) return { ok: false, reason: `bad ${type} v${version}: ${describe(check, value)}` };
  return { ok: true, event: value as PublicEvent };
}

function describe(check: ReturnType<typeof Compile>, value: unknown): string {
  return [...check.Errors(value)]
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message}`)
    .join('; ');
}
