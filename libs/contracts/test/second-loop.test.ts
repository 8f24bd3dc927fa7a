import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowsSupplement,
  approvedTotal,
  decideAbandon,
  decideCancel,
  decideExtension,
  defaultRespondBy,
  evolve,
  project,
  quoteStatusAfterVerdict,
  stateOf,
  verdictChanged,
  type MissionFact,
} from '../src/procedure/index.ts';
import { trackingMessage } from '../src/tracking-messages.ts';
import { assertSameVerdictInAnyOrder, codes, deadline, received, t, verdict } from './facts.ts';

// Friday 20 March 2026, 09:00 in Brussels (t(0)); the quote deadline is the end of Monday 30 March.
const day = 24 * 60;

const close = (at: Date, transmission = 1, totalInclVatCents = 1_210_00): MissionFact => ({
  type: 'quote_submitted',
  eventId: `e-close-${transmission}`,
  at,
  procedure: 'standard',
  quoteId: 'q1',
  transmission,
  totalInclVatCents,
});
type Decision = 'validate' | 'pending_validation' | 'remote_intervention' | 'onsite_intervention' | 'request_information';
const decided = (at: Date, sequence: number, decision: Decision, transmission = 1, respondBy?: Date): MissionFact => ({
  type: 'review_decided',
  eventId: `e-decision-${sequence}`,
  at,
  sequence,
  decision,
  expertName: 'Jan Peeters',
  expertPhone: '+32 470 12 34 56',
  note: decision === 'request_information' ? 'photo of the rear bumper' : `note ${sequence}`,
  quoteId: 'q1',
  transmission,
  ...(respondBy ? { respondBy } : {}),
});
const expired = (at: Date, on: Date, id = 'e-expired'): MissionFact => ({ type: 'expired', eventId: id, at, deadline: on });
const extended = (at: Date, to: Date, id = 'e-extended'): MissionFact => ({ type: 'deadline_extended', eventId: id, at, deadline: to, by: 'I1' });
const supplementSubmitted = (at: Date, number: number, total: number): MissionFact => ({
  type: 'supplement_submitted',
  eventId: `e-sup-${number}`,
  at,
  quoteId: 'q1',
  supplementId: `s${number}`,
  number,
  totalInclVatCents: total,
});
const supplementDecided = (at: Date, number: number, decision: 'approve' | 'reject', total: number): MissionFact => ({
  type: 'supplement_decided',
  eventId: `e-sup-decided-${number}`,
  at,
  quoteId: 'q1',
  supplementId: `s${number}`,
  number,
  decision,
  ...(decision === 'reject' ? { note: 'not hidden damage' } : {}),
  expertName: 'Jan Peeters',
  expertPhone: '+32 470 12 34 56',
  totalInclVatCents: total,
});

const respondBy = new Date('2026-04-02T21:59:59.999Z');
const asked = decided(t(2 * day), 1, 'request_information', 1, respondBy);

