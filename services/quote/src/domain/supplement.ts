/**
 * Supplements for hidden damage (product page, "The second loop"): found once the car is taken
 * apart, on a validated standard mission and before its payment request, the garage drafts a
 * supplement (reason, calculation lines, photos) and submits it; the expert approves or rejects it
 * with a note. The approved total (`approvedTotal` in `libs/contracts`) then counts the approved
 * supplements, and the payment request waits for a submitted one to be decided (`quote.ts`).
 *
 * A decider like the quote's: `decideSupplement(state, command)` answers the events or a refusal
 * (codes from the one `RefusalCode` union, problems in `http/problems.ts`); `evolveSupplement`
 * folds an event into the supplement. The mission-level condition is the procedure's
 * `allowsSupplement`, asked of the copy of the mission.
 *
 * Pure: no I/O, no clock. Every command carries the instant it is decided at.
 */
import type { SupplementDecision, SupplementStatus } from '@smart-expertise/contracts';
import { allowsSupplement } from '@smart-expertise/contracts/procedure';
import type { CalculationTotals } from './calculation.ts';
import { checkCalculation, type CalculationInput, type MissionCopy, type NewPhoto, type PhotoRef, type QuoteState, type Refusal, type RefusalCode, type StoredCalculation } from './quote.ts';

export const SUPPLEMENT_REASON_MAX_LENGTH = 2000;
/** Photos a supplement needs before it is submitted. */
export const SUPPLEMENT_MIN_PHOTOS = 1;

export interface ExpertContact {
  readonly name: string;
  readonly phone: string;
}

export interface SupplementState {
  readonly id: string;
  readonly quoteId: string;
  readonly missionId: string;
  /** 1 for the quote's first supplement, then +1. */
  readonly number: number;
  readonly reason: string;
  readonly calculation: StoredCalculation;
  readonly calculationTotals: CalculationTotals;
  readonly status: SupplementStatus;
  readonly photos: readonly PhotoRef[];
  readonly createdAt: Date;
  readonly submittedAt: Date | null;
  readonly decidedAt: Date | null;
  /** The expert's note (required to reject, optional to approve). */
  readonly note: string | null;
  readonly expert: ExpertContact | null;
}

/** What the decider sees: the mission's copy, the quote (its supplements summed up), the supplement. */
export interface SupplementWorld {
  readonly mission: MissionCopy;
  readonly quote: QuoteState | null;
  /** Null before it is created. */
  readonly supplement: SupplementState | null;
}

export type SupplementCommand =
  | { readonly type: 'create_supplement'; readonly supplementId: string; readonly reason: string; readonly calculation: CalculationInput; readonly at: Date }
  | { readonly type: 'add_supplement_photos'; readonly photos: readonly NewPhoto[]; readonly maxPhotos: number; readonly at: Date }
  | { readonly type: 'submit_supplement'; readonly at: Date }
  /** expert-review's decision (`supplement.decided`). */
  | {
      readonly type: 'record_supplement_decision';
      readonly decision: SupplementDecision;
      readonly note: string | null;
      readonly expert: ExpertContact;
      readonly at: Date;
    };

export type SupplementEvent =
  | {
      readonly type: 'supplement_created';
      readonly supplementId: string;
      readonly quoteId: string;
      readonly missionId: string;
      readonly number: number;
      readonly reason: string;
      readonly calculation: StoredCalculation;
      readonly totals: CalculationTotals;
      readonly at: Date;
    }
  | { readonly type: 'supplement_photos_added'; readonly photos: readonly NewPhoto[]; readonly at: Date }
  | { readonly type: 'supplement_submitted'; readonly at: Date }
  | {
      readonly type: 'supplement_decided';
      readonly status: 'approved' | 'rejected';
      readonly note: string | null;
      readonly expert: ExpertContact;
      readonly at: Date;
    };

export type SupplementResult = { readonly ok: true; readonly events: readonly SupplementEvent[] } | { readonly ok: false; readonly refusal: Refusal };

