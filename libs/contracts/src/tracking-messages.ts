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
  | 'review.total_loss_confirmed'
  | 'mission.expired'
  | 'mission.abandoned'
  | 'mission.cancelled'
  | 'deadline.approaching'
  | 'payment.requested'
  | 'quote.voided'
  | 'abandon.voided'
  | 'cancel.voided'
  | 'expiry.voided'
  | 'review.voided'
  | 'payment.voided'
  // The second loop (product page, "The second loop: after the first decision").
  | 'review.information_requested'
  | 'quote.retransmitted'
  | 'deadline.extended'
  | 'extension.voided'
  | 'supplement.submitted'
  | 'supplement.approved'
  | 'supplement.rejected';

export const trackingCodes: readonly TrackingCode[] = [
  'mission.received',
  'quote.under_analysis',
  'total_loss.declared',
  'review.pending_validation',
  'review.remote_intervention',
  'review.onsite_intervention',
  'review.validated',
  'review.total_loss_confirmed',
  'mission.expired',
  'mission.abandoned',
  'mission.cancelled',
  'deadline.approaching',
  'payment.requested',
  'quote.voided',
  'abandon.voided',
  'cancel.voided',
  'expiry.voided',
  'review.voided',
  'payment.voided',
  'review.information_requested',
  'quote.retransmitted',
  'deadline.extended',
  'extension.voided',
  'supplement.submitted',
  'supplement.approved',
  'supplement.rejected',
];

/** Why something the user was told was voided: what came first and won (procedure rules). */
export type VoidCause = 'abandoned' | 'cancelled' | 'quote_closed' | 'validated' | 'not_validated' | 'deadline_passed';

/**
 * The values inside a message, as fields (garage software never parses the text): instants as
 * ISO 8601 strings, amounts in cents as decimal strings. A stored entry keeps them as a plain
 * `Record<string, string>`, which is assignable to this type; extra keys are ignored.
 */
export interface TrackingParams {
  /** The deadline instant (ISO 8601); printed `dd/mm/yy` in Europe/Brussels, with its time unless it is the end of a day. */
  readonly deadline?: string;
  /** The deadline already printed `dd/mm/yy` (entries written before `deadline` was kept). */
  readonly deadlineDate?: string;
  readonly expertName?: string;
  readonly expertPhone?: string;
  /** The expert's note, when the decision has one. */
  readonly note?: string;
  /** The garage's reason for abandoning, or the insurer's for cancelling, shown as typed. */
  readonly reason?: string;
  readonly invoiceNumber?: string;
  readonly insurerShareCents?: string;
  readonly ownerShareCents?: string;
  /** The instant of the close, decision or action a voiding entry refers to (ISO 8601). */
  readonly at?: string;
  /** What came first and made the voided action lose. */
  readonly cause?: VoidCause | string;
  /** A supplement's number on its quote (1, 2…). */
  readonly supplementNumber?: string;
  /** An amount incl. VAT in cents (a supplement's total). */
  readonly amountCents?: string;
  /** The validated quote plus approved supplements, incl. VAT, in cents. */
  readonly approvedTotalCents?: string;
  /** How many times the quote has been transmitted (2 for the first answer to a request). */
  readonly transmission?: string;
}

type ParamName = keyof TrackingParams;

/** Which params each message needs; a missing one is a programming error, not bad user input. */
const requiredParams: Record<TrackingCode, readonly ParamName[]> = {
  'mission.received': [],
  'quote.under_analysis': [],
  'total_loss.declared': [],
  'review.pending_validation': [],
  'review.remote_intervention': ['expertName', 'expertPhone'],
  'review.onsite_intervention': ['expertName', 'expertPhone'],
  'review.validated': [],
  'review.total_loss_confirmed': [],
  'mission.expired': [],
  'mission.abandoned': ['reason'],
  'mission.cancelled': ['reason'],
  'deadline.approaching': [],
  'payment.requested': ['invoiceNumber'],
  'quote.voided': ['at', 'cause'],
  'abandon.voided': ['at'],
  'cancel.voided': ['at', 'cause'],
  'expiry.voided': ['at'],
  'review.voided': ['at', 'cause'],
  'payment.voided': ['invoiceNumber'],
  'review.information_requested': ['note', 'expertName', 'expertPhone'],
  'quote.retransmitted': [],
  'deadline.extended': [],
  'extension.voided': ['at', 'cause'],
  'supplement.submitted': ['supplementNumber', 'amountCents'],
  'supplement.approved': ['supplementNumber', 'amountCents', 'approvedTotalCents'],
  'supplement.rejected': ['supplementNumber', 'note'],
};

