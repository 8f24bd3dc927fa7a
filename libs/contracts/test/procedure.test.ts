import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowsPayment,
  decideAbandon,
  decideCancel,
  isFinal,
  quoteStatusAfterVerdict,
  stateOf,
  type MissionFact,
} from '../src/procedure/index.ts';
import { MISSION_STATUSES, BOARD_SECTIONS, OUTCOMES } from '../src/common.ts';
import { trackingMessage } from '../src/tracking-messages.ts';
import { assertSameVerdictInAnyOrder, codes, deadline, received, t, verdict } from './facts.ts';

const close = (at: Date, quoteId = 'q1', procedure: 'standard' | 'total_loss' = 'standard'): MissionFact => ({
  type: 'quote_submitted',
  eventId: `e-close-${quoteId}`,
  at,
  procedure,
  quoteId,
});
const abandon = (at: Date): MissionFact => ({ type: 'abandoned', eventId: 'e-abandon', at, reason: 'owner went elsewhere', by: 'G1' });
const cancel = (at: Date): MissionFact => ({ type: 'cancelled', eventId: 'e-cancel', at, reason: 'claim settled', by: 'I1' });
const decided = (at: Date, sequence: number, decision: 'validate' | 'pending_validation' | 'remote_intervention', quoteId = 'q1'): MissionFact => ({
  type: 'review_decided',
  eventId: `e-decision-${sequence}`,
  at,
  sequence,
  decision,
  expertName: 'Jan Peeters',
  expertPhone: '+32 470 12 34 56',
  note: `note ${sequence}`,
  quoteId,
});
const expired = (at: Date): MissionFact => ({ type: 'expired', eventId: 'e-expired', at, deadline });
const payment = (at: Date): MissionFact => ({
  type: 'payment_requested',
  eventId: 'e-payment',
  at,
  invoiceNumber: 'F-1',
  insurerShareCents: 100_00,
  ownerShareCents: 20_00,
  flagged: false,
});

describe('the vocabulary is defined once', () => {
  it('lists every status, section and outcome of the contract', () => {
    expect(MISSION_STATUSES).toContain('cancelled');
    expect(BOARD_SECTIONS).toContain('closed.cancelled');
    expect(OUTCOMES).toEqual(['validated', 'total_loss', 'abandoned', 'cancelled']);
  });
});

describe('abandon racing a close: the earlier instant wins, the loser is voided and said so', () => {
  it('an abandon before the close voids the close', () => {
    const view = verdict(received, abandon(t(10)), close(t(11)));
    expect(view.status).toBe('abandoned');
    expect(view.quote).toBeNull();
    expect(view.voidedQuoteIds).toEqual(['q1']);
    expect(codes(received, abandon(t(10)), close(t(11)))).toEqual(['mission.received', 'mission.abandoned', 'quote.voided']);
  });

  it('a close before the abandon voids the abandon', () => {
    const view = verdict(received, close(t(10)), abandon(t(11)));
    expect(view.status).toBe('under_analysis');
    expect(view.voided.map((v) => v.kind)).toEqual(['abandon']);
    expect(view.tracking.at(-1)?.code).toBe('abandon.voided');
  });

  it('at the same instant the close wins, as it already reached the expert', () => {
    expect(verdict(received, close(t(10)), abandon(t(10))).status).toBe('under_analysis');
  });

  it('an abandon that lost to the close takes no part in a later cancel: the cancel is judged against the close', () => {
    // mission-intake accepted the abandon before it heard of the close, then the insurer's cancel.
    const facts = [received, close(t(10)), abandon(t(11)), cancel(t(12))];
    const view = verdict(...facts);
    expect(view.status).toBe('cancelled');
    expect(view.voided.map((v) => v.kind)).toEqual(['abandon']);
    expect(codes(...facts)).toEqual(['mission.received', 'quote.under_analysis', 'abandon.voided', 'mission.cancelled']);
    assertSameVerdictInAnyOrder(fc.constant(facts), () => true);
  });

  it('a cancel at the instant of an abandon that lost to the close still counts, and the abandon stays voided in the tracking', () => {
    const sameInstant = { ...cancel(t(11)), eventId: 'a-cancel' }; // its id sorts before the abandon's
    const view = verdict(received, close(t(10)), abandon(t(11)), sameInstant);
    expect(view.status).toBe('cancelled');
    expect(view.tracking.map((entry) => entry.code)).toContain('abandon.voided');
  });

  it('decisions on a voided close are voided too, never applied', () => {
    const view = verdict(received, abandon(t(10)), close(t(11)), decided(t(20), 1, 'validate'));
    expect(view.status).toBe('abandoned');
    expect(view.lastDecision).toBeNull();
    expect(view.voided.map((v) => v.kind)).toEqual(['close', 'decision']);
  });
});