describe('information requested', () => {
  it('returns the quote: the mission waits for the garage by the answer due date, in its own section', () => {
    const view = verdict(received, close(t(60)), asked);
    expect(view.status).toBe('information_requested');
    expect(view.section).toBe('smart.information_requested');
    expect(view.deadline).toEqual(respondBy);
    expect(view.transmission).toBe(1);
    expect(view.lastDecision).toMatchObject({ decision: 'request_information', note: 'photo of the rear bumper' });
    const entry = view.tracking.at(-1)!;
    expect(entry.code).toBe('review.information_requested');
    expect(entry.params).toMatchObject({ note: 'photo of the rear bumper', deadline: respondBy.toISOString(), expertName: 'Jan Peeters' });
    expect(trackingMessage(entry.code, entry.params, 'fr')).toBe(
      "SMART EXPERTISE : L'EXPERT DEMANDE DES INFORMATIONS COMPLEMENTAIRES (photo of the rear bumper), VEUILLEZ COMPLETER ET CLOTURER A NOUVEAU VOTRE DEVIS AU PLUS TARD LE 02/04/26 (Jan Peeters - +32 470 12 34 56)",
    );
  });

  it('goes back under analysis when the garage transmits the quote again on time, then the expert decides on it', () => {
    const answered = close(t(3 * day), 2);
    expect(verdict(received, close(t(60)), asked, answered)).toMatchObject({ status: 'under_analysis', transmission: 2, deadline });
    expect(codes(received, close(t(60)), asked, answered).slice(-2)).toEqual(['review.information_requested', 'quote.retransmitted']);
    const view = verdict(received, close(t(60)), asked, answered, decided(t(4 * day), 2, 'validate', 2));
    expect(view).toMatchObject({ status: 'closed', outcome: 'validated', approvedTotalCents: 1_210_00 });
  });

  it('does not judge a decision on the next transmission before that transmission is known', () => {
    const view = verdict(received, close(t(60)), asked, decided(t(4 * day), 2, 'validate', 2));
    expect(view.status).toBe('information_requested');
    expect(view.lastDecision?.decision).toBe('request_information');
  });

  it('expires to a classic expertise when nobody answered by the due date, its quote voided', () => {
    const view = verdict(received, close(t(60)), asked, expired(new Date(respondBy.getTime() + 60_000), respondBy));
    expect(view).toMatchObject({ status: 'expired', section: 'classic.expired', outcome: null, quote: null, voidedQuoteIds: ['q1'] });
    expect(view.tracking.at(-1)).toMatchObject({ code: 'mission.expired', params: { deadline: respondBy.toISOString() } });
  });

  it('voids an expiry that raced an answer made on time, and says so', () => {
    const late = expired(new Date(respondBy.getTime() + 60_000), respondBy);
    const view = verdict(received, close(t(60)), asked, close(respondBy, 2), late);
    expect(view.status).toBe('under_analysis');
    expect(view.voided).toMatchObject([{ kind: 'expiry', cause: 'quote_closed' }]);
    expect(view.tracking.at(-1)?.code).toBe('expiry.voided');
  });

  it('is not expired by an expiry of the quote deadline that an on-time close had already voided', () => {
    const raced = expired(new Date(deadline.getTime() + 60_000), deadline);
    const view = verdict(received, close(t(60)), raced, decided(new Date(deadline.getTime() + 2 * 60_000), 1, 'request_information', 1, respondBy));
    expect(view.status).toBe('information_requested');
    expect(view.voided).toMatchObject([{ kind: 'expiry', cause: 'quote_closed' }]);
  });

  it('never counts an answer after the due date', () => {
    const view = verdict(received, close(t(60)), asked, close(new Date(respondBy.getTime() + 1), 2));
    expect(view.status).toBe('information_requested');
    expect(view.transmission).toBe(1);
  });

  it('lets the insurer cancel while information is requested, but no longer abandon', () => {
    const state = stateOf([received, close(t(60)), asked]);
    expect(decideAbandon(state, { eventId: 'a', reason: 'x', by: 'G1', at: t(3 * day) })).toMatchObject({ ok: false, code: 'mission_not_new' });
    const cancel = decideCancel(state, { eventId: 'c', reason: 'claim settled', by: 'I1', at: t(3 * day) });
    expect(cancel.ok).toBe(true);
    if (!cancel.ok) return;
    expect(project(evolve(state, cancel.fact))).toMatchObject({ status: 'cancelled', voidedQuoteIds: ['q1'] });
  });
});