/** Messages that print the deadline need it in one of its two forms. */
const needsDeadline: ReadonlySet<TrackingCode> = new Set([
  'mission.received',
  'mission.expired',
  'deadline.approaching',
  'review.information_requested',
  'deadline.extended',
]);

/** The params as a message prints them: instants already in Brussels time, every value present. */
interface Printed {
  readonly deadline: string;
  readonly expertName: string;
  readonly expertPhone: string;
  readonly reason: string;
  readonly invoiceNumber: string;
  readonly at: string;
  readonly cause: string;
  readonly note: string;
  readonly supplementNumber: string;
  /** Amounts already printed in euros, the language's way. */
  readonly amount: string;
  readonly approvedTotal: string;
}

type Render = (p: Printed) => string;

/** The seed prints "(NOM + TEL)" after the intervention messages; we render it as "(name - phone)". */
const expert = (p: Printed): string => `(${p.expertName} - ${p.expertPhone})`;

const frCause: Record<string, string> = {
  abandoned: 'LA MISSION AVAIT ETE ABANDONNEE AUPARAVANT',
  cancelled: 'LA MISSION A ETE ANNULEE PAR LA COMPAGNIE',
  quote_closed: 'UN DEVIS AVAIT ETE CLOTURE AUPARAVANT',
  validated: "L'EXPERT AVAIT VALIDE L'EXPERTISE AUPARAVANT",
  not_validated: "L'EXPERTISE N'EST PAS VALIDEE POUR REPARATION",
  deadline_passed: 'LE DELAI ETAIT DEJA DEPASSE',
};
const nlCause: Record<string, string> = {
  abandoned: 'DE OPDRACHT WAS EERDER STOPGEZET',
  cancelled: 'DE OPDRACHT IS GEANNULEERD DOOR DE MAATSCHAPPIJ',
  quote_closed: 'ER WAS EERDER EEN BESTEK AFGESLOTEN',
  validated: 'DE EXPERT HAD DE EXPERTISE EERDER GEVALIDEERD',
  not_validated: 'DE EXPERTISE IS NIET GEVALIDEERD VOOR HERSTELLING',
  deadline_passed: 'DE TERMIJN WAS AL VERSTREKEN',
};
const enCause: Record<string, string> = {
  abandoned: 'THE MISSION HAD BEEN ABANDONED BEFORE',
  cancelled: 'THE MISSION WAS CANCELLED BY THE INSURER',
  quote_closed: 'A QUOTE HAD BEEN CLOSED BEFORE',
  validated: 'THE EXPERT HAD VALIDATED THE EXPERTISE BEFORE',
  not_validated: 'THE EXPERTISE IS NOT VALIDATED FOR REPAIRS',
  deadline_passed: 'THE DEADLINE HAD ALREADY PASSED',
};
const causeIn = (table: Record<string, string>, cause: string): string => table[cause] ?? cause.toUpperCase();

