// The catalogue lives in libs/contracts; these tests sit here, where the tracking is rendered.
import { describe, expect, it } from 'vitest';
import {
  languages,
  trackingCodes,
  trackingMessage,
  type TrackingParams,
} from '@smart-expertise/contracts/tracking-messages';

const expert = { expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56' };

describe('the French seed texts are reproduced exactly', () => {
  it('tells the garage the deadline on reception', () => {
    expect(trackingMessage('mission.received', { deadlineDate: '30/03/16' }, 'fr')).toBe(
      'SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE 30/03/16',
    );
  });

  it('tells the garage its closed quote is under analysis', () => {
    expect(trackingMessage('quote.under_analysis', {}, 'fr')).toBe(
      "SUIVI SMART EXPERTISE : VOTRE DEVIS EST EN COURS D'ANALYSE, VEUILLEZ ATTENDRE LA CONFIRMATION",
    );
  });

  it('tells the garage the expert is validating', () => {
    expect(trackingMessage('review.pending_validation', {}, 'fr')).toBe(
      "SMART EXPERTISE : EN COURS DE VALIDATION PAR L'EXPERT",
    );
  });

  it('names the expert to call for a remote intervention', () => {
    expect(trackingMessage('review.remote_intervention', expert, 'fr')).toBe(
      "SMART EXPERTISE : DOIT ETRE TRAITEE A DISTANCE AVEC L'EXPERT (Jan Peeters - +32 470 12 34 56)",
    );
  });

  it('names the expert coming for an on-site intervention', () => {
    expect(trackingMessage('review.onsite_intervention', expert, 'fr')).toBe(
      "SMART EXPERTISE : DOIT ETRE TRAITEE SUR PLACE AVEC L'EXPERT (Jan Peeters - +32 470 12 34 56)",
    );
  });
});

describe('the deadline as the projection keeps it (an ISO instant)', () => {
  it('prints a deadline given as a date as that day, as the seed does', () => {
    expect(trackingMessage('mission.received', { deadline: '2016-03-30T21:59:59.999Z' }, 'fr')).toBe(
      'SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE 30/03/16',
    );
  });

  it('prints a deadline given as a date-time with its time in Brussels', () => {
    expect(trackingMessage('deadline.approaching', { deadline: '2026-04-20T10:00:00.000Z' }, 'en')).toBe(
      'SMART EXPERTISE: REMINDER, PLEASE CLOSE YOUR QUOTE BY 20/04/26 AT 12:00 AT THE LATEST',
    );
  });
});

describe('our own texts', () => {
  it('gives the Dutch reception text with the deadline', () => {
    expect(trackingMessage('mission.received', { deadlineDate: '30/03/16' }, 'nl')).toBe(
      'SMART EXPERTISE: GELIEVE UW BESTEK OP TE STELLEN EN AF TE SLUITEN UITERLIJK OP 30/03/16',
    );
  });

  it('shows the abandon reason as the garage typed it', () => {
    expect(trackingMessage('mission.abandoned', { reason: 'Véhicule déjà réparé' }, 'fr')).toBe(
      'SMART EXPERTISE : MISSION ABANDONNEE (Véhicule déjà réparé)',
    );
  });

  it('interpolates every param a message needs, in every language', () => {
    const params: TrackingParams = {
      deadlineDate: '30/03/16',
      ...expert,
      reason: 'R-REASON',
      invoiceNumber: 'INV-42',
      at: '2026-03-30T10:15:00.000Z',
      cause: 'quote_closed',
      note: 'N-NOTE',
      supplementNumber: '2',
      amountCents: '123456',
      approvedTotalCents: '250000',
    };
    const expectations: Partial<Record<(typeof trackingCodes)[number], string[]>> = {
      'mission.received': ['30/03/16'],
      'mission.expired': ['30/03/16'],
      'deadline.approaching': ['30/03/16'],
      'review.remote_intervention': ['(Jan Peeters - +32 470 12 34 56)'],
      'review.onsite_intervention': ['(Jan Peeters - +32 470 12 34 56)'],
      'mission.abandoned': ['(R-REASON)'],
      'payment.requested': ['INV-42'],
      'mission.cancelled': ['(R-REASON)'],
      'abandon.voided': ['30/03/26'],
      'expiry.voided': ['30/03/26'],
      'payment.voided': ['INV-42'],
      'review.information_requested': ['(N-NOTE)', '30/03/16', '(Jan Peeters - +32 470 12 34 56)'],
      'deadline.extended': ['30/03/16'],
      'extension.voided': ['30/03/26'],
      'supplement.submitted': ['2'],
      'supplement.approved': ['2', '1'],
      'supplement.rejected': ['(N-NOTE)'],
    };
    for (const lang of languages) {
      for (const code of trackingCodes) {
        const message = trackingMessage(code, params, lang);
        expect(message, `${lang} ${code}`).toMatch(/SMART EXPERTISE/);
        for (const fragment of expectations[code] ?? []) expect(message, `${lang} ${code}`).toContain(fragment);
      }
    }
  });

  it('gives each code a distinct text within a language', () => {
    for (const lang of languages) {
      const texts = trackingCodes.map((code) =>
        trackingMessage(
          code,
          { deadlineDate: '01/01/26', ...expert, reason: 'x', invoiceNumber: '1', at: '2026-01-01T10:00:00Z', cause: 'cancelled', note: 'n', supplementNumber: '1', amountCents: '100', approvedTotalCents: '200' },
          lang,
        ),
      );
      expect(new Set(texts).size, lang).toBe(trackingCodes.length);
    }
  });

  it('prints supplement amounts in euros, the language\'s way', () => {
    const params = { supplementNumber: '1', amountCents: '123456', approvedTotalCents: '1000050' };
    expect(trackingMessage('supplement.approved', params, 'fr')).toBe(
      "SMART EXPERTISE : SUPPLEMENT N° 1 (1 234,56 € TVAC) APPROUVE PAR L'EXPERT, MONTANT APPROUVE 10 000,50 € TVAC",
    );
    expect(trackingMessage('supplement.approved', params, 'en')).toContain('(€1,234.56 INCL. VAT)');
  });

  it('refuses to render a message whose param is missing', () => {
    expect(() => trackingMessage('review.remote_intervention', { expertName: 'Jan Peeters' }, 'en')).toThrow(
      /expertPhone/,
    );
  });
});