const accept = (...events: SupplementEvent[]): SupplementResult => ({ ok: true, events });
const refuse = (code: RefusalCode, message: string, extra: Omit<Refusal, 'code' | 'message'> = {}): SupplementResult => ({
  ok: false,
  refusal: { code, message, ...extra },
});
const refused = (refusal: Refusal): SupplementResult => ({ ok: false, refusal });

// ---- decide --------------------------------------------------------------------------------------

export function decideSupplement(state: SupplementWorld, command: SupplementCommand): SupplementResult {
  switch (command.type) {
    case 'create_supplement':
      return create(state, command);
    case 'add_supplement_photos':
      return onDraftSupplement(state, (supplement) => {
        // The same image sent twice (a retried upload, or twice in one batch) is one photo.
        const known = new Set(supplement.photos.map((p) => p.sha256));
        const fresh: NewPhoto[] = [];
        for (const photo of command.photos) {
          if (known.has(photo.sha256)) continue;
          known.add(photo.sha256);
          fresh.push(photo);
        }
        if (supplement.photos.length + fresh.length > command.maxPhotos) {
          return refuse(
            'too_many_photos',
            `a supplement carries at most ${command.maxPhotos} photos; it has ${supplement.photos.length} and ${fresh.length} more were sent`,
            { errors: [{ field: 'photos', message: `at most ${command.maxPhotos} photos per supplement` }], details: { maxPhotos: command.maxPhotos } },
          );
        }
        return fresh.length === 0 ? accept() : accept({ type: 'supplement_photos_added', photos: fresh, at: command.at });
      });
    case 'submit_supplement':
      return onDraftSupplement(state, (supplement) => {
        if (supplement.photos.length < SUPPLEMENT_MIN_PHOTOS) {
          const message = `at least ${SUPPLEMENT_MIN_PHOTOS} photo of the hidden damage required, ${supplement.photos.length} attached`;
          return refuse('supplement_incomplete', message, { errors: [{ field: 'photos', message }] });
        }
        return accept({ type: 'supplement_submitted', at: command.at });
      });
    case 'record_supplement_decision':
      return recordDecision(state, command);
    default: {
      const unknown: never = command;
      throw new Error(`unknown supplement command ${JSON.stringify(unknown)}`);
    }
  }
}

function create(state: SupplementWorld, command: Extract<SupplementCommand, { type: 'create_supplement' }>): SupplementResult {
  const refusal = supplementWindowRefusal(state);
  if (refusal) return refused(refusal);
  const quote = state.quote!;
  const reason = command.reason.trim();
  const length = [...reason].length;
  if (length === 0) return refuse('reason_required', 'a supplement needs a reason', { errors: [{ field: 'reason', message: 'is required' }] });
  if (length > SUPPLEMENT_REASON_MAX_LENGTH) {
    return refuse('reason_required', `the reason is ${length} characters long, at most ${SUPPLEMENT_REASON_MAX_LENGTH} are allowed`, {
      errors: [{ field: 'reason', message: `at most ${SUPPLEMENT_REASON_MAX_LENGTH} characters` }],
    });
  }
  const checked = checkCalculation(command.calculation, 'calculation.');
  if (!checked.ok) return refused(checked.refusal);
  return accept({
    type: 'supplement_created',
    supplementId: command.supplementId,
    quoteId: quote.id,
    missionId: quote.missionId,
    number: quote.supplements.reduce((max, s) => Math.max(max, s.number), 0) + 1,
    reason,
    calculation: checked.calculation,
    totals: checked.totals,
    at: command.at,
  });
}

/**
 * The expert's decision on a submitted supplement. The first decision stands: a later one (the
 * same redelivered under another id) decides nothing. A decision on a supplement never submitted
 * here is refused: it cannot come from expert-review, which learns of supplements from us.
 */
function recordDecision(state: SupplementWorld, command: Extract<SupplementCommand, { type: 'record_supplement_decision' }>): SupplementResult {
  const { supplement } = state;
  if (supplement === null) return refuse('supplement_not_found', 'no such supplement');
  switch (supplement.status) {
    case 'submitted':
      return accept({
        type: 'supplement_decided',
        status: command.decision === 'approve' ? 'approved' : 'rejected',
        note: command.note,
        expert: command.expert,
        at: command.at,
      });
    case 'approved':
    case 'rejected':
      return accept();
    case 'draft':
      return refuse('supplement_not_submitted', `supplement ${supplement.id} was never submitted: the expert cannot have decided it`);
    default: {
      const unknown: never = supplement.status;
      throw new Error(`unknown supplement status ${String(unknown)}`);
    }
  }
}

