/**
 * The quote as a decider (seed §2–5): every command the garage sends about a quote, and the
 * verdicts mission-intake publishes, are decided here and only here.
 *
 * - `decide(state, command)` answers the events the command causes, or a refusal whose code says
 *   which rule was broken (one code per rule, mapped to an HTTP problem in one table:
 *   `http/problems.ts`);
 * - `evolve(state, event)` folds an event into the state.
 * The HTTP handlers and the consumers load the state, decide, store the events and publish what
 * other services must hear of; none of them holds a rule.
 *
 * The mission-level conditions are the procedure's shared predicates (`libs/contracts`
 * procedure/rules.ts), asked of the copy of the mission mission-intake keeps us informed of:
 * `acceptsQuoteWork` for creating, editing, discarding and closing (a returned quote included),
 * `allowsPayment` and `approvedTotal` for the direct-payment request, `quoteStatusAfterVerdict`
 * for voiding, returning and reinstating. The supplements' own rules are in `supplement.ts`.
 *
 * Pure: no I/O, no clock. Every command carries the instant it is decided at.
 */
import type { MissionSnapshot, MissionStatus, Outcome, Procedure, QuoteStatus, SupplementStatus, VehicleStatus } from '@smart-expertise/contracts';
import { acceptsQuoteWork, allowsPayment, approvedTotal, onTime, quoteStatusAfterVerdict } from '@smart-expertise/contracts/procedure';
import { checkClientTotals, computeTotals, DEFAULT_VAT_RATE, type CalculationLine, type CalculationTotals, type ClientTotals } from './calculation.ts';
import { invoiceAboveQuote, PaymentSplitInputError, splitPayment, type OwnerVatPosition, type OwnerVatRegime } from './payment-split.ts';
import type { PhotoMimeType } from './photo-type.ts';

// ---- Vocabulary ----------------------------------------------------------------------------------

export const SMART_FRAME_QUESTIONS = [
  'probableTotalLoss',
  'multipleDamageZones',
  'expertAdviceNeeded',
  'technicalInspectionNeeded',
  'onSiteExpertNeeded',
] as const;
export type SmartFrameQuestion = (typeof SMART_FRAME_QUESTIONS)[number];
export type SmartFrame = Record<SmartFrameQuestion, boolean>;

export const VEHICLE_STATUSES: readonly VehicleStatus[] = ['drivable', 'not_drivable', 'wreck'];

export interface DirectPaymentTerms {
  planned: boolean;
  ceilingCents: number;
  deductibleCents: number;
}

/** The quote service's copy of the mission: `mission.received`, then mission-intake's verdicts. */
export interface MissionCopy {
  readonly id: string;
  readonly garageId: string;
  /** mission-intake's word on the mission (`mission.status-changed`); `new` until it says otherwise. */
  readonly status: MissionStatus;
  readonly outcome: Outcome | null;
  /** The instant the deadline falls; closing at exactly this instant is still in time. */
  readonly deadline: Date;
  /** The insurer's policy: photos a standard quote needs. */
  readonly minPhotos: number;
  readonly directPayment: DirectPaymentTerms | null;
  readonly owner: OwnerVatPosition;
  /** The administrative data every quote of the mission copies. */
  readonly snapshot: MissionSnapshot;
  /** The mission's live quote (draft or closed), if any: there is at most one. */
  readonly liveQuoteId: string | null;
}

export interface StoredCalculation {
  calculationNumber: string;
  vatRate: number;
  lines: readonly CalculationLine[];
}

export interface PhotoRef {
  readonly id: string;
  readonly sha256: string;
}

/** A photo the garage sends; its type was read from its bytes before it reached the decider. */
export interface NewPhoto extends PhotoRef {
  readonly contentType: PhotoMimeType;
  readonly fileName: string | null;
  readonly bytes: Uint8Array;
}

export interface InvoiceRequest {
  invoiceNumber: string;
  /** YYYY-MM-DD */
  invoiceDate: string;
  amountCents: number;
  replacementVehicle: boolean;
}

/** The direct-payment request as it was answered to the garage (kept, so a repeat gets the same answer). */
export interface PaymentRequest extends InvoiceRequest {
  quoteId: string;
  missionId: string;
  vatRatePercent: number;
  ceilingCents: number;
  deductibleCents: number;
  ownerVatRegime: OwnerVatRegime;
  insurerShareCents: number;
  ownerShareCents: number;
  recoverableVatCents: number;
  deductibleAppliedCents: number;
  aboveCeilingCents: number;
  aboveValidatedQuote: boolean;
  validatedQuoteTotalInclVatCents: number | null;
  /** The validated quote plus the approved supplements, incl. VAT; null for a request made before it was kept. */
  approvedTotalCents: number | null;
  /** The part of the invoice above the approved total, left to the owner (0 for a request made before it was kept). */
  aboveApprovedCents: number;
  roundingRule: string;
  /** ISO instant. */
  requestedAt: string;
}