describe('deadline extension', () => {
  const later = new Date('2026-04-03T21:59:59.999Z');

  it('moves the quote deadline of a new mission, and a close before the new deadline is on time', () => {
    const ext = extended(t(60), later);
    expect(verdict(received, ext)).toMatchObject({ status: 'new', deadline: later });
    expect(codes(received, ext)).toEqual(['mission.received', 'deadline.extended']);
    expect(verdict(received, ext, close(new Date(deadline.getTime() + day * 60_000)))).toMatchObject({ status: 'under_analysis' });
  });

  it('ignores an expiry on the deadline the extension moved, even when the scheduler learnt of it late', () => {
    const view = verdict(received, extended(t(60), later), expired(new Date(deadline.getTime() + 60_000), deadline));
    expect(view).toMatchObject({ status: 'new', deadline: later, voided: [] });
    const expiredOnNew = verdict(received, extended(t(60), later), expired(new Date(later.getTime() + 60_000), later));
    expect(expiredOnNew.status).toBe('expired');
  });

  it('moves the answer due date while information is requested', () => {
    const view = verdict(received, close(t(60)), asked, extended(t(3 * day), later));
    expect(view).toMatchObject({ status: 'information_requested', deadline: later });
    expect(verdict(received, close(t(60)), asked, extended(t(3 * day), later), close(new Date(respondBy.getTime() + 60_000), 2)).status).toBe('under_analysis');
  });

  it('counts for nothing after the garage closed, and says so', () => {
    const view = verdict(received, close(t(60)), extended(t(120), later));
    expect(view).toMatchObject({ status: 'under_analysis', deadline });
    expect(view.voided).toMatchObject([{ kind: 'extension', cause: 'quote_closed' }]);
    expect(view.tracking.at(-1)?.code).toBe('extension.voided');
  });

  it('is decided only while the garage has to act, before the deadline, to a later date', () => {
    const command = (at: Date, to: Date) => ({ eventId: 'x', deadline: to, by: 'I1', at });
    expect(decideExtension(stateOf([received]), command(t(60), later))).toMatchObject({ ok: true, fact: { type: 'deadline_extended', deadline: later } });
    expect(decideExtension(stateOf([received]), command(t(60), deadline))).toMatchObject({ ok: false, code: 'deadline_not_later' });
    expect(decideExtension(stateOf([received]), command(new Date(deadline.getTime() + 1), later))).toMatchObject({ ok: false, code: 'deadline_passed' });
    expect(decideExtension(stateOf([received, close(t(60))]), command(t(120), later))).toMatchObject({ ok: false, code: 'mission_not_awaiting_garage' });
    expect(decideExtension(stateOf([received, close(t(60)), asked]), command(t(3 * day), later))).toMatchObject({ ok: true });
  });

  it('publishes a verdict when only the deadline moved', () => {
    const before = verdict(received);
    expect(verdictChanged(before, verdict(received, extended(t(60), later)))).toBe(true);
  });
});

describe('supplements and the approved total', () => {
  const validated = [received, close(t(60)), decided(t(2 * day), 1, 'validate')];

  it('adds approved supplements to the validated quote, and shows each step', () => {
    const view = verdict(
      ...validated,
      supplementSubmitted(t(5 * day), 1, 242_00),
      supplementDecided(t(6 * day), 1, 'approve', 242_00),
      supplementSubmitted(t(7 * day), 2, 100_00),
      supplementDecided(t(8 * day), 2, 'reject', 100_00),
    );
    expect(view.approvedTotalCents).toBe(1_452_00);
    expect(view.supplements.map((s) => [s.number, s.status])).toEqual([
      [1, 'approved'],
      [2, 'rejected'],
    ]);
    expect(view.tracking.slice(-4).map((e) => e.code)).toEqual(['supplement.submitted', 'supplement.approved', 'supplement.submitted', 'supplement.rejected']);
    expect(view.tracking.find((e) => e.code === 'supplement.approved')?.params).toMatchObject({ approvedTotalCents: '145200' });
  });

  it('allows supplements on a validated repair expertise only, until its payment request', () => {
    expect(allowsSupplement('closed', 'validated', false)).toBe(true);
    expect(allowsSupplement('closed', 'validated', true)).toBe(false);
    expect(allowsSupplement('closed', 'total_loss', false)).toBe(false);
    expect(allowsSupplement('under_analysis', null, false)).toBe(false);
    expect(approvedTotal(1000, [{ status: 'approved', totalInclVatCents: 10 }, { status: 'submitted', totalInclVatCents: 99 }])).toBe(1010);
  });
});