const catalogue: Record<Language, Record<TrackingCode, Render>> = {
  fr: {
    // seed
    'mission.received': (p) =>
      `SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE ${p.deadline}`,
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
    'review.total_loss_confirmed': () =>
      `SMART EXPERTISE : PERTE TOTALE CONFIRMEE PAR L'EXPERT, AUCUNE REPARATION NE SERA PRISE EN CHARGE`,
    'mission.expired': (p) =>
      `SMART EXPERTISE : DELAI DEPASSE LE ${p.deadline}, LA MISSION DEVIENT UNE EXPERTISE CLASSIQUE`,
    'mission.abandoned': (p) => `SMART EXPERTISE : MISSION ABANDONNEE (${p.reason})`,
    'mission.cancelled': (p) => `SMART EXPERTISE : MISSION ANNULEE PAR LA COMPAGNIE (${p.reason})`,
    'deadline.approaching': (p) =>
      `SMART EXPERTISE : RAPPEL, VEUILLEZ CLOTURER VOTRE DEVIS AU PLUS TARD LE ${p.deadline}`,
    'payment.requested': (p) =>
      `SMART EXPERTISE : DEMANDE DE PAIEMENT DIRECT TRANSMISE (FACTURE ${p.invoiceNumber})`,
    'quote.voided': (p) => `SMART EXPERTISE : LE DEVIS CLOTURE LE ${p.at} EST ANNULE, ${causeIn(frCause, p.cause)}`,
    'abandon.voided': (p) => `SMART EXPERTISE : L'ABANDON EST SANS EFFET, UN DEVIS AVAIT ETE CLOTURE LE ${p.at}`,
    'cancel.voided': (p) =>
      `SMART EXPERTISE : L'ANNULATION PAR LA COMPAGNIE LE ${p.at} EST SANS EFFET, ${causeIn(frCause, p.cause)}`,
    'expiry.voided': (p) =>
      `SMART EXPERTISE : LE DEVIS AVAIT ETE CLOTURE DANS LE DELAI (LE ${p.at}), LA MISSION RESTE UNE SMART EXPERTISE`,
    'review.voided': (p) => `SMART EXPERTISE : LA DECISION DE L'EXPERT DU ${p.at} EST SANS EFFET, ${causeIn(frCause, p.cause)}`,
    'payment.voided': (p) =>
      `SMART EXPERTISE : LA DEMANDE DE PAIEMENT DIRECT (FACTURE ${p.invoiceNumber}) EST SANS EFFET, ${causeIn(frCause, p.cause)}`,
    'review.information_requested': (p) =>
      `SMART EXPERTISE : L'EXPERT DEMANDE DES INFORMATIONS COMPLEMENTAIRES (${p.note}), VEUILLEZ COMPLETER ET CLOTURER A NOUVEAU VOTRE DEVIS AU PLUS TARD LE ${p.deadline} ${expert(p)}`,
    'quote.retransmitted': () =>
      `SUIVI SMART EXPERTISE : VOTRE DEVIS COMPLETE EST EN COURS D'ANALYSE, VEUILLEZ ATTENDRE LA CONFIRMATION`,
    'deadline.extended': (p) =>
      `SMART EXPERTISE : LA COMPAGNIE A PROLONGE LE DELAI, VEUILLEZ CLOTURER VOTRE DEVIS AU PLUS TARD LE ${p.deadline}`,
    'extension.voided': (p) => `SMART EXPERTISE : LA PROLONGATION DU DELAI DU ${p.at} EST SANS EFFET, ${causeIn(frCause, p.cause)}`,
    'supplement.submitted': (p) =>
      `SMART EXPERTISE : SUPPLEMENT N° ${p.supplementNumber} (${p.amount} TVAC) TRANSMIS A L'EXPERT, VEUILLEZ ATTENDRE SA DECISION`,
    'supplement.approved': (p) =>
      `SMART EXPERTISE : SUPPLEMENT N° ${p.supplementNumber} (${p.amount} TVAC) APPROUVE PAR L'EXPERT, MONTANT APPROUVE ${p.approvedTotal} TVAC`,
    'supplement.rejected': (p) => `SMART EXPERTISE : SUPPLEMENT N° ${p.supplementNumber} REFUSE PAR L'EXPERT (${p.note})`,
  },
  nl: {
    'mission.received': (p) =>
      `SMART EXPERTISE: GELIEVE UW BESTEK OP TE STELLEN EN AF TE SLUITEN UITERLIJK OP ${p.deadline}`,
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
    'review.total_loss_confirmed': () =>
      `SMART EXPERTISE: TOTAAL VERLIES BEVESTIGD DOOR DE EXPERT, ER WORDT GEEN HERSTELLING TEN LASTE GENOMEN`,
    'mission.expired': (p) =>
      `SMART EXPERTISE: TERMIJN VERSTREKEN OP ${p.deadline}, DE OPDRACHT WORDT EEN KLASSIEKE EXPERTISE`,
    'mission.abandoned': (p) => `SMART EXPERTISE: OPDRACHT STOPGEZET (${p.reason})`,
    'mission.cancelled': (p) => `SMART EXPERTISE: OPDRACHT GEANNULEERD DOOR DE MAATSCHAPPIJ (${p.reason})`,
    'deadline.approaching': (p) =>
      `SMART EXPERTISE: HERINNERING, GELIEVE UW BESTEK AF TE SLUITEN UITERLIJK OP ${p.deadline}`,
    'payment.requested': (p) =>
      `SMART EXPERTISE: AANVRAAG RECHTSTREEKSE BETALING VERZONDEN (FACTUUR ${p.invoiceNumber})`,
    'quote.voided': (p) => `SMART EXPERTISE: HET BESTEK AFGESLOTEN OP ${p.at} IS GEANNULEERD, ${causeIn(nlCause, p.cause)}`,
    'abandon.voided': (p) => `SMART EXPERTISE: DE STOPZETTING HEEFT GEEN GEVOLG, ER WAS EEN BESTEK AFGESLOTEN OP ${p.at}`,
    'cancel.voided': (p) =>
      `SMART EXPERTISE: DE ANNULERING DOOR DE MAATSCHAPPIJ OP ${p.at} HEEFT GEEN GEVOLG, ${causeIn(nlCause, p.cause)}`,
    'expiry.voided': (p) =>
      `SMART EXPERTISE: HET BESTEK WAS BINNEN DE TERMIJN AFGESLOTEN (OP ${p.at}), DE OPDRACHT BLIJFT EEN SMART EXPERTISE`,
    'review.voided': (p) => `SMART EXPERTISE: DE BESLISSING VAN DE EXPERT VAN ${p.at} HEEFT GEEN GEVOLG, ${causeIn(nlCause, p.cause)}`,
    'payment.voided': (p) =>
      `SMART EXPERTISE: DE AANVRAAG RECHTSTREEKSE BETALING (FACTUUR ${p.invoiceNumber}) HEEFT GEEN GEVOLG, ${causeIn(nlCause, p.cause)}`,
    'review.information_requested': (p) =>
      `SMART EXPERTISE: DE EXPERT VRAAGT BIJKOMENDE INFORMATIE (${p.note}), GELIEVE UW BESTEK AAN TE VULLEN EN OPNIEUW AF TE SLUITEN UITERLIJK OP ${p.deadline} ${expert(p)}`,
    'quote.retransmitted': () =>
      `OPVOLGING SMART EXPERTISE: UW AANGEVULDE BESTEK WORDT GEANALYSEERD, GELIEVE DE BEVESTIGING AF TE WACHTEN`,
    'deadline.extended': (p) =>
      `SMART EXPERTISE: DE MAATSCHAPPIJ HEEFT DE TERMIJN VERLENGD, GELIEVE UW BESTEK AF TE SLUITEN UITERLIJK OP ${p.deadline}`,
    'extension.voided': (p) => `SMART EXPERTISE: DE TERMIJNVERLENGING VAN ${p.at} HEEFT GEEN GEVOLG, ${causeIn(nlCause, p.cause)}`,
    'supplement.submitted': (p) =>
      `SMART EXPERTISE: SUPPLEMENT NR. ${p.supplementNumber} (${p.amount} INCL. BTW) AAN DE EXPERT BEZORGD, GELIEVE ZIJN BESLISSING AF TE WACHTEN`,
    'supplement.approved': (p) =>
      `SMART EXPERTISE: SUPPLEMENT NR. ${p.supplementNumber} (${p.amount} INCL. BTW) GOEDGEKEURD DOOR DE EXPERT, GOEDGEKEURD BEDRAG ${p.approvedTotal} INCL. BTW`,
    'supplement.rejected': (p) => `SMART EXPERTISE: SUPPLEMENT NR. ${p.supplementNumber} GEWEIGERD DOOR DE EXPERT (${p.note})`,
  },
  en: {
    'mission.received': (p) =>
      `SMART EXPERTISE: PLEASE PREPARE AND CLOSE YOUR QUOTE BY ${p.deadline} AT THE LATEST`,
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
    'review.total_loss_confirmed': () =>
      `SMART EXPERTISE: TOTAL LOSS CONFIRMED BY THE EXPERT, NO REPAIR WILL BE COVERED`,
    'mission.expired': (p) =>
      `SMART EXPERTISE: DEADLINE OF ${p.deadline} PASSED, THE MISSION BECOMES A CLASSIC EXPERTISE`,
    'mission.abandoned': (p) => `SMART EXPERTISE: MISSION ABANDONED (${p.reason})`,
    'mission.cancelled': (p) => `SMART EXPERTISE: MISSION CANCELLED BY THE INSURER (${p.reason})`,
    'deadline.approaching': (p) =>
      `SMART EXPERTISE: REMINDER, PLEASE CLOSE YOUR QUOTE BY ${p.deadline} AT THE LATEST`,
    'payment.requested': (p) =>
      `SMART EXPERTISE: DIRECT PAYMENT REQUEST SENT (INVOICE ${p.invoiceNumber})`,
    'quote.voided': (p) => `SMART EXPERTISE: THE QUOTE CLOSED ON ${p.at} IS VOID, ${causeIn(enCause, p.cause)}`,
    'abandon.voided': (p) => `SMART EXPERTISE: THE ABANDON HAS NO EFFECT, A QUOTE HAD BEEN CLOSED ON ${p.at}`,
    'cancel.voided': (p) =>
      `SMART EXPERTISE: THE INSURER'S CANCELLATION OF ${p.at} HAS NO EFFECT, ${causeIn(enCause, p.cause)}`,
    'expiry.voided': (p) =>
      `SMART EXPERTISE: THE QUOTE HAD BEEN CLOSED IN TIME (ON ${p.at}), THE MISSION REMAINS A SMART EXPERTISE`,
    'review.voided': (p) => `SMART EXPERTISE: THE EXPERT'S DECISION OF ${p.at} HAS NO EFFECT, ${causeIn(enCause, p.cause)}`,
    'payment.voided': (p) =>
      `SMART EXPERTISE: THE DIRECT PAYMENT REQUEST (INVOICE ${p.invoiceNumber}) HAS NO EFFECT, ${causeIn(enCause, p.cause)}`,
    'review.information_requested': (p) =>
      `SMART EXPERTISE: THE EXPERT ASKS FOR MORE INFORMATION (${p.note}), PLEASE COMPLETE AND CLOSE YOUR QUOTE AGAIN BY ${p.deadline} AT THE LATEST ${expert(p)}`,
    'quote.retransmitted': () =>
      `SMART EXPERTISE TRACKING: YOUR COMPLETED QUOTE IS UNDER ANALYSIS, PLEASE WAIT FOR CONFIRMATION`,
    'deadline.extended': (p) =>
      `SMART EXPERTISE: THE INSURER EXTENDED THE DEADLINE, PLEASE CLOSE YOUR QUOTE BY ${p.deadline} AT THE LATEST`,
    'extension.voided': (p) => `SMART EXPERTISE: THE DEADLINE EXTENSION OF ${p.at} HAS NO EFFECT, ${causeIn(enCause, p.cause)}`,
    'supplement.submitted': (p) =>
      `SMART EXPERTISE: SUPPLEMENT NO. ${p.supplementNumber} (${p.amount} INCL. VAT) SENT TO THE EXPERT, PLEASE WAIT FOR THE DECISION`,
    'supplement.approved': (p) =>
      `SMART EXPERTISE: SUPPLEMENT NO. ${p.supplementNumber} (${p.amount} INCL. VAT) APPROVED BY THE EXPERT, APPROVED TOTAL ${p.approvedTotal} INCL. VAT`,
    'supplement.rejected': (p) => `SMART EXPERTISE: SUPPLEMENT NO. ${p.supplementNumber} REJECTED BY THE EXPERT (${p.note})`,
  },
};

const brusselsParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Brussels',
  day: '2-digit',
  month: '2-digit',
  year: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hourCycle: 'h23',
});

interface BrusselsInstant {
  /** dd/mm/yy */
  readonly date: string;
  /** HH:MM */
  readonly time: string;
  /** The last millisecond of a Brussels day: what a deadline given as a date means. */
  readonly endOfDay: boolean;
}

const maxRemembered = 100_000;
/** Printed instants by epoch millisecond: deadlines fall on few distinct instants, and `Intl` is slow. */
const printed = new Map<number, BrusselsInstant>();

/** An instant as Brussels prints it, for the tracking texts. */
export function inBrussels(instant: Date): BrusselsInstant {
  const ms = instant.getTime();
  const known = printed.get(ms);
  if (known !== undefined) return known;
  const part: Record<string, string> = {};
  for (const { type, value } of brusselsParts.formatToParts(instant)) part[type] = value;
  const result: BrusselsInstant = {
    date: `${part.day}/${part.month}/${part.year}`,
    time: `${part.hour}:${part.minute}`,
    endOfDay: part.hour === '23' && part.minute === '59' && part.second === '59' && part.fractionalSecond === '999',
  };
  if (printed.size >= maxRemembered) printed.clear();
  printed.set(ms, result);
  return result;
}