/** What the quote's decisions need of each of its supplements (the supplement itself: `supplement.ts`). */
export interface SupplementSummary {
  readonly id: string;
  readonly number: number;
  readonly status: SupplementStatus;
  readonly totalInclVatCents: number;
}

export interface QuoteState {
  readonly id: string;
  readonly missionId: string;
  readonly garageId: string;
  readonly procedure: Procedure;
  readonly status: QuoteStatus;
  readonly calculation: StoredCalculation | null;
  readonly calculationTotals: CalculationTotals | null;
  readonly photos: readonly PhotoRef[];
  /** All five answers, or none yet (the API takes the frame whole). */
  readonly smartFrame: SmartFrame | null;
  readonly vehicleStatus: VehicleStatus | null;
  readonly vehicleStatusNote: string | null;
  /** The latest transmission's instant (the first close, or the last answer to a request for information). */
  readonly closedAt: Date | null;
  /** How many times the garage transmitted the quote: 0 before the first close, +1 per answer to a request for information. */
  readonly transmissions: number;
  readonly discardedAt: Date | null;
  readonly discardReason: string | null;
  readonly voidedAt: Date | null;
  /** The mission status that voided the quote (abandoned, cancelled). */
  readonly voidedBy: MissionStatus | null;
  readonly paymentRequest: PaymentRequest | null;
  /** The supplements for hidden damage, by number. */
  readonly supplements: readonly SupplementSummary[];
}

/** What the decider sees: the mission's copy, and the quote (null before it is created). */
export interface State {
  readonly mission: MissionCopy;
  readonly quote: QuoteState | null;
}

// ---- Commands and events -------------------------------------------------------------------------

export interface CalculationInput {
  calculationNumber: string;
  lines: readonly CalculationLine[];
  /** 21 when absent. */
  vatRate?: number | undefined;
  /** Figures the client computed; each one sent must equal ours. */
  totals?: ClientTotals | undefined;
}

export type QuoteCommand =
  | { readonly type: 'create'; readonly quoteId: string; readonly procedure: Procedure; readonly at: Date }
  | { readonly type: 'set_calculation'; readonly calculation: CalculationInput; readonly at: Date }
  | { readonly type: 'add_photos'; readonly photos: readonly NewPhoto[]; readonly maxPhotos: number; readonly at: Date }
  | { readonly type: 'set_smart_frame'; readonly smartFrame: SmartFrame; readonly at: Date }
  | { readonly type: 'set_vehicle_status'; readonly vehicleStatus: VehicleStatus; readonly note: string | null; readonly at: Date }
  | { readonly type: 'close'; readonly at: Date }
  | { readonly type: 'discard'; readonly reason: string; readonly at: Date }
  | { readonly type: 'request_payment'; readonly invoice: InvoiceRequest; readonly at: Date }
  /** mission-intake's verdict (`mission.status-changed`), as it concerns this quote. */
  | {
      readonly type: 'apply_verdict';
      readonly status: MissionStatus;
      readonly voidedQuoteIds: readonly string[];
      /** The closed quote the verdict rests on, if any. */
      readonly quoteId: string | null;
      /** The transmission of that quote the verdict rests on (absent: 1). */
      readonly transmission?: number | undefined;
      readonly at: Date;
    };

export type QuoteEvent =
  | {
      readonly type: 'quote_created';
      readonly quoteId: string;
      readonly missionId: string;
      readonly garageId: string;
      readonly procedure: Procedure;
      readonly administrative: MissionSnapshot;
      readonly at: Date;
    }
  | { readonly type: 'calculation_set'; readonly calculation: StoredCalculation; readonly totals: CalculationTotals; readonly at: Date }
  | { readonly type: 'photos_added'; readonly photos: readonly NewPhoto[]; readonly at: Date }
  | { readonly type: 'smart_frame_set'; readonly smartFrame: SmartFrame; readonly at: Date }
  | { readonly type: 'vehicle_status_set'; readonly vehicleStatus: VehicleStatus; readonly note: string | null; readonly at: Date }
  /** The quote is transmitted: `transmission` 1 for the first close, +1 for each answer to a request for information. */
  | { readonly type: 'quote_closed'; readonly transmission: number; readonly at: Date }
  | { readonly type: 'quote_discarded'; readonly reason: string; readonly at: Date }
  | { readonly type: 'payment_requested'; readonly request: PaymentRequest; readonly at: Date }
  | {
      readonly type: 'quote_voided';
      /** A closed quote was transmitted, so the others must hear of its voiding; a draft was known to nobody. */
      readonly previousStatus: 'draft' | 'closed' | 'returned';
      readonly missionStatus: MissionStatus;
      readonly at: Date;
    }
  /** The expert asked for more information on the latest transmission: the quote is open again for the garage. */
  | { readonly type: 'quote_returned'; readonly missionStatus: MissionStatus; readonly at: Date }
  /** The verdict no longer waits for an answer on the returned quote: it stands as last transmitted. */
  | { readonly type: 'quote_return_ended'; readonly missionStatus: MissionStatus; readonly at: Date }
  /** A voided close the verdict rests on again (a cancel that lost to an earlier validation). */
  | { readonly type: 'quote_reinstated'; readonly missionStatus: MissionStatus; readonly at: Date };

