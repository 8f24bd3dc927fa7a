import { problemCatalogue } from '@smart-expertise/service-runtime';

/** Every problem the quote service answers with; the code is the key in snake_case. */
export const problems = problemCatalogue({
  missionNotFound: { status: 404, title: 'Mission not found' },
  quoteNotFound: { status: 404, title: 'Quote not found' },
  photoNotFound: { status: 404, title: 'Photo not found' },
  quoteAlreadyExists: { status: 409, title: 'The mission already has a quote' },
  quoteClosed: { status: 409, title: 'The quote is closed and can no longer change' },
  quoteAlreadyClosed: { status: 409, title: 'The quote is already closed' },
  quoteNotClosed: { status: 409, title: 'The quote is not closed' },
  missionAbandoned: { status: 409, title: 'The mission was abandoned' },
  missionExpired: { status: 409, title: 'The mission expired' },
  missionNotAwaitingQuote: { status: 409, title: 'The mission no longer awaits a quote' },
  deadlinePassed: { status: 409, title: 'The deadline has passed' },
  wrongProcedure: { status: 409, title: 'Not part of this quote procedure' },
  closingConditionsUnmet: { status: 422, title: 'The quote cannot be closed yet' },
  calculationInvalid: { status: 422, title: 'The calculation is not valid' },
  calculationTotalsMismatch: { status: 422, title: 'The totals sent differ from the computed totals' },
  photoTypeNotSupported: { status: 415, title: 'Only JPEG, PNG and HEIC photos are accepted' },
  photoTooLarge: { status: 413, title: 'A photo is larger than allowed' },
  tooManyFilesInRequest: { status: 413, title: 'Too many files in one upload' },
  tooManyPhotos: { status: 422, title: 'The quote would carry more photos than allowed' },
  noPhotoInRequest: { status: 400, title: 'The upload carries no photo' },
  malformedUpload: { status: 400, title: 'The multipart upload is malformed' },
  missionNotValidated: { status: 409, title: 'The expertise is not validated' },
  directPaymentNotPlanned: { status: 409, title: 'Direct payment is not planned on this mission' },
  invoiceDateInFuture: { status: 422, title: 'The invoice date is in the future' },
  paymentAlreadyRequested: { status: 409, title: 'Direct payment was already requested with another invoice' },
  paymentSplitImpossible: { status: 422, title: 'The payment cannot be split' },
});

/** `lines[2].hours` or `smartFrame.expertAdviceNeeded` as a JSON pointer: `/lines/2/hours`. */
export function pointer(path: string): string {
  return `/${path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean).join('/')}`;
}