// ---- Rules shared by several commands ------------------------------------------------------------

/**
 * Why the quote takes no supplement work now (create, photos, submit), or null when it does: the
 * quote can never be paid (voided, discarded), the mission is a total loss, the payment was already
 * requested (it closes the supplements), or the mission is not a validated expertise.
 */
export function supplementWindowRefusal(state: Pick<SupplementWorld, 'mission' | 'quote'>): Refusal | null {
  const { mission, quote } = state;
  if (quote === null) return { code: 'quote_not_found', message: 'no such quote' };
  if (quote.status === 'voided') return { code: 'quote_voided', message: `quote ${quote.id} was voided: it can never be validated or paid` };
  if (quote.status === 'discarded') return { code: 'quote_discarded', message: `quote ${quote.id} was discarded` };
  // A total loss is not a repair: there is no hidden damage to repair on it.
  if (quote.procedure === 'total_loss' || mission.outcome === 'total_loss') {
    return { code: 'total_loss', message: 'the mission is a total loss: it takes no supplement for repairs' };
  }
  const paymentRequested = quote.paymentRequest !== null;
  if (allowsSupplement(mission.status, mission.outcome, paymentRequested)) return null;
  if (paymentRequested) {
    return {
      code: 'payment_already_requested',
      message: `direct payment was already requested (invoice ${quote.paymentRequest!.invoiceNumber}): supplements come before the payment request`,
    };
  }
  return {
    code: 'mission_not_validated',
    message: `supplements are for a validated expertise (mission is ${mission.status}${mission.outcome ? `, ${mission.outcome}` : ''})`,
  };
}

/**
 * Why the supplement may not change now (photos, submit), or null when it may. The photo upload
 * asks it before reading megabytes of bytes; `decideSupplement` asks it again under lock.
 */
export function supplementDraftRefusal(state: SupplementWorld): Refusal | null {
  const window = supplementWindowRefusal(state);
  if (window) return window;
  const { supplement } = state;
  if (supplement === null) return { code: 'supplement_not_found', message: 'no such supplement' };
  if (supplement.status !== 'draft') {
    return {
      code: 'supplement_already_submitted',
      message: `supplement ${supplement.number} was submitted at ${supplement.submittedAt?.toISOString() ?? '?'} and can no longer change`,
      details: { supplementStatus: supplement.status },
    };
  }
  return null;
}

function onDraftSupplement(state: SupplementWorld, work: (supplement: SupplementState) => SupplementResult): SupplementResult {
  const refusal = supplementDraftRefusal(state);
  if (refusal) return refused(refusal);
  return work(state.supplement!);
}

// ---- evolve --------------------------------------------------------------------------------------

export function evolveSupplement(supplement: SupplementState | null, event: SupplementEvent): SupplementState {
  if (event.type === 'supplement_created') {
    return {
      id: event.supplementId,
      quoteId: event.quoteId,
      missionId: event.missionId,
      number: event.number,
      reason: event.reason,
      calculation: event.calculation,
      calculationTotals: event.totals,
      status: 'draft',
      photos: [],
      createdAt: event.at,
      submittedAt: null,
      decidedAt: null,
      note: null,
      expert: null,
    };
  }
  if (supplement === null) throw new Error(`${event.type} on a supplement that was never created`);
  switch (event.type) {
    case 'supplement_photos_added':
      return { ...supplement, photos: [...supplement.photos, ...event.photos.map(({ id, sha256 }) => ({ id, sha256 }))] };
    case 'supplement_submitted':
      return { ...supplement, status: 'submitted', submittedAt: event.at };
    case 'supplement_decided':
      return { ...supplement, status: event.status, decidedAt: event.at, note: event.note, expert: event.expert };
    default: {
      const unknown: never = event;
      throw new Error(`unknown supplement event ${JSON.stringify(unknown)}`);
    }
  }
}