describe('insurer cancel', () => {
  it('cancels a new mission', () => {
    const view = verdict(received, cancel(t(5)));
    expect([view.status, view.section, view.outcome]).toEqual(['cancelled', 'closed.cancelled', 'cancelled']);
  });

  it('after the close, voids the quote and the decisions that came after it', () => {
    const view = verdict(received, close(t(10)), decided(t(20), 1, 'pending_validation'), cancel(t(30)), decided(t(40), 2, 'validate'));
    expect(view.status).toBe('cancelled');
    expect(view.voidedQuoteIds).toEqual(['q1']);
    expect(view.lastDecision?.decision).toBe('pending_validation');
    expect(view.voided.map((v) => v.kind)).toEqual(['decision']);
  });

  it('loses to a validation made before it, and is reported as voided', () => {
    const view = verdict(received, close(t(10)), decided(t(20), 1, 'validate'), cancel(t(30)));
    expect([view.status, view.outcome]).toEqual(['closed', 'validated']);
    expect(view.tracking.at(-1)?.code).toBe('cancel.voided');
  });

  it('before the close voids the close', () => {
    expect(verdict(received, cancel(t(5)), close(t(6))).voidedQuoteIds).toEqual(['q1']);
  });

  it('is refused once the mission is final, and after the deadline of a new mission', () => {
    const command = { eventId: 'c', reason: 'x', by: 'I1' };
    expect(decideCancel(stateOf([received, close(t(1)), decided(t(2), 1, 'validate')]), { ...command, at: t(3) })).toMatchObject({ ok: false, code: 'mission_final' });
    expect(decideCancel(stateOf([received]), { ...command, at: new Date(deadline.getTime() + 1) })).toMatchObject({ ok: false, code: 'deadline_passed' });
    expect(decideCancel(stateOf([received]), { ...command, reason: '  ', at: t(3) })).toMatchObject({ ok: false, code: 'reason_required' });
    expect(decideCancel(stateOf([received, close(t(1))]), { ...command, at: t(3) })).toMatchObject({ ok: true });
  });
});

describe('expiry', () => {
  it('a close at the deadline instant is on time and voids an expiry learned before it', () => {
    const view = verdict(received, expired(new Date(deadline.getTime() + 60_000)), close(deadline));
    expect(view.status).toBe('under_analysis');
    expect(view.tracking.map((e) => e.code)).toContain('expiry.voided');
  });

  it('expires a mission with no close', () => {
    expect(verdict(received, expired(new Date(deadline.getTime() + 1))).status).toBe('expired');
  });

  it('an abandon cannot be decided once the deadline has passed', () => {
    expect(decideAbandon(stateOf([received]), { eventId: 'a', reason: 'r', by: 'G1', at: new Date(deadline.getTime()) })).toMatchObject({ ok: false, code: 'deadline_passed' });
  });
});

describe('total loss is not a repair', () => {
  const facts = [received, close(t(10), 'q1', 'total_loss'), decided(t(20), 1, 'validate')];

  it('its validation says the total loss is confirmed, never "start the repairs"', () => {
    const view = verdict(...facts);
    expect(view.outcome).toBe('total_loss');
    expect(view.tracking.at(-1)?.code).toBe('review.total_loss_confirmed');
    expect(trackingMessage('review.total_loss_confirmed', {}, 'fr')).not.toMatch(/REPARATIONS$/);
    expect(allowsPayment(view.status, view.outcome)).toBe(false);
  });

  it('a payment request on it never counts and is reported as voided', () => {
    const view = verdict(...facts, payment(t(30)));
    expect(view.paymentRequested).toBe(false);
    expect(view.tracking.at(-1)?.code).toBe('payment.voided');
  });
});

