/**
 * What a review case keeps from the quote it is opened for. quote.submitted carries the case's
 * whole file (`reviewFile`: the mission without the owner's contact, its deadline, the insurer's
 * policy), so expert-review reads no other event to open a case. Pure: the caller brings the event.
 *
 * Privacy (issue 17): the expert office never receives the owner's phone or e-mail. The contract
 * already leaves them out of `reviewFile`, but its schema does not forbid extra fields, and old
 * events carry `administrative` (the full mission, owner's contact included): so the case keeps an
 * explicit list of fields, never the event as it came.
 */
import type { MissionPolicyFacts, QuoteSubmitted } from './assessment.ts';

export type { QuoteSubmitted };
export type ReviewFile = NonNullable<QuoteSubmitted['reviewFile']>;
type ExpertMission = ReviewFile['mission'];

/** The mission's administrative data as the expert reads it on the case. */
export interface CaseMission {
  readonly insurerId: string;
  readonly insurerMissionRef: string;
  readonly garageId: string;
  readonly expertOfficeId: string;
  readonly claim: ExpertMission['claim'];
  readonly vehicle: ExpertMission['vehicle'];
  /** Only the owner's name: the expert needs to know whose car it is, not how to reach them. */
  readonly ownerName: string;
  readonly directPayment: ExpertMission['directPayment'];
}

/** The submitted quote as the case stores it: the quote itself, without the mission copies. */
export type CaseQuote = Pick<
  QuoteSubmitted,
  'quoteId' | 'garageId' | 'expertOfficeId' | 'procedure' | 'closedAt' | 'calculation' | 'smartFrame' | 'vehicleStatus' | 'vehicleStatusNote' | 'photos'
>;

export function caseMissionOf(file: ReviewFile): CaseMission {
  const m = file.mission;
  return {
    insurerId: m.insurerId,
    insurerMissionRef: m.insurerMissionRef,
    garageId: m.garageId,
    expertOfficeId: m.expertOfficeId,
    claim: {
      claimNumber: m.claim.claimNumber,
      policyNumber: m.claim.policyNumber,
      lossDate: m.claim.lossDate,
      circumstances: m.claim.circumstances,
    },
    vehicle: {
      vin: m.vehicle.vin,
      plate: m.vehicle.plate,
      make: m.vehicle.make,
      model: m.vehicle.model,
      firstRegistrationDate: m.vehicle.firstRegistrationDate,
      ...(m.vehicle.valueCents === undefined ? {} : { valueCents: m.vehicle.valueCents }),
    },
    ownerName: m.owner.name,
    directPayment:
      m.directPayment === null
        ? null
        : { planned: m.directPayment.planned, ceilingCents: m.directPayment.ceilingCents, deductibleCents: m.directPayment.deductibleCents },
  };
}

/** What the pre-checks need from the file: the insurer's thresholds in force and the vehicle value. */
export function policyFactsOf(file: ReviewFile): MissionPolicyFacts {
  return {
    vehicleValueCents: file.mission.vehicle.valueCents,
    minPhotos: file.policy.minPhotos,
    reviewThresholds: file.policy.reviewThresholds,
  };
}

export function caseQuoteOf(q: QuoteSubmitted): CaseQuote {
  return {
    quoteId: q.quoteId,
    garageId: q.garageId,
    expertOfficeId: q.expertOfficeId,
    procedure: q.procedure,
    closedAt: q.closedAt,
    calculation: q.calculation,
    smartFrame: q.smartFrame,
    vehicleStatus: q.vehicleStatus,
    vehicleStatusNote: q.vehicleStatusNote,
    photos: q.photos,
  };
}