const atWord: Record<Language, string> = { fr: 'A', nl: 'OM', en: 'AT' };

/** `dd/mm/yy` for a deadline that is the end of a day (the seed's form), `dd/mm/yy A HH:MM` for a date-time. */
function printDeadline(params: TrackingParams, lang: Language): string {
  if (params.deadline === undefined) return params.deadlineDate ?? '';
  const when = inBrussels(new Date(params.deadline));
  return when.endOfDay ? when.date : `${when.date} ${atWord[lang]} ${when.time}`;
}

function printInstant(iso: string | undefined, lang: Language): string {
  if (iso === undefined) return '';
  const when = inBrussels(new Date(iso));
  return `${when.date} ${atWord[lang]} ${when.time}`;
}

const euroFormat: Record<Language, Intl.NumberFormat> = {
  fr: new Intl.NumberFormat('fr-BE', { style: 'currency', currency: 'EUR' }),
  nl: new Intl.NumberFormat('nl-BE', { style: 'currency', currency: 'EUR' }),
  en: new Intl.NumberFormat('en-BE', { style: 'currency', currency: 'EUR' }),
};

/** Cents as the language prints euros; the no-break spaces `Intl` uses become plain spaces. */
function printEuros(cents: string | undefined, lang: Language): string {
  if (cents === undefined) return '';
  return euroFormat[lang].format(Number(cents) / 100).replace(/[\u00a0\u202f]/g, ' ');
}

/**
 * Renders one tracking message in the given language.
 * Throws when a param the message needs is missing: the caller built a bad tracking entry.
 */
export function trackingMessage(code: TrackingCode, params: TrackingParams, lang: Language): string {
  const missing = requiredParams[code].filter((name) => params[name] === undefined);
  if (needsDeadline.has(code) && params.deadline === undefined && params.deadlineDate === undefined) missing.push('deadline');
  if (missing.length > 0) {
    throw new Error(`tracking message ${code} needs ${missing.join(', ')}`);
  }
  return catalogue[lang][code]({
    deadline: printDeadline(params, lang),
    expertName: params.expertName ?? '',
    expertPhone: params.expertPhone ?? '',
    reason: params.reason ?? '',
    invoiceNumber: params.invoiceNumber ?? '',
    at: printInstant(params.at, lang),
    cause: params.cause ?? '',
    note: params.note ?? '',
    supplementNumber: params.supplementNumber ?? '',
    amount: printEuros(params.amountCents, lang),
    approvedTotal: printEuros(params.approvedTotalCents, lang),
  });
}
