/**
 * When a quote may be closed (seed §3 and §5).
 *
 * Two kinds of refusal, because the garage can do something about only one of them:
 * - conflicts (HTTP 409): the state of the world forbids closing (deadline passed, mission gone
 *   or already past the quote stage, quote already closed); no edit to the quote will help;
 * - unmet conditions (HTTP 422): the quote is incomplete; every one is listed at once so the
 *   garage fixes them in one pass rather than discovering them one by one.
 * Time comes in as `now`: this module never reads a clock.
 */
import { checkClientTotals, computeTotals } from './calculation.ts';
import type { Calculation } from './calculation.ts';

export const SMART_FRAME_QUESTIONS = [
  'probableTotalLoss',
  'multipleDamageZones',
  'expertAdviceNeeded',
  'technicalInspectionNeeded',
  'onSiteExpertNeeded',
] as const;
export type SmartFrameQuestion = (typeof SMART_FRAME_QUESTIONS)[number];
export type SmartFrame = Record<SmartFrameQuestion, boolean>;

export const VEHICLE_STATUSES = ['drivable', 'not_drivable', 'wreck'] as const;
export type VehicleStatus = (typeof VEHICLE_STATUSES)[number];

export type Procedure = 'standard' | 'total_loss';
export type QuoteStatus = 'draft' | 'closed';

/** What the closing rules need to know of a quote; the store may hold more. */
export interface QuoteDraft {
  procedure: Procedure;
  status: QuoteStatus;
  calculation?: Calculation | null;
  photoIds: readonly string[];
  /** Answers given so far; a question not yet answered is absent (or null). */
  smartFrame?: Partial<Record<SmartFrameQuestion, boolean | null>> | null;
  vehicleStatus?: VehicleStatus | null;
}

/**
 * The mission's lifecycle as the quote service learns it from events. Only `received` still
 * awaits a quote; every later state means a quote was closed, the expert is on it, or the mission
 * left the Smart procedure.
 */
export type MissionStatus =
  | 'received'
  | 'under_analysis'
  | 'pending_validation'
  | 'remote_intervention'
  | 'on_site_intervention'
  | 'validated'
  | 'expired'
  | 'abandoned';

export interface DirectPaymentTerms {
  planned: boolean;
  ceilingCents: number;
  deductibleCents: number;
}

/** The quote service's copy of a mission, built from `mission.*` events. */
export interface MissionView {
  status: MissionStatus;
  /** The instant the deadline falls; closing at exactly this instant is still in time. */
  deadline: Date;
  policy: { minPhotos: number };
  directPayment: DirectPaymentTerms | null;
}

export type ConflictCode =
  | 'deadline_passed'
  | 'mission_abandoned'
  | 'mission_expired'
  | 'mission_not_awaiting_quote'
  | 'quote_already_closed';

export type UnmetCode =
  | 'calculation_missing'
  | 'calculation_invalid'
  | 'calculation_totals_mismatch'
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

export interface ClosingConditions {
  conflicts: Condition<ConflictCode>[];
  unmet: Condition<UnmetCode>[];
}

/** The quote may be closed exactly when both lists are empty; conflicts take precedence (409 over 422). */
export function closingConditions(quote: QuoteDraft, mission: MissionView, now: Date): ClosingConditions {
  return {
    conflicts: conflictsOf(quote, mission, now),
    unmet: quote.procedure === 'total_loss' ? unmetForTotalLoss(quote) : unmetForStandard(quote, mission),
  };
}

function conflictsOf(quote: QuoteDraft, mission: MissionView, now: Date): Condition<ConflictCode>[] {
  const conflicts: Condition<ConflictCode>[] = [];
  if (quote.status === 'closed') {
    // Seed §3: once closed, the quote is immutable; a second close would transmit it twice.
    conflicts.push({ code: 'quote_already_closed', message: 'the quote is already closed' });
  }
  conflicts.push(...missionConflicts(mission, now));
  return conflicts;
}

/**
 * Why the mission no longer accepts work on a quote (creating, editing or closing one): it left
 * the Smart procedure, is already past the quote stage, or its deadline has passed.
 */
export function missionConflicts(mission: MissionView, now: Date): Condition<ConflictCode>[] {
  const conflicts: Condition<ConflictCode>[] = [];
  switch (mission.status) {
    case 'received':
      break;
    case 'abandoned':
      conflicts.push({ code: 'mission_abandoned', message: 'the mission was abandoned' });
      break;
    case 'expired':
      // Seed §5: an expired Smart Expertise has become a classic expertise.
      conflicts.push({ code: 'mission_expired', message: 'the mission expired and is now a classic expertise' });
      break;
    case 'under_analysis':
    case 'pending_validation':
    case 'remote_intervention':
    case 'on_site_intervention':
    case 'validated':
      conflicts.push({ code: 'mission_not_awaiting_quote', message: `the mission is no longer awaiting a quote (${mission.status})` });
      break;
    default: {
      const unknown: never = mission.status;
      conflicts.push({ code: 'mission_not_awaiting_quote', message: `unknown mission status ${String(unknown)}` });
    }
  }
  if (now.getTime() > mission.deadline.getTime()) {
    conflicts.push({ code: 'deadline_passed', message: `the deadline ${mission.deadline.toISOString()} has passed` });
  }
  return conflicts;
}

function unmetForStandard(quote: QuoteDraft, mission: MissionView): Condition<UnmetCode>[] {
  const unmet: Condition<UnmetCode>[] = [];

  if (!quote.calculation) {
    unmet.push({ code: 'calculation_missing', message: 'the Audatex calculation is required', field: 'calculation' });
  } else {
    const result = computeTotals(quote.calculation);
    if (!result.ok) {
      for (const error of result.errors) {
        unmet.push({ code: 'calculation_invalid', message: `${error.path} ${error.message}`, field: `calculation.${error.path}` });
      }
    } else {
      for (const mismatch of checkClientTotals(result.totals, quote.calculation.totals)) {
        unmet.push({
          code: 'calculation_totals_mismatch',
          message: `the totals do not equal the sum of the lines: ${mismatch.message}`,
          field: `calculation.totals.${mismatch.field}`,
        });
      }
    }
  }

  const minPhotos = mission.policy.minPhotos;
  if (quote.photoIds.length < minPhotos) {
    unmet.push({
      code: 'photos_missing',
      message: `at least ${minPhotos} photo${minPhotos === 1 ? '' : 's'} required, ${quote.photoIds.length} attached`,
      field: 'photos',
    });
  }

  // Seed §2: all five questions must be answered; an unanswered one blocks closing. Each is named.
  for (const question of SMART_FRAME_QUESTIONS) {
    if (typeof quote.smartFrame?.[question] !== 'boolean') {
      unmet.push({
        code: 'smart_frame_incomplete',
        message: `the Smart frame question ${question} is not answered`,
        field: `smartFrame.${question}`,
      });
    }
  }

  return unmet;
}

function unmetForTotalLoss(quote: QuoteDraft): Condition<UnmetCode>[] {
  const unmet: Condition<UnmetCode>[] = [];
  const status = quote.vehicleStatus;
  if (!status || !VEHICLE_STATUSES.includes(status)) {
    unmet.push({
      code: 'vehicle_status_missing',
      message: `the vehicle status is required (${VEHICLE_STATUSES.join(', ')})`,
      field: 'vehicleStatus',
    });
  }
  if (quote.photoIds.length < 1) {
    unmet.push({ code: 'photos_missing', message: 'at least 1 photo required, 0 attached', field: 'photos' });
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