describe('decisions as fields', () => {
  it('gives the expert, the last decision with its note, and the params of each entry', () => {
    const view = verdict(received, close(t(10)), decided(t(20), 1, 'remote_intervention'));
    expect(view.expert).toEqual({ name: 'Jan Peeters', phone: '+32 470 12 34 56' });
    expect(view.lastDecision).toEqual({ decision: 'remote_intervention', note: 'note 1', at: t(20) });
    expect(view.tracking.at(-1)?.params).toMatchObject({ expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56', note: 'note 1' });
  });

  it('prints a date-time deadline with its time, a date deadline as the seed does', () => {
    expect(trackingMessage('mission.received', { deadline: deadline.toISOString() }, 'fr')).toBe(
      'SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE 30/03/26',
    );
    expect(trackingMessage('mission.received', { deadline: '2026-03-30T12:30:00.000Z' }, 'fr')).toBe(
      'SMART EXPERTISE : VEUILLEZ ETABLIR ET CLOTURER VOTRE DEVIS AU PLUS TARD LE 30/03/26 A 14:30',
    );
  });
});

describe('quote status after the verdict', () => {
  it('voids the close named by the verdict and the drafts of a cancelled or abandoned mission', () => {
    expect(quoteStatusAfterVerdict({ id: 'q1', status: 'closed', closed: true }, { status: 'abandoned', voidedQuoteIds: ['q1'], quoteId: null })).toBe('voided');
    expect(quoteStatusAfterVerdict({ id: 'q2', status: 'draft', closed: false }, { status: 'cancelled', voidedQuoteIds: [], quoteId: null })).toBe('voided');
    expect(quoteStatusAfterVerdict({ id: 'q2', status: 'draft', closed: false }, { status: 'expired', voidedQuoteIds: [], quoteId: null })).toBe('draft');
    expect(quoteStatusAfterVerdict({ id: 'q1', status: 'closed', closed: true }, { status: 'under_analysis', voidedQuoteIds: [], quoteId: 'q1' })).toBe('closed');
  });

  it('closes again a voided close the verdict rests on again (a cancel that lost to an earlier validation)', () => {
    expect(quoteStatusAfterVerdict({ id: 'q1', status: 'voided', closed: true }, { status: 'closed', voidedQuoteIds: [], quoteId: 'q1' })).toBe('closed');
    expect(quoteStatusAfterVerdict({ id: 'q2', status: 'voided', closed: false }, { status: 'closed', voidedQuoteIds: [], quoteId: 'q1' })).toBe('voided');
  });
});

// ---- Properties: any order, any redelivery, one verdict; nothing accepted on a voided or final mission.

const minute = fc.integer({ min: 1, max: 60 * 24 * 12 });
const factsArbitrary = fc
  .record({
    closeAt: fc.option(minute, { nil: undefined }),
    procedure: fc.constantFrom('standard' as const, 'total_loss' as const),
    abandonAt: fc.option(minute, { nil: undefined }),
    cancelAt: fc.option(minute, { nil: undefined }),
    expiredAfter: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
    decisions: fc.array(fc.record({ at: minute, decision: fc.constantFrom('validate' as const, 'pending_validation' as const, 'remote_intervention' as const) }), { maxLength: 3 }),
    paymentAt: fc.option(minute, { nil: undefined }),
  })
  .map((plan) => {
    const facts: MissionFact[] = [received];
    if (plan.closeAt !== undefined) facts.push(close(t(plan.closeAt), 'q1', plan.procedure));
    if (plan.abandonAt !== undefined) facts.push(abandon(t(plan.abandonAt)));
    if (plan.cancelAt !== undefined) facts.push(cancel(t(plan.cancelAt)));
    if (plan.expiredAfter !== undefined) facts.push(expired(new Date(deadline.getTime() + plan.expiredAfter * 60_000)));
    [...plan.decisions].sort((a, b) => a.at - b.at).forEach((d, i) => facts.push(decided(t(d.at), i + 1, d.decision)));
    if (plan.paymentAt !== undefined) facts.push(payment(t(plan.paymentAt)));
    return facts;
  });

describe('the verdict as a property', () => {
  it('is the same for every delivery order and every redelivery', () => {
    assertSameVerdictInAnyOrder(factsArbitrary, (i) => i % 2 === 0);
  });

  it('never counts a decision or a payment on a voided close, and never pays a total loss or a cancelled mission', () => {
    fc.assert(
      fc.property(factsArbitrary, (facts) => {
        const view = verdict(...facts);
        if (view.voidedQuoteIds.includes('q1') && view.status !== 'cancelled') expect(view.lastDecision).toBeNull();
        if (view.paymentRequested) expect([view.status, view.outcome]).toEqual(['closed', 'validated']);
        if (view.status === 'cancelled' || view.status === 'abandoned') expect(view.quote).toBeNull();
        if (view.quote !== null) expect(view.voidedQuoteIds).not.toContain(view.quote.quoteId);
        expect(isFinal(view.status)).toBe(['closed', 'expired', 'abandoned', 'cancelled'].includes(view.status));
      }),
    );
  });

  it('reports every action that lost with a tracking entry', () => {
    fc.assert(
      fc.property(factsArbitrary, (facts) => {
        const view = verdict(...facts);
        const voidingEntries = view.tracking.filter((e) => e.code.endsWith('.voided'));
        expect(voidingEntries).toHaveLength(view.voided.length);
      }),
    );
  });
});
