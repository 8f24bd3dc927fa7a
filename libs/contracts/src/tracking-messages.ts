/**
 * The tracking message catalogue: the texts a garage reads in a mission's tracking ("suivi").
 *
 * The French texts marked `seed` are copied verbatim from the Smart Expertise procedure and must
 * never be reworded (upper case, no accents, the space before the colon as printed). The others
 * are ours, written in the same style; Dutch and English follow the same shape (Belgium is
 * bilingual, and the API lets a client pick its language with `Accept-Language`).
 */

export type Language = 'fr' | 'nl' | 'en';

export const languages: readonly Language[] = ['fr', 'nl', 'en'];

export type TrackingCode =
  | 'mission.received'
  | 'quote.under_analysis'
  | 'total_loss.declared'
  | 'review.pending_validation'
  | 'review.remote_intervention'
  | 'review.onsite_intervention'
  | 'review.validated'
  | 'mission.expired'
  | 'mission.abandoned'
  | 'deadline.approaching'
  | 'payment.requested';

export const trackingCodes: readonly TrackingCode[] = [
  'mission.received',
  'quote.under_analysis',
  'total_loss.declared',
  'review.pending_validation',
  'review.remote_intervention',
  'review.onsite_intervention',
  'review.validated',
  'mission.expired',
  'mission.abandoned',
  'deadline.approaching',
  'payment.requested',
];

/**
 * The values a message may interpolate. A tracking entry stores its params as a plain
 * `Record<string, string>`, which is assignable to this type; extra keys are ignored.
 */
export interface TrackingParams {
  /** The deadline, already formatted `dd/mm/yy` in Europe/Brussels. */
  readonly deadlineDate?: string;
  readonly expertName?: string;
  readonly expertPhone?: string;
  /** The garage's reason for abandoning, shown as typed. */
  readonly reason?: string;
  readonly invoiceNumber?: string;
}

type ParamName = keyof TrackingParams;

/** Which params each message needs; a missing one is a programming error, not bad user input. */
const requiredParams: Record<TrackingCode, readonly ParamName[]> = {
  'mission.received': ['deadlineDate'],
  'quote.under_analysis': [],
  'total_loss.declared': [],
  'review.pending_validation': [],
  'review.remote_intervention': ['expertName', 'expertPhone'],
  'review.onsite_intervention': ['expertName', 'expertPhone'],
  'review.validated': [],
  'mission.expired': ['deadlineDate'],
  'mission.abandoned': ['reason'],
  'deadline.approaching': ['deadlineDate'],
  'payment.requested': ['invoiceNumber'],
};

type Render = (p: Required<TrackingParams>) => string;

/** The seed prints "(NOM + TEL)" after the intervention messages; we render it as "(name - phone)". */
const expert = (p: Required<TrackingParams>): string => `(${p.expertName} - ${p.expertPhone})`;

