import { problemCatalogue, type HttpProblem } from '@smart-expertise/service-runtime';
import type { Refusal, RefusalCode } from '../domain/quote.ts';

/** Every problem the quote service answers with; the code is the key in snake_case. */
export const problems = problemCatalogue({
  missionNotFound: { status: 404, title: 'Mission not found' },
  quoteNotFound: { status: 404, title: 'Quote not found' },
  photoNotFound: { status: 404, title: 'Photo not found' },
  quoteAlreadyExists: { status: 409, title: 'The mission already has a quote' },
  quoteClosed: { status: 409, title: 'The quote is closed and can no longer change' },
  quoteAlreadyClosed: { status: 409, title: 'The quote is already closed' },
  quoteNotClosed: { status: 409, title: 'The quote is not closed' },
  quoteDiscarded: { status: 409, title: 'The quote was discarded' },
  quoteVoided: { status: 409, title: 'The quote was voided: it can never be analysed, validated or paid' },
  quoteReturned: { status: 409, title: 'The expert returned the quote for information: answer it by closing it again' },
  missionAbandoned: { status: 409, title: 'The mission was abandoned' },
  missionCancelled: { status: 409, title: 'The insurer cancelled the mission' },
  missionExpired: { status: 409, title: 'The mission expired' },
  missionNotAwaitingQuote: { status: 409, title: 'The mission no longer awaits a quote' },
  deadlinePassed: { status: 409, title: 'The deadline has passed' },
  wrongProcedure: { status: 409, title: 'Not part of this quote procedure' },
  closingConditionsUnmet: { status: 422, title: 'The quote cannot be closed yet' },
  calculationInvalid: { status: 422, title: 'The calculation is not valid' },
  calculationTotalsMismatch: { status: 422, title: 'The totals sent differ from the computed totals' },
  reasonRequired: { status: 400, title: 'A reason is required' },
  photoTypeNotSupported: { status: 415, title: 'Only JPEG, PNG and HEIC photos are accepted' },
  photoTooLarge: { status: 413, title: 'A photo is larger than allowed' },
  tooManyFilesInRequest: { status: 413, title: 'Too many files in one upload' },
  tooManyPhotos: { status: 422, title: 'The quote would carry more photos than allowed' },
  noPhotoInRequest: { status: 400, title: 'The upload carries no photo' },
  malformedUpload: { status: 400, title: 'The multipart upload is malformed' },
  missionNotValidated: { status: 409, title: 'The expertise is not validated' },
  totalLossNotPayable: { status: 409, title: 'A total loss takes no direct payment for repairs' },
  directPaymentNotPlanned: { status: 409, title: 'Direct payment is not planned on this mission' },
  invoiceDateInFuture: { status: 422, title: 'The invoice date is in the future' },
  paymentAlreadyRequested: { status: 409, title: 'Direct payment was already requested' },
  paymentSplitImpossible: { status: 422, title: 'The payment cannot be split' },
  supplementPending: { status: 409, title: 'A supplement awaits the expert’s decision' },
  totalLoss: { status: 409, title: 'A total loss takes no supplement for repairs' },
  supplementNotFound: { status: 404, title: 'Supplement not found' },
  supplementAlreadySubmitted: { status: 409, title: 'The supplement was submitted and can no longer change' },
  supplementNotSubmitted: { status: 409, title: 'The supplement was never submitted' },
  supplementIncomplete: { status: 422, title: 'The supplement cannot be submitted yet' },
});

/** The one table from the decider's refusals to problems: a new refusal code fails to compile until it is here. */
const PROBLEM_OF_REFUSAL: { readonly [C in RefusalCode]: keyof typeof problems } = {
  quote_not_found: 'quoteNotFound',
  quote_already_exists: 'quoteAlreadyExists',
  quote_closed: 'quoteClosed',
  quote_already_closed: 'quoteAlreadyClosed',
  quote_not_closed: 'quoteNotClosed',
  quote_discarded: 'quoteDiscarded',
  quote_voided: 'quoteVoided',
  mission_abandoned: 'missionAbandoned',
  mission_cancelled: 'missionCancelled',
  mission_expired: 'missionExpired',
  mission_not_awaiting_quote: 'missionNotAwaitingQuote',
  deadline_passed: 'deadlinePassed',
  wrong_procedure: 'wrongProcedure',
  calculation_invalid: 'calculationInvalid',
  calculation_totals_mismatch: 'calculationTotalsMismatch',
  too_many_photos: 'tooManyPhotos',
  closing_conditions_unmet: 'closingConditionsUnmet',
  reason_required: 'reasonRequired',
  mission_not_validated: 'missionNotValidated',
  total_loss_not_payable: 'totalLossNotPayable',
  direct_payment_not_planned: 'directPaymentNotPlanned',
  invoice_date_in_future: 'invoiceDateInFuture',
  payment_already_requested: 'paymentAlreadyRequested',
  payment_split_impossible: 'paymentSplitImpossible',
  quote_returned: 'quoteReturned',
  supplement_pending: 'supplementPending',
  total_loss: 'totalLoss',
  supplement_not_found: 'supplementNotFound',
  supplement_already_submitted: 'supplementAlreadySubmitted',
  supplement_not_submitted: 'supplementNotSubmitted',
  supplement_incomplete: 'supplementIncomplete',
};

/** The problem a refusal answers: its fields as JSON pointers in `errors`, its details beside. */
export function problemOf(refusal: Refusal): HttpProblem {
  const errors = refusal.errors?.map((e) => ({ path: pointer(e.field), message: e.message }));
  return problems[PROBLEM_OF_REFUSAL[refusal.code]](refusal.message, { ...refusal.details, ...(errors ? { errors } : {}) });
}

/** `lines[2].hours` or `smartFrame.expertAdviceNeeded` as a JSON pointer: `/lines/2/hours`. */
export function pointer(path: string): string {
  return `/${path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean).join('/')}`;
}