// ---- Refusals ------------------------------------------------------------------------------------

/** Why the mission accepts no quote work (create, edit, discard, close). */
export type MissionConflictCode = 'mission_abandoned' | 'mission_cancelled' | 'mission_expired' | 'mission_not_awaiting_quote' | 'deadline_passed';

/** Every rule a command can break; each one is an HTTP problem (`http/problems.ts`). */
export type RefusalCode =
  | MissionConflictCode
  | 'quote_not_found'
  | 'quote_already_exists'
  | 'quote_closed'
  | 'quote_already_closed'
  | 'quote_voided'
  | 'quote_discarded'
  | 'quote_not_closed'
  | 'quote_returned'
  | 'wrong_procedure'
  | 'calculation_invalid'
  | 'calculation_totals_mismatch'
  | 'too_many_photos'
  | 'closing_conditions_unmet'
  | 'reason_required'
  | 'mission_not_validated'
  | 'total_loss_not_payable'
  | 'direct_payment_not_planned'
  | 'invoice_date_in_future'
  | 'payment_already_requested'
  | 'payment_split_impossible'
  | 'supplement_pending'
  // Supplements (`supplement.ts`).
  | 'total_loss'
  | 'supplement_not_found'
  | 'supplement_already_submitted'
  | 'supplement_not_submitted'
  | 'supplement_incomplete';

/** The unmet conditions of a close (422): the garage can fix them all in one pass. */
export type UnmetCode =
  | 'calculation_missing'
  | 'calculation_invalid'
  | 'calculation_not_allowed'
  | 'photos_missing'
  | 'smart_frame_incomplete'
  | 'vehicle_status_missing';

export interface Condition<Code extends string = string> {
  code: Code;
  message: string;
  /** The quote field to fix, when there is one: `smartFrame.expertAdviceNeeded`, `calculation.lines[0].hours`. */
  field?: string;
}

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
  /** Each field at fault, from the root of what the garage sent (`lines[0].hours`, `invoiceDate`). */
  readonly errors?: readonly { field: string; message: string }[];
  /** What else the garage needs to act on the refusal (the conflicts, the existing quote, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export type QuoteDecision = { readonly ok: true; readonly events: readonly QuoteEvent[] } | { readonly ok: false; readonly refusal: Refusal };

const accept = (...events: QuoteEvent[]): QuoteDecision => ({ ok: true, events });
const refuse = (code: RefusalCode, message: string, extra: Omit<Refusal, 'code' | 'message'> = {}): QuoteDecision => ({
  ok: false,
  refusal: { code, message, ...extra },
});

// ---- decide --------------------------------------------------------------------------------------

export function decide(state: State, command: QuoteCommand): QuoteDecision {
  switch (command.type) {
    case 'create':
      return create(state, command);
    case 'set_calculation':
      return setCalculation(state, command);
    case 'add_photos':
      return addPhotos(state, command);
    case 'set_smart_frame':
      return onDraft(state, command.at, (quote) => {
        if (quote.procedure !== 'standard') {
          return refuse('wrong_procedure', 'the Smart frame belongs to the standard procedure; a total-loss file gives the vehicle status');
        }
        return accept({ type: 'smart_frame_set', smartFrame: { ...command.smartFrame }, at: command.at });
      });
    case 'set_vehicle_status':
      return onDraft(state, command.at, (quote) => {
        if (quote.procedure !== 'total_loss') return refuse('wrong_procedure', 'the vehicle status belongs to the total-loss procedure');
        return accept({ type: 'vehicle_status_set', vehicleStatus: command.vehicleStatus, note: command.note, at: command.at });
      });
    case 'close':
      return close(state, command);
    case 'discard':
      return discard(state, command);
    case 'request_payment':
      return requestPayment(state, command);
    case 'apply_verdict':
      return applyVerdict(state, command);
    default: {
      const unknown: never = command;
      throw new Error(`unknown quote command ${JSON.stringify(unknown)}`);
    }
  }
}

function create(state: State, command: Extract<QuoteCommand, { type: 'create' }>): QuoteDecision {
  const { mission } = state;
  // One live quote per mission: another may be created only once the first was discarded or voided.
  if (state.quote !== null || mission.liveQuoteId !== null) {
    const quoteId = state.quote?.id ?? mission.liveQuoteId;
    return refuse('quote_already_exists', `mission ${mission.id} already has quote ${quoteId}`, { details: { quoteId } });
  }
  const conflict = missionConflict(mission, command.at);
  if (conflict) return { ok: false, refusal: conflict };
  // A returned quote awaits its next transmission: the mission takes no other quote meanwhile.
  if (mission.status !== 'new') {
    return refuse('mission_not_awaiting_quote', `the mission awaits the next transmission of its returned quote (${mission.status})`, {
      details: { conflicts: [{ code: 'mission_not_awaiting_quote', message: `the mission is ${mission.status}` }] },
    });
  }
  return accept({
    type: 'quote_created',
    quoteId: command.quoteId,
    missionId: mission.id,
    garageId: mission.garageId,
    procedure: command.procedure,
    // Seed §2: every administrative field is copied from the mission, nothing is typed twice.
    administrative: mission.snapshot,
    at: command.at,
  });
}

function setCalculation(state: State, command: Extract<QuoteCommand, { type: 'set_calculation' }>): QuoteDecision {
  return onDraft(state, command.at, (quote) => {
    if (quote.procedure !== 'standard') return refuse('wrong_procedure', 'a total-loss file carries no calculation (seed §5)');
    const checked = checkCalculation(command.calculation);
    if (!checked.ok) return { ok: false, refusal: checked.refusal };
    return accept({ type: 'calculation_set', calculation: checked.calculation, totals: checked.totals, at: command.at });
  });
}

/**
 * An Audatex calculation the garage sends (a quote's or a supplement's): its totals computed, every
 * invalid field listed, and the figures the client sent checked against ours. `prefix` roots the
 * fields at fault where the calculation sits in the body (`calculation.` for a supplement).
 */