const catalogue: Record<Language, Record<TrackingCode, Render>> = {
  fr: {
    // seed
    'mission.received': (p) =>
      `SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE ${p.deadlineDate}`,
    // seed
    'quote.under_analysis': () =>
      `SUIVI SMART EXPERTISE : VOTRE DEVIS EST EN COURS D'ANALYSE, VEUILLEZ ATTENDRE LA CONFIRMATION`,
    'total_loss.declared': () =>
      `SMART EXPERTISE : PROCEDURE PERTE TOTALE, LE DOSSIER EST TRANSMIS A L'EXPERT POUR ANALYSE`,
    // seed
    'review.pending_validation': () => `SMART EXPERTISE : EN COURS DE VALIDATION PAR L'EXPERT`,
    // seed, followed by the expert's name and phone
    'review.remote_intervention': (p) =>
      `SMART EXPERTISE : DOIT ETRE TRAITEE A DISTANCE AVEC L'EXPERT ${expert(p)}`,
    // seed, followed by the expert's name and phone
    'review.onsite_intervention': (p) =>
      `SMART EXPERTISE : DOIT ETRE TRAITEE SUR PLACE AVEC L'EXPERT ${expert(p)}`,
    'review.validated': () =>
      `SMART EXPERTISE : EXPERTISE CLOTUREE, VOUS POUVEZ COMMENCER LES REPARATIONS`,
    'mission.expired': (p) =>
      `SMART EXPERTISE : DELAI DEPASSE LE ${p.deadlineDate}, LA MISSION DEVIENT UNE EXPERTISE CLASSIQUE`,
    'mission.abandoned': (p) => `SMART EXPERTISE : MISSION ABANDONNEE (${p.reason})`,
    'deadline.approaching': (p) =>
      `SMART EXPERTISE : RAPPEL, VEUILLEZ CLOTURER VOTRE DEVIS AU PLUS TARD LE ${p.deadlineDate}`,
    'payment.requested': (p) =>
      `SMART EXPERTISE : DEMANDE DE PAIEMENT DIRECT TRANSMISE (FACTURE ${p.invoiceNumber})`,
  },
  nl: {
    'mission.received': (p) =>
      `SMART EXPERTISE: GELIEVE UW BESTEK OP TE STELLEN EN AF TE SLUITEN UITERLIJK OP ${p.deadlineDate}`,
    'quote.under_analysis': () =>
      `OPVOLGING SMART EXPERTISE: UW BESTEK WORDT GEANALYSEERD, GELIEVE DE BEVESTIGING AF TE WACHTEN`,
    'total_loss.declared': () =>
      `SMART EXPERTISE: PROCEDURE TOTAAL VERLIES, HET DOSSIER IS TER ANALYSE AAN DE EXPERT BEZORGD`,
    'review.pending_validation': () => `SMART EXPERTISE: WORDT GEVALIDEERD DOOR DE EXPERT`,
    'review.remote_intervention': (p) =>
      `SMART EXPERTISE: MOET OP AFSTAND BEHANDELD WORDEN MET DE EXPERT ${expert(p)}`,
    'review.onsite_intervention': (p) =>
      `SMART EXPERTISE: MOET TER PLAATSE BEHANDELD WORDEN MET DE EXPERT ${expert(p)}`,
    'review.validated': () =>
      `SMART EXPERTISE: EXPERTISE AFGESLOTEN, U MAG MET DE HERSTELLING BEGINNEN`,
    'mission.expired': (p) =>
      `SMART EXPERTISE: TERMIJN VERSTREKEN OP ${p.deadlineDate}, DE OPDRACHT WORDT EEN KLASSIEKE EXPERTISE`,
    'mission.abandoned': (p) => `SMART EXPERTISE: OPDRACHT STOPGEZET (${p.reason})`,
    'deadline.approaching': (p) =>
      `SMART EXPERTISE: HERINNERING, GELIEVE UW BESTEK AF TE SLUITEN UITERLIJK OP ${p.deadlineDate}`,
    'payment.requested': (p) =>
      `SMART EXPERTISE: AANVRAAG RECHTSTREEKSE BETALING VERZONDEN (FACTUUR ${p.invoiceNumber})`,
  },
  en: {
    'mission.received': (p) =>
      `SMART EXPERTISE: PLEASE PREPARE AND CLOSE YOUR QUOTE BY ${p.deadlineDate} AT THE LATEST`,
    'quote.under_analysis': () =>
      `SMART EXPERTISE TRACKING: YOUR QUOTE IS UNDER ANALYSIS, PLEASE WAIT FOR CONFIRMATION`,
    'total_loss.declared': () =>
      `SMART EXPERTISE: TOTAL LOSS PROCEDURE, THE FILE HAS BEEN SENT TO THE EXPERT FOR ANALYSIS`,
    'review.pending_validation': () => `SMART EXPERTISE: BEING VALIDATED BY THE EXPERT`,
    'review.remote_intervention': (p) =>
      `SMART EXPERTISE: MUST BE HANDLED REMOTELY WITH THE EXPERT ${expert(p)}`,
    'review.onsite_intervention': (p) =>
      `SMART EXPERTISE: MUST BE HANDLED ON SITE WITH THE EXPERT ${expert(p)}`,
    'review.validated': () => `SMART EXPERTISE: EXPERTISE CLOSED, YOU MAY START THE REPAIRS`,
    'mission.expired': (p) =>
      `SMART EXPERTISE: DEADLINE OF ${p.deadlineDate} PASSED, THE MISSION BECOMES A CLASSIC EXPERTISE`,
    'mission.abandoned': (p) => `SMART EXPERTISE: MISSION ABANDONED (${p.reason})`,
    'deadline.approaching': (p) =>
      `SMART EXPERTISE: REMINDER, PLEASE CLOSE YOUR QUOTE BY ${p.deadlineDate} AT THE LATEST`,
    'payment.requested': (p) =>
      `SMART EXPERTISE: DIRECT PAYMENT REQUEST SENT (INVOICE ${p.invoiceNumber})`,
  },
};

/**
 * Renders one tracking message in the given language.
 * Throws when a param the message needs is missing: the caller built a bad tracking entry.
 */
export function trackingMessage(code: TrackingCode, params: TrackingParams, lang: Language): string {
  const missing = requiredParams[code].filter((name) => params[name] === undefined);
  if (missing.length > 0) {
    throw new Error(`tracking message ${code} needs ${missing.join(', ')}`);
  }
  const complete: Required<TrackingParams> = {
    deadlineDate: params.deadlineDate ?? '',
    expertName: params.expertName ?? '',
    expertPhone: params.expertPhone ?? '',
    reason: params.reason ?? '',
    invoiceNumber: params.invoiceNumber ?? '',
  };
  return catalogue[lang][code](complete);
}
