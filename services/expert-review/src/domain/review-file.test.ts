import { describe, expect, it } from 'vitest';
import { assess } from './assessment.ts';
import { caseMissionOf, caseQuoteOf, policyFactsOf, type QuoteSubmitted, type ReviewFile } from './review-file.ts';

const file: ReviewFile = {
  mission: {
    id: 'm1',
    insurerId: 'INS1',
    insurerMissionRef: 'ref-1',
    garageId: 'G1',
    expertOfficeId: 'EXP1',
    claim: { claimNumber: 'CL-1', policyNumber: 'POL-1', lossDate: '2026-02-20', circumstances: 'Rear-ended' },
    vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-01', valueCents: 800_00 },
    owner: { name: 'Marie Dubois', vatRegime: 'none' },
    directPayment: { planned: true, ceilingCents: 5_000_00, deductibleCents: 250_00 },
  },
  deadline: '2026-03-30T21:59:59.999Z',
  policy: { workingDays: 5, minPhotos: 1, reviewThresholds: { agreedLabourRateCents: 55_00, smartCeilingCents: 3_000_00, totalLossRatioPercent: 75 } },
};

const quote: QuoteSubmitted = {
  quoteId: 'q1',
  garageId: 'G1',
  expertOfficeId: 'EXP1',
  procedure: 'standard',
  closedAt: '2026-03-01T10:00:00.000Z',
  calculation: {
    calculationNumber: 'AX-1',
    vatRate: 21,
    lines: [{ kind: 'labour', description: 'Bumper R&R', hours: 2, hourlyRateCents: 60_00, totalCents: 120_00 }],
    totalExclVatCents: 120_00,
    vatCents: 25_20,
    totalInclVatCents: 145_20,
  },
  smartFrame: { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false },
  vehicleStatus: null,
  vehicleStatusNote: null,
  photos: [{ id: 'p1', sha256: 'a'.repeat(64), contentType: 'image/jpeg', sizeBytes: 10, seenOnOtherMission: false }],
  reviewFile: file,
};

const ownerContact = { phone: '+32 470 00 00 00', email: 'marie@example.be' };

describe('the review file', () => {
  it('gives the case the mission as the expert reads it, the owner by name only', () => {
    expect(caseMissionOf(file)).toEqual({
      insurerId: 'INS1',
      insurerMissionRef: 'ref-1',
      garageId: 'G1',
      expertOfficeId: 'EXP1',
      claim: file.mission.claim,
      vehicle: file.mission.vehicle,
      ownerName: 'Marie Dubois',
      directPayment: file.mission.directPayment,
    });
  });

  it('never keeps the owner’s phone or e-mail, even when a producer slips them into the file', () => {
    const leaky = { ...file, mission: { ...file.mission, owner: { ...file.mission.owner, ...ownerContact } } } as ReviewFile;
    const kept = JSON.stringify(caseMissionOf(leaky));
    expect(kept).not.toContain(ownerContact.phone);
    expect(kept).not.toContain(ownerContact.email);
  });

  it('stores the quote without the mission copies an event carries (reviewFile, or administrative in old events)', () => {
    const old = { ...quote, administrative: { ...file.mission, owner: { ...file.mission.owner, ...ownerContact } } } as QuoteSubmitted;
    const kept = caseQuoteOf(old);
    expect(kept).not.toHaveProperty('administrative');
    expect(kept).not.toHaveProperty('reviewFile');
    expect(JSON.stringify(kept)).not.toContain(ownerContact.email);
    expect(kept).toMatchObject({ quoteId: 'q1', calculation: quote.calculation, photos: quote.photos });
  });

  it('assesses the quote with the insurer’s thresholds and the vehicle value it carries', () => {
    const result = assess(quote, policyFactsOf(file));
    expect(result.basis).toBe('insurer_policy');
    // €55.00/h agreed (the default is €65.00), one photo required (the default is four).
    expect(result.findings.map((f) => f.code)).toEqual(['labour.rate_above_agreed']);
  });

  it('takes the vehicle value from the file: a repair reaching 75 % of it suggests a total loss', () => {
    const cheapCar = { ...file, mission: { ...file.mission, vehicle: { ...file.mission.vehicle, valueCents: 150_00 } } };
    const result = assess(quote, policyFactsOf(cheapCar));
    expect(result.findings.map((f) => f.code)).toContain('repair.probable_total_loss');
    expect(result.suggestedDecision).toBe('total_loss_handling');
  });
});