export function checkCalculation(
  calculation: CalculationInput,
  prefix = '',
): { ok: true; calculation: StoredCalculation; totals: CalculationTotals } | { ok: false; refusal: Refusal } {
  const result = computeTotals({ calculationNumber: calculation.calculationNumber, lines: calculation.lines, vatRate: calculation.vatRate });
  if (!result.ok) {
    return {
      ok: false,
      refusal: {
        code: 'calculation_invalid',
        message: result.errors.map((e) => `${prefix}${e.path} ${e.message}`).join('; '),
        errors: result.errors.map((e) => ({ field: `${prefix}${e.path}`, message: e.message })),
      },
    };
  }
  // Seed §3: the totals must equal the sum of the lines; figures the client sent are claims to check.
  const mismatches = checkClientTotals(result.totals, calculation.totals);
  if (mismatches.length > 0) {
    return {
      ok: false,
      refusal: {
        code: 'calculation_totals_mismatch',
        message: mismatches.map((m) => m.message).join('; '),
        errors: mismatches.map((m) => ({ field: `${prefix}totals.${m.field}`, message: `sent ${m.sentCents}, computed ${m.computedCents}` })),
        details: { mismatches: mismatches.map(({ field, sentCents, computedCents }) => ({ field, sentCents, computedCents })) },
      },
    };
  }
  return {
    ok: true,
    calculation: { calculationNumber: calculation.calculationNumber, vatRate: result.totals.vatRate, lines: calculation.lines },
    totals: result.totals,
  };
}

function addPhotos(state: State, command: Extract<QuoteCommand, { type: 'add_photos' }>): QuoteDecision {
  return onDraft(state, command.at, (quote) => {
    // The same image sent twice (a retried upload, or twice in one batch) is one photo.
    const known = new Set(quote.photos.map((p) => p.sha256));
    const fresh: NewPhoto[] = [];
    for (const photo of command.photos) {
      if (known.has(photo.sha256)) continue;
      known.add(photo.sha256);
      fresh.push(photo);
    }
    if (quote.photos.length + fresh.length > command.maxPhotos) {
      return refuse(
        'too_many_photos',
        `a quote carries at most ${command.maxPhotos} photos; it has ${quote.photos.length} and ${fresh.length} more were sent`,
        { errors: [{ field: 'photos', message: `at most ${command.maxPhotos} photos per quote` }], details: { maxPhotos: command.maxPhotos } },
      );
    }
    return fresh.length === 0 ? accept() : accept({ type: 'photos_added', photos: fresh, at: command.at });
  });
}