describe('the quote as the verdict returns it', () => {
  it('is returned by a request on its latest transmission, and stands closed once answered or expired', () => {
    const request = { status: 'information_requested' as const, voidedQuoteIds: [], quoteId: 'q1', transmission: 1 };
    expect(quoteStatusAfterVerdict({ id: 'q1', status: 'closed', closed: true, transmissions: 1 }, request)).toBe('returned');
    // The garage already transmitted again: a verdict about the earlier transmission returns nothing.
    expect(quoteStatusAfterVerdict({ id: 'q1', status: 'closed', closed: true, transmissions: 2 }, request)).toBe('closed');
    expect(quoteStatusAfterVerdict({ id: 'q1', status: 'returned', closed: true, transmissions: 1 }, { ...request, status: 'expired', voidedQuoteIds: ['q1'] })).toBe(
      'voided',
    );
    expect(quoteStatusAfterVerdict({ id: 'q1', status: 'returned', closed: true, transmissions: 2 }, { ...request, status: 'under_analysis', transmission: 2 })).toBe(
      'closed',
    );
  });

  it('gives the garage the policy\'s working days to answer, Belgian holidays skipped', () => {
    // Thursday 2 April 2026 + 3 working days: Friday 3, (Easter Monday 6 April is a holiday) Tuesday 7, Wednesday 8.
    expect(defaultRespondBy(new Date('2026-04-02T10:00:00Z'), { informationWorkingDays: 3 }).toISOString()).toBe('2026-04-08T21:59:59.999Z');
  });
});

// ---- Properties: the second loop in any delivery order gives one verdict.

const minute = fc.integer({ min: 1, max: 20 * day });
const loopArbitrary = fc
  .record({
    closeAt: minute,
    requestAt: fc.option(minute, { nil: undefined }),
    respondAfter: fc.integer({ min: 60, max: 5 * day }),
    answerAfter: fc.option(fc.integer({ min: 1, max: 8 * day }), { nil: undefined }),
    expire: fc.boolean(),
    extendAt: fc.option(minute, { nil: undefined }),
    extendBy: fc.integer({ min: 1, max: 5 * day }),
    validate: fc.boolean(),
    cancelAt: fc.option(minute, { nil: undefined }),
  })
  .map((plan) => {
    const facts: MissionFact[] = [received, close(t(plan.closeAt))];
    let sequence = 1;
    if (plan.requestAt !== undefined && plan.requestAt > plan.closeAt) {
      const due = t(plan.requestAt + plan.respondAfter);
      facts.push(decided(t(plan.requestAt), sequence++, 'request_information', 1, due));
      if (plan.expire) facts.push(expired(new Date(due.getTime() + 60_000), due));
      if (plan.answerAfter !== undefined) {
        const answerAt = plan.requestAt + plan.answerAfter;
        facts.push(close(t(answerAt), 2));
        if (plan.validate) facts.push(decided(t(answerAt + 60), sequence++, 'validate', 2));
      }
    } else if (plan.validate) {
      facts.push(decided(t(plan.closeAt + 60), sequence++, 'validate'));
    }
    if (plan.extendAt !== undefined) facts.push(extended(t(plan.extendAt), t(plan.extendAt + plan.extendBy + 20 * day)));
    if (plan.cancelAt !== undefined) facts.push({ type: 'cancelled', eventId: 'e-cancel', at: t(plan.cancelAt), reason: 'settled', by: 'I1' });
    return facts;
  });

describe('the second loop as a property', () => {
  it('gives the same verdict for every delivery order and every redelivery', () => {
    assertSameVerdictInAnyOrder(loopArbitrary, (i) => i % 2 === 1);
  });

  it('keeps its invariants: an expired mission rests on no quote, a waiting mission has a due date, every loser is said', () => {
    fc.assert(
      fc.property(loopArbitrary, (facts) => {
        const view = verdict(...facts);
        if (view.status === 'expired') expect(view.quote).toBeNull();
        if (view.status === 'information_requested') expect(view.deadline).not.toBeNull();
        if (view.approvedTotalCents !== null) expect([view.status, view.outcome]).toEqual(['closed', 'validated']);
        expect(view.tracking.filter((e) => e.code.endsWith('.voided'))).toHaveLength(view.voided.length);
        for (const entry of view.tracking) for (const lang of ['fr', 'nl', 'en'] as const) expect(() => trackingMessage(entry.code, entry.params, lang)).not.toThrow();
      }),
    );
  });
});