function close(state: State, command: Extract<QuoteCommand, { type: 'close' }>): QuoteDecision {
  const { quote, mission } = state;
  if (quote === null) return quoteNotFound();
  switch (quote.status) {
    case 'draft':
    // The second loop: a quote the expert returned is transmitted again by the same close.
    case 'returned':
      break;
    case 'closed':
      // Seed §3: once closed, the quote is immutable; a second close would transmit it twice.
      return refuse('quote_already_closed', 'the quote is already closed');
    case 'discarded':
    case 'voided':
      return { ok: false, refusal: notADraft(quote, mission, command.at) };
    default: {
      const unknown: never = quote.status;
      throw new Error(`unknown quote status ${String(unknown)}`);
    }
  }
  const conflict = missionConflict(mission, command.at);
  if (conflict) return { ok: false, refusal: conflict };
  const unmet = unmetConditions(quote, mission);
  if (unmet.length > 0) {
    return refuse('closing_conditions_unmet', unmet.map((c) => c.message).join('; '), {
      errors: unmet.map((c) => ({ field: c.field ?? '', message: c.message })),
      details: { conditions: unmet },
    });
  }
  return accept({ type: 'quote_closed', transmission: quote.transmissions + 1, at: command.at });
}

function discard(state: State, command: Extract<QuoteCommand, { type: 'discard' }>): QuoteDecision {
  // A returned quote reached the expert, who waits for its next transmission: it is answered, not dropped.
  if (state.quote?.status === 'returned') {
    return refuse('quote_returned', `quote ${state.quote.id} was transmitted and returned by the expert for information: answer it by closing it again`);
  }
  return onDraft(state, command.at, () => {
    const reason = command.reason.trim();
    const length = [...reason].length;
    if (length === 0) return refuse('reason_required', 'a discard needs a reason', { errors: [{ field: 'reason', message: 'is required' }] });
    if (length > DISCARD_REASON_MAX_LENGTH) {
      return refuse('reason_required', `the reason is ${length} characters long, at most ${DISCARD_REASON_MAX_LENGTH} are allowed`, {
        errors: [{ field: 'reason', message: `at most ${DISCARD_REASON_MAX_LENGTH} characters` }],
      });
    }
    return accept({ type: 'quote_discarded', reason, at: command.at });
  });
}

export const DISCARD_REASON_MAX_LENGTH = 500;

/**
 * Seed §4–5: direct payment once the expert validated a repair expertise ("vous pouvez
 * immédiatement commencer les travaux … et demander le paiement direct éventuel"), only when the
 * insurer planned it, once, for an invoice already issued. A repeat of the same request is the
 * same request: no event, and the garage gets the first answer again.
 */
function requestPayment(state: State, command: Extract<QuoteCommand, { type: 'request_payment' }>): QuoteDecision {
  const { quote, mission } = state;
  if (quote === null) return quoteNotFound();
  const { invoice, at } = command;
  if (quote.paymentRequest) {
    if (sameInvoice(quote.paymentRequest, invoice)) return accept();
    return refuse('payment_already_requested', `direct payment was already requested for invoice ${quote.paymentRequest.invoiceNumber}; a request is made once`, {
      details: { paymentRequest: quote.paymentRequest },
    });
  }
  switch (quote.status) {
    case 'closed':
      break;
    case 'voided':
      return refuse('quote_voided', `the quote was voided (the mission is ${quote.voidedBy ?? mission.status}): it can never be paid`, {
        details: { missionStatus: mission.status },
      });
    case 'discarded':
      return refuse('quote_discarded', 'the quote was discarded: it can never be paid');
    case 'draft':
      return refuse('quote_not_closed', 'the quote is not closed: direct payment follows a validated quote');
    case 'returned':
      return refuse('mission_not_validated', 'the expert returned the quote for information: direct payment follows a validated quote');
    default: {
      const unknown: never = quote.status;
      throw new Error(`unknown quote status ${String(unknown)}`);
    }
  }
  if (!allowsPayment(mission.status, mission.outcome)) {
    // A total loss is not a repair: its validation never takes a payment for repairs.
    if (mission.outcome === 'total_loss') {
      return refuse('total_loss_not_payable', 'the expert confirmed a total loss: there are no repairs to pay directly');
    }
    return refuse(
      'mission_not_validated',
      `direct payment may be requested only once the expert has validated the expertise (mission is ${mission.status}${mission.outcome ? `, ${mission.outcome}` : ''})`,
    );
  }
  const terms = mission.directPayment;
  if (!terms?.planned) return refuse('direct_payment_not_planned', 'the insurer did not plan direct payment on this mission');
  // The approved total is not known while the expert has a supplement to decide: the request would close it too early.
  const pending = quote.supplements.filter((s) => s.status === 'submitted');
  if (pending.length > 0) {
    return refuse('supplement_pending', `supplement ${pending.map((s) => s.number).join(', ')} awaits the expert's decision: request direct payment once it is decided`, {
      details: { supplementIds: pending.map((s) => s.id) },
    });
  }
  const today = brusselsDate(at);
  if (invoice.invoiceDate > today) {
    const message = `the invoice date ${invoice.invoiceDate} is after today (${today}, Europe/Brussels)`;
    return refuse('invoice_date_in_future', message, { errors: [{ field: 'invoiceDate', message }] });
  }
  // The invoice's VAT rate is the calculation's (21 % for a total-loss file, which has none).
  const vatRatePercent = quote.calculationTotals?.vatRate ?? DEFAULT_VAT_RATE;
  const validatedTotal = quote.calculationTotals?.totalInclVatCents ?? null;
  // The second loop: what the expert approved is the validated quote plus the approved supplements.
  const approvedTotalCents = validatedTotal === null ? null : approvedTotal(validatedTotal, quote.supplements);
  let split;
  try {
    split = splitPayment({
      amountCents: invoice.amountCents,
      vatRatePercent,
      ceilingCents: terms.ceilingCents,
      deductibleCents: terms.deductibleCents,
      owner: mission.owner,
      approvedTotalCents,
    });
  } catch (error) {
    if (!(error instanceof PaymentSplitInputError)) throw error;
    return refuse('payment_split_impossible', error.message, { errors: [{ field: error.field, message: error.message }] });
  }
  return accept({
    type: 'payment_requested',
    request: {
      quoteId: quote.id,
      missionId: quote.missionId,
      invoiceNumber: invoice.invoiceNumber,
      invoiceDate: invoice.invoiceDate,
      amountCents: invoice.amountCents,
      replacementVehicle: invoice.replacementVehicle,
      vatRatePercent,
      ceilingCents: terms.ceilingCents,
      deductibleCents: terms.deductibleCents,
      ownerVatRegime: mission.owner.vatRegime,
      insurerShareCents: split.insurerShareCents,
      ownerShareCents: split.ownerShareCents,
      recoverableVatCents: split.recoverableVatCents,
      deductibleAppliedCents: split.deductibleAppliedCents,
      aboveCeilingCents: split.aboveCeilingCents,
      // A total-loss file has no calculated total to compare with: never flagged.
      aboveValidatedQuote: validatedTotal !== null && invoiceAboveQuote(invoice.amountCents, validatedTotal),
      validatedQuoteTotalInclVatCents: validatedTotal,
      approvedTotalCents,
      aboveApprovedCents: split.aboveApprovedCents,
      roundingRule: split.rounding,
      requestedAt: at.toISOString(),
    },
    at,
  });
}

/**
 * What lost a race is voided in every service: a close that an earlier abandon or cancel beat,
 * the quote of a cancelled mission, and a draft of a mission that was abandoned or cancelled
 * (the rule is the procedure's, `quoteStatusAfterVerdict`). A verdict that changes nothing for
 * this quote, a redelivered one included, decides nothing.
 */
function applyVerdict(state: State, command: Extract<QuoteCommand, { type: 'apply_verdict' }>): QuoteDecision {
  const { quote } = state;
  if (quote === null) return quoteNotFound();
  const next = quoteStatusAfterVerdict(
    { id: quote.id, status: quote.status, closed: quote.closedAt !== null, transmissions: quote.transmissions },
    { status: command.status, voidedQuoteIds: command.voidedQuoteIds, quoteId: command.quoteId, transmission: command.transmission },
  );
  if (next === quote.status) return accept();
  const { status: missionStatus, at } = command;
  if (quote.status === 'voided' && next === 'closed') return accept({ type: 'quote_reinstated', missionStatus, at });
  // The second loop: the expert's request for information returns the transmission it was made on.
  if (quote.status === 'closed' && next === 'returned') return accept({ type: 'quote_returned', missionStatus, at });
  if (quote.status === 'returned' && next === 'closed') return accept({ type: 'quote_return_ended', missionStatus, at });
  if (next !== 'voided' || (quote.status !== 'draft' && quote.status !== 'closed' && quote.status !== 'returned')) return accept();
  return accept({ type: 'quote_voided', previousStatus: quote.status, missionStatus, at });
}

// ---- Rules shared by several commands ------------------------------------------------------------

/**
 * Why a draft may not change now (edit, photos, discard), or null when it may: the quote is no
 * longer a draft, or the mission accepts no quote work. The photo upload asks it before reading
 * megabytes of bytes; `decide` asks it again under lock.
 */
export function draftRefusal(state: State, at: Date): Refusal | null {
  const { quote, mission } = state;
  if (quote === null) return quoteNotFoundRefusal();
  switch (quote.status) {
    case 'draft':
    // The second loop: a returned quote changes like a draft until the answer's due date.
    case 'returned':
      return missionConflict(mission, at);
    case 'closed':
      return { code: 'quote_closed', message: `quote ${quote.id} was closed at ${quote.closedAt?.toISOString() ?? '?'} and can no longer change` };
    case 'discarded':
    case 'voided':
      return notADraft(quote, mission, at);
    default: {
      const unknown: never = quote.status;
      throw new Error(`unknown quote status ${String(unknown)}`);
    }
  }
}

function onDraft(state: State, at: Date, work: (quote: QuoteState) => QuoteDecision): QuoteDecision {
  const refusal = draftRefusal(state, at);
  if (refusal) return { ok: false, refusal };
  return work(state.quote!);
}

/** A discarded or voided quote never changes again; a voided one says what the mission became. */
function notADraft(quote: QuoteState, mission: MissionCopy, at: Date): Refusal {
  if (quote.status === 'discarded') {
    return { code: 'quote_discarded', message: `quote ${quote.id} was discarded at ${quote.discardedAt?.toISOString() ?? '?'}` };
  }
  return {
    code: 'quote_voided',
    message: `quote ${quote.id} was voided: the mission is ${quote.voidedBy ?? mission.status}`,
    details: { missionStatus: mission.status, conflicts: missionConflicts(mission, at) },
  };
}

/**
 * Why the mission accepts no quote work, every reason listed (`conflicts`) with the first giving
 * the code; null when `acceptsQuoteWork` says it does.
 */
export function missionConflict(mission: MissionCopy, at: Date): Refusal | null {
  if (acceptsQuoteWork(mission.status, mission.deadline, at)) return null;
  const conflicts = missionConflicts(mission, at);
  const first = conflicts[0] ?? { code: 'mission_not_awaiting_quote' as const, message: `the mission is ${mission.status}` };
  return { code: first.code, message: first.message, details: { conflicts } };
}

function missionConflicts(mission: MissionCopy, at: Date): Condition<MissionConflictCode>[] {
  const conflicts: Condition<MissionConflictCode>[] = [];
  switch (mission.status) {
    case 'new':
    case 'information_requested':
      break;
    case 'abandoned':
      conflicts.push({ code: 'mission_abandoned', message: 'the mission was abandoned' });
      break;
    case 'cancelled':
      conflicts.push({ code: 'mission_cancelled', message: 'the insurer cancelled the mission' });
      break;
    case 'expired':
      // Seed §5: an expired Smart Expertise has become a classic expertise.
      conflicts.push({ code: 'mission_expired', message: 'the mission expired and is now a classic expertise' });
      break;
    case 'under_analysis':
    case 'pending_validation':
    case 'remote_intervention':
    case 'onsite_intervention':
    case 'closed':
      conflicts.push({ code: 'mission_not_awaiting_quote', message: `the mission is no longer awaiting a quote (${mission.status})` });
      break;
    default: {
      const unknown: never = mission.status;
      throw new Error(`unknown mission status ${String(unknown)}`);
    }
  }
  if (!onTime(at, mission.deadline)) conflicts.push({ code: 'deadline_passed', message: `the deadline ${mission.deadline.toISOString()} has passed` });
  return conflicts;
}

/** Photos the quote needs before it is closed: the insurer's minimum, one for a total-loss file. */
export function minPhotosFor(procedure: Procedure, mission: Pick<MissionCopy, 'minPhotos'>): number {
  return procedure === 'total_loss' ? 1 : mission.minPhotos;
}

/** Everything the garage still has to provide before closing, all at once (seed §3 and §5). */
export function unmetConditions(quote: QuoteState, mission: Pick<MissionCopy, 'minPhotos'>): Condition<UnmetCode>[] {
  return quote.procedure === 'total_loss' ? unmetForTotalLoss(quote, mission) : unmetForStandard(quote, mission);
}

function unmetForStandard(quote: QuoteState, mission: Pick<MissionCopy, 'minPhotos'>): Condition<UnmetCode>[] {
  const unmet: Condition<UnmetCode>[] = [];

  if (!quote.calculation) {
    unmet.push({ code: 'calculation_missing', message: 'the Audatex calculation is required', field: 'calculation' });
  } else {
    const result = computeTotals(quote.calculation);
    if (!result.ok) {
      for (const error of result.errors) {
        unmet.push({ code: 'calculation_invalid', message: `${error.path} ${error.message}`, field: `calculation.${error.path}` });
      }
    }
  }

  const minPhotos = minPhotosFor('standard', mission);
  if (quote.photos.length < minPhotos) {
    unmet.push({
      code: 'photos_missing',
      message: `at least ${minPhotos} photo${minPhotos === 1 ? '' : 's'} required, ${quote.photos.length} attached`,
      field: 'photos',
    });
  }

  // Seed §2: all five questions must be answered; an unanswered one blocks closing. Each is named.
  for (const question of SMART_FRAME_QUESTIONS) {
    if (typeof quote.smartFrame?.[question] !== 'boolean') {
      unmet.push({ code: 'smart_frame_incomplete', message: `the Smart frame question ${question} is not answered`, field: `smartFrame.${question}` });
    }
  }
  return unmet;
}

function unmetForTotalLoss(quote: QuoteState, mission: Pick<MissionCopy, 'minPhotos'>): Condition<UnmetCode>[] {
  const unmet: Condition<UnmetCode>[] = [];
  const status = quote.vehicleStatus;
  if (!status || !VEHICLE_STATUSES.includes(status)) {
    unmet.push({ code: 'vehicle_status_missing', message: `the vehicle status is required (${VEHICLE_STATUSES.join(', ')})`, field: 'vehicleStatus' });
  }
  const minPhotos = minPhotosFor('total_loss', mission);
  if (quote.photos.length < minPhotos) {
    unmet.push({ code: 'photos_missing', message: `at least ${minPhotos} photo required, ${quote.photos.length} attached`, field: 'photos' });
  }
  // Seed §5: the total-loss procedure is simplified precisely because there is no Audatex calculation.
  if (quote.calculation) {
    unmet.push({
      code: 'calculation_not_allowed',
      message: 'a total-loss file carries no calculation; remove it or use the standard procedure',
      field: 'calculation',
    });
  }
  return unmet;
}

function quoteNotFoundRefusal(): Refusal {
  return { code: 'quote_not_found', message: 'no such quote' };
}

function quoteNotFound(): QuoteDecision {
  return { ok: false, refusal: quoteNotFoundRefusal() };
}

/** A repeated request is the same request when every field the garage sent is the same. */
export function sameInvoice(a: InvoiceRequest, b: InvoiceRequest): boolean {
  return (
    a.invoiceNumber === b.invoiceNumber &&
    a.invoiceDate === b.invoiceDate &&
    a.amountCents === b.amountCents &&
    a.replacementVehicle === b.replacementVehicle
  );
}

const brusselsFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date (YYYY-MM-DD) of an instant in Belgium, where invoices are dated. */
export function brusselsDate(instant: Date): string {
  return brusselsFormat.format(instant);
}

// ---- evolve --------------------------------------------------------------------------------------

export function evolve(state: State, event: QuoteEvent): State {
  const { mission, quote } = state;
  if (event.type === 'quote_created') {
    return {
      mission: { ...mission, liveQuoteId: event.quoteId },
      quote: {
        id: event.quoteId,
        missionId: event.missionId,
        garageId: event.garageId,
        procedure: event.procedure,
        status: 'draft',
        calculation: null,
        calculationTotals: null,
        photos: [],
        smartFrame: null,
        vehicleStatus: null,
        vehicleStatusNote: null,
        closedAt: null,
        transmissions: 0,
        discardedAt: null,
        discardReason: null,
        voidedAt: null,
        voidedBy: null,
        paymentRequest: null,
        supplements: [],
      },
    };
  }
  if (quote === null) throw new Error(`${event.type} on a quote that was never created`);
  const withQuote = (changes: Partial<QuoteState>): State => ({ mission, quote: { ...quote, ...changes } });
  // A discarded or voided quote is no longer the mission's live quote: another may be created.
  const notLive = (changes: Partial<QuoteState>): State => ({
    mission: mission.liveQuoteId === quote.id ? { ...mission, liveQuoteId: null } : mission,
    quote: { ...quote, ...changes },
  });
  switch (event.type) {
    case 'calculation_set':
      return withQuote({ calculation: event.calculation, calculationTotals: event.totals });
    case 'photos_added':
      return withQuote({ photos: [...quote.photos, ...event.photos.map(({ id, sha256 }) => ({ id, sha256 }))] });
    case 'smart_frame_set':
      return withQuote({ smartFrame: event.smartFrame });
    case 'vehicle_status_set':
      return withQuote({ vehicleStatus: event.vehicleStatus, vehicleStatusNote: event.note });
    case 'quote_closed':
      return withQuote({ status: 'closed', closedAt: event.at, transmissions: event.transmission });
    case 'quote_returned':
      return withQuote({ status: 'returned' });
    case 'quote_return_ended':
      return withQuote({ status: 'closed' });
    case 'quote_discarded':
      return notLive({ status: 'discarded', discardedAt: event.at, discardReason: event.reason });
    case 'payment_requested':
      return withQuote({ paymentRequest: event.request });
    case 'quote_voided':
      return notLive({ status: 'voided', voidedAt: event.at, voidedBy: event.missionStatus });
    case 'quote_reinstated':
      return { mission: { ...mission, liveQuoteId: quote.id }, quote: { ...quote, status: 'closed', voidedAt: null, voidedBy: null } };
    default: {
      const unknown: never = event;
      throw new Error(`unknown quote event ${JSON.stringify(unknown)}`);
    }
  }
}
