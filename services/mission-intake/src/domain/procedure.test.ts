// The mission's verdict as mission-intake computes it: the fold and the deciders of
// @smart-expertise/contracts/procedure, the production code every service runs (no copy here).
// given(facts).then() is the projection; given(facts).whenAbandoning/whenCancelling the decision.
import type { Decision } from '@smart-expertise/contracts';
import {
  decideAbandon,
  decideCancel,
  evolve,
  initialState,
  project,
  verdictChanged,
  type ActionCommand,
  type MissionFact,
  type MissionState,
} from '@smart-expertise/contracts/procedure';
import { describe, expect, it } from 'vitest';

// 30/03/26 end of day in Brussels (summer time).
const deadline = new Date('2026-03-30T21:59:59.999Z');
const minutes = (n: number): Date => new Date(deadline.getTime() + n * 60_000);

const received = (over: Partial<Extract<MissionFact, { type: 'received' }>> = {}): MissionFact => ({
  type: 'received',
  eventId: 'received-1',
  at: new Date('2026-03-20T09:00:00Z'),
  deadline,
  ...over,
});
const quote = (over: Partial<Extract<MissionFact, { type: 'quote_submitted' }>> = {}): MissionFact => ({
  type: 'quote_submitted',
  eventId: 'quote-1',
  at: new Date('2026-03-25T10:00:00Z'),
  procedure: 'standard',
  quoteId: 'Q-1',
  ...over,
});
const decided = (
  decision: Decision,
  sequence: number,
  over: Partial<Extract<MissionFact, { type: 'review_decided' }>> = {},
): MissionFact => ({
  type: 'review_decided',
  eventId: `review-${sequence}`,
  at: new Date(Date.UTC(2026, 2, 26, 8, sequence)),
  sequence,
  decision,
  expertName: 'Jan Peeters',
  expertPhone: '+32 470 12 34 56',
  quoteId: 'Q-1',
  ...over,
});
const reminder = (over: Partial<Extract<MissionFact, { type: 'deadline_approaching' }>> = {}): MissionFact => ({
  type: 'deadline_approaching',
  eventId: 'reminder-1',
  at: new Date('2026-03-29T07:00:00Z'),
  deadline,
  ...over,
});
const expired = (over: Partial<Extract<MissionFact, { type: 'expired' }>> = {}): MissionFact => ({
  type: 'expired',
  eventId: 'expired-1',
  at: new Date('2026-03-30T22:05:00Z'),
  deadline,
  ...over,
});
const abandoned = (over: Partial<Extract<MissionFact, { type: 'abandoned' }>> = {}): MissionFact => ({
  type: 'abandoned',
  eventId: 'abandon-1',
  at: new Date('2026-03-24T10:00:00Z'),
  reason: 'Vehicle already repaired elsewhere',
  by: 'garage-7',
  ...over,
});
const cancelled = (over: Partial<Extract<MissionFact, { type: 'cancelled' }>> = {}): MissionFact => ({
  type: 'cancelled',
  eventId: 'cancel-1',
  at: new Date('2026-03-27T10:00:00Z'),
  reason: 'Claim settled with the third party',
  by: 'insurer-3',
  ...over,
});
const paymentRequested = (over: Partial<Extract<MissionFact, { type: 'payment_requested' }>> = {}): MissionFact => ({
  type: 'payment_requested',
  eventId: 'payment-1',
  at: new Date('2026-04-10T10:00:00Z'),
  invoiceNumber: 'INV-2026-001',
  insurerShareCents: 150_000,
  ownerShareCents: 25_000,
  flagged: false,
  ...over,
});

const fold = (facts: readonly MissionFact[]): MissionState => facts.reduce(evolve, initialState);
const given = (...facts: MissionFact[]) => ({
  then: () => project(fold(facts)),
  whenAbandoning: (command: Partial<ActionCommand> = {}) =>
    decideAbandon(fold(facts), {
      eventId: 'abandon-cmd',
      reason: 'Owner sold the vehicle',
      by: 'garage-7',
      at: new Date('2026-03-24T10:00:00Z'),
      ...command,
    }),
  whenCancelling: (command: Partial<ActionCommand> = {}) =>
    decideCancel(fold(facts), {
      eventId: 'cancel-cmd',
      reason: 'Claim settled with the third party',
      by: 'insurer-3',
      at: new Date('2026-03-27T10:00:00Z'),
      ...command,
    }),
});
const codes = (view: ReturnType<typeof project>) => view.tracking.map((entry) => entry.code);
const placement = (view: ReturnType<typeof project>) => ({
  status: view.status,
  section: view.section,
  outcome: view.outcome,
});

describe('reception', () => {
  it('puts a received mission in Smart › Nouvelles expertises with the deadline message', () => {
    const view = given(received()).then();
    expect(placement(view)).toEqual({ status: 'new', section: 'smart.new', outcome: null });
    expect(view.deadline).toEqual(deadline);
    expect(view.tracking).toEqual([
      { at: new Date('2026-03-20T09:00:00Z'), code: 'mission.received', params: { deadline: '2026-03-30T21:59:59.999Z' } },
    ]);
  });

  it('knows nothing of a mission before its reception', () => {
    expect(project(initialState)).toMatchObject({ status: 'new', deadline: null, tracking: [] });
  });
});

describe('closing the quote', () => {
  it('moves a standard quote to under analysis with the analysis message', () => {
    const view = given(received(), quote()).then();
    expect(placement(view)).toEqual({ status: 'under_analysis', section: 'smart.under_analysis', outcome: null });
    expect(codes(view)).toEqual(['mission.received', 'quote.under_analysis']);
  });

  it('moves a total-loss file to under analysis with the total-loss message', () => {
    const view = given(received(), quote({ procedure: 'total_loss' })).then();
    expect(placement(view)).toEqual({ status: 'under_analysis', section: 'smart.under_analysis', outcome: null });
    expect(codes(view)).toEqual(['mission.received', 'total_loss.declared']);
  });

  it('counts a close at the last millisecond of the deadline as on time', () => {
    expect(given(received(), quote({ at: deadline })).then().status).toBe('under_analysis');
  });

  it('ignores a close after the deadline', () => {
    const view = given(received(), quote({ at: minutes(1) })).then();
    expect(view.status).toBe('new');
    expect(codes(view)).toEqual(['mission.received']);
  });
});

describe('the expert decision', () => {
  it('keeps a pending validation in the under-analysis section', () => {
    const view = given(received(), quote(), decided('pending_validation', 1)).then();
    expect(placement(view)).toEqual({ status: 'pending_validation', section: 'smart.under_analysis', outcome: null });
    expect(codes(view).at(-1)).toBe('review.pending_validation');
  });

  it('sends a remote intervention to its section, naming the expert', () => {
    const view = given(received(), quote(), decided('remote_intervention', 1)).then();
    expect(placement(view)).toEqual({
      status: 'remote_intervention',
      section: 'smart.remote_intervention',
      outcome: null,
    });
    expect(view.tracking.at(-1)).toMatchObject({
      code: 'review.remote_intervention',
      params: { expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56' },
    });
  });

  it('sends an on-site intervention to its section, naming the expert', () => {
    const view = given(received(), quote(), decided('onsite_intervention', 1)).then();
    expect(placement(view)).toEqual({
      status: 'onsite_intervention',
      section: 'smart.onsite_intervention',
      outcome: null,
    });
    expect(view.tracking.at(-1)).toMatchObject({
      code: 'review.onsite_intervention',
      params: { expertName: 'Jan Peeters', expertPhone: '+32 470 12 34 56' },
    });
  });

  it('closes a validated standard quote in Smart Expertises', () => {
    const view = given(received(), quote(), decided('validate', 1)).then();
    expect(placement(view)).toEqual({ status: 'closed', section: 'smart.closed', outcome: 'validated' });
    expect(codes(view).at(-1)).toBe('review.validated');
  });

  it('closes a validated total-loss file with the total-loss outcome, confirming the total loss rather than inviting repairs', () => {
    const view = given(received(), quote({ procedure: 'total_loss' }), decided('validate', 1)).then();
    expect(placement(view)).toEqual({ status: 'closed', section: 'smart.closed', outcome: 'total_loss' });
    expect(codes(view).at(-1)).toBe('review.total_loss_confirmed');
  });

  it('never counts a decision taken on another quote', () => {
    const view = given(received(), quote(), decided('validate', 1, { quoteId: 'Q-OTHER' })).then();
    expect(view.status).toBe('under_analysis');
  });

  it('gives the expert and the last decision as fields, with the note in the entry', () => {
    const view = given(received(), quote(), decided('remote_intervention', 1, { note: 'Call me before noon' })).then();
    expect(view.expert).toEqual({ name: 'Jan Peeters', phone: '+32 470 12 34 56' });
    expect(view.lastDecision).toEqual({ decision: 'remote_intervention', note: 'Call me before noon', at: new Date(Date.UTC(2026, 2, 26, 8, 1)) });
    expect(view.tracking.at(-1)?.params).toEqual({
      decision: 'remote_intervention',
      expertName: 'Jan Peeters',
      expertPhone: '+32 470 12 34 56',
      note: 'Call me before noon',
    });
  });

  it('validates after an intervention', () => {
    const view = given(received(), quote(), decided('remote_intervention', 1), decided('validate', 2)).then();
    expect(view.status).toBe('closed');
    expect(codes(view)).toEqual([
      'mission.received',
      'quote.under_analysis',
      'review.remote_intervention',
      'review.validated',
    ]);
  });

  it('ignores any decision after the validation', () => {
    const view = given(received(), quote(), decided('validate', 1), decided('onsite_intervention', 2)).then();
    expect(view.status).toBe('closed');
    expect(codes(view)).not.toContain('review.onsite_intervention');
  });

  it('applies decisions in the expert order, not the arrival order', () => {
    const view = given(received(), quote(), decided('remote_intervention', 2), decided('pending_validation', 1)).then();
    expect(view.status).toBe('remote_intervention');
  });

  it('applies decisions that overtook the quote once the quote arrives', () => {
    const view = given(received(), decided('onsite_intervention', 1), decided('validate', 2), quote()).then();
    expect(placement(view)).toEqual({ status: 'closed', section: 'smart.closed', outcome: 'validated' });
  });

  it('leaves the mission new while the decided quote is unknown', () => {
    const view = given(received(), decided('validate', 1)).then();
    expect(view.status).toBe('new');
    expect(codes(view)).toEqual(['mission.received']);
  });
});

describe('expiry', () => {
  it('turns a mission without a closed quote into a classic expertise', () => {
    const view = given(received(), expired()).then();
    expect(placement(view)).toEqual({ status: 'expired', section: 'classic.expired', outcome: null });
    expect(view.tracking.at(-1)).toMatchObject({ code: 'mission.expired', params: { deadline: '2026-03-30T21:59:59.999Z' } });
  });

  it('loses against a quote closed on time that arrives after it, and the tracking says why', () => {
    const view = given(received(), expired(), quote({ at: minutes(-5) })).then();
    expect(view.status).toBe('under_analysis');
    expect(codes(view)).toEqual(['mission.received', 'quote.under_analysis', 'expiry.voided']);
    expect(view.tracking.at(-1)).toMatchObject({ at: new Date('2026-03-30T22:05:00Z'), params: { at: minutes(-5).toISOString() } });
  });

  it('loses against a quote closed on time that arrived before it', () => {
    expect(given(received(), quote(), expired()).then().status).toBe('under_analysis');
  });

  it('wins over a quote closed after the deadline', () => {
    expect(given(received(), quote({ at: minutes(3) }), expired()).then().status).toBe('expired');
  });

  it('loses against an abandon made before the deadline', () => {
    const view = given(received(), expired(), abandoned()).then();
    expect(view.status).toBe('abandoned');
    expect(codes(view)).not.toContain('mission.expired');
  });
});

describe('abandon', () => {
  it('closes the mission in one step with the reason in the tracking', () => {
    const view = given(received(), abandoned()).then();
    expect(placement(view)).toEqual({ status: 'abandoned', section: 'closed.abandoned', outcome: 'abandoned' });
    expect(view.tracking.at(-1)).toMatchObject({
      code: 'mission.abandoned',
      params: { reason: 'Vehicle already repaired elsewhere' },
    });
  });

  it('wins over a quote closed later, which is voided with its decisions, and the tracking says so', () => {
    const view = given(
      received(),
      quote({ at: new Date('2026-03-24T11:00:00Z') }),
      decided('validate', 1),
      abandoned({ at: new Date('2026-03-24T10:00:00Z') }),
    ).then();
    expect(view.status).toBe('abandoned');
    expect(view.voidedQuoteIds).toEqual(['Q-1']);
    expect(view.quote).toBeNull();
    expect(codes(view)).toEqual(['mission.received', 'mission.abandoned', 'quote.voided', 'review.voided']);
    expect(view.tracking[2]).toMatchObject({ code: 'quote.voided', params: { at: '2026-03-24T11:00:00.000Z', cause: 'abandoned' } });
  });

  it('loses against a quote closed earlier, and the tracking says the abandon is void', () => {
    const view = given(
      received(),
      abandoned({ at: new Date('2026-03-24T11:00:00Z') }),
      quote({ at: new Date('2026-03-24T10:00:00Z') }),
    ).then();
    expect(view.status).toBe('under_analysis');
    expect(codes(view)).not.toContain('mission.abandoned');
    expect(view.tracking.at(-1)).toMatchObject({ code: 'abandon.voided', params: { at: '2026-03-24T10:00:00.000Z' } });
    expect(view.voided).toMatchObject([{ kind: 'abandon', eventId: 'abandon-1', cause: 'quote_closed' }]);
  });

  it('loses against a quote closed at the same instant', () => {
    const at = new Date('2026-03-24T10:00:00Z');
    expect(given(received(), abandoned({ at }), quote({ at })).then().status).toBe('under_analysis');
  });

  it('does not count once the deadline is reached, so the expiry stands', () => {
    expect(given(received(), abandoned({ at: deadline }), expired()).then().status).toBe('expired');
  });
});

describe('deadline reminder', () => {
  it('adds a reminder with the deadline while the mission is new', () => {
    const view = given(received(), reminder()).then();
    expect(view.status).toBe('new');
    expect(view.tracking.at(-1)).toEqual({
      at: new Date('2026-03-29T07:00:00Z'),
      code: 'deadline.approaching',
      params: { deadline: '2026-03-30T21:59:59.999Z' },
    });
  });

  it('adds nothing once the quote was closed before the reminder', () => {
    const view = given(received(), quote(), reminder()).then();
    expect(codes(view)).not.toContain('deadline.approaching');
  });

  it('stays in the tracking when the quote is closed after the reminder', () => {
    const view = given(received(), reminder(), quote({ at: new Date('2026-03-29T09:00:00Z') })).then();
    expect(codes(view)).toEqual(['mission.received', 'deadline.approaching', 'quote.under_analysis']);
  });
});

describe('direct payment request', () => {
  it('flags the mission and adds a tracking entry without changing its section', () => {
    const view = given(received(), quote(), decided('validate', 1), paymentRequested()).then();
    expect(placement(view)).toEqual({ status: 'closed', section: 'smart.closed', outcome: 'validated' });
    expect(view.paymentRequested).toBe(true);
    expect(view.payment).toEqual({
      requestedAt: new Date('2026-04-10T10:00:00Z'),
      invoiceNumber: 'INV-2026-001',
      insurerShareCents: 150_000,
      ownerShareCents: 25_000,
      flagged: false,
    });
    expect(view.tracking.at(-1)).toMatchObject({ code: 'payment.requested', params: { invoiceNumber: 'INV-2026-001' } });
  });

  it('counts a repeated request once, keeping the first', () => {
    const view = given(
      received(),
      quote(),
      decided('validate', 1),
      paymentRequested({ eventId: 'payment-2', at: new Date('2026-04-11T10:00:00Z') }),
      paymentRequested(),
    ).then();
    expect(codes(view).filter((code) => code === 'payment.requested')).toHaveLength(1);
    expect(view.payment?.requestedAt).toEqual(new Date('2026-04-10T10:00:00Z'));
  });

  it('is not raised while the mission is new', () => {
    expect(given(received()).then().paymentRequested).toBe(false);
  });

  it('never counts on a total loss, and the tracking says the request is void', () => {
    const view = given(received(), quote({ procedure: 'total_loss' }), decided('validate', 1), paymentRequested()).then();
    expect(view.paymentRequested).toBe(false);
    expect(view.tracking.at(-1)).toMatchObject({ code: 'payment.voided', params: { invoiceNumber: 'INV-2026-001', cause: 'not_validated' } });
  });
});

describe('redelivery and ordering', () => {
  it('returns the same state for a redelivered event', () => {
    const state = fold([received(), quote()]);
    expect(evolve(state, quote())).toBe(state);
  });

  it('is not affected by a caller mutating the dates it handed over', () => {
    const at = new Date('2026-03-25T10:00:00Z');
    const state = fold([received(), quote({ at })]);
    at.setTime(minutes(60).getTime());
    expect(project(state).status).toBe('under_analysis');
  });

  it('orders the tracking oldest first whatever the arrival order', () => {
    const view = given(
      decided('validate', 2, { at: new Date('2026-03-27T08:00:00Z') }),
      quote(),
      reminder({ at: new Date('2026-03-23T07:00:00Z') }),
      decided('pending_validation', 1, { at: new Date('2026-03-26T08:00:00Z') }),
      received(),
    ).then();
    expect(codes(view)).toEqual([
      'mission.received',
      'deadline.approaching',
      'quote.under_analysis',
      'review.pending_validation',
      'review.validated',
    ]);
  });

  it('breaks ties on the instant by the procedure order', () => {
    const at = new Date('2026-03-25T10:00:00Z');
    const view = given(decided('validate', 1, { at }), quote({ at }), received({ at })).then();
    expect(codes(view)).toEqual(['mission.received', 'quote.under_analysis', 'review.validated']);
  });
});

describe('deciding an abandon', () => {
  it('records the abandon of a new mission before its deadline, with the reason trimmed', () => {
    expect(given(received()).whenAbandoning({ reason: '  Owner sold the vehicle  ' })).toEqual({
      ok: true,
      fact: {
        type: 'abandoned',
        eventId: 'abandon-cmd',
        at: new Date('2026-03-24T10:00:00Z'),
        reason: 'Owner sold the vehicle',
        by: 'garage-7',
      },
    });
  });

  it('closes the mission once its fact is folded in', () => {
    const decision = given(received()).whenAbandoning();
    if (!decision.ok) throw new Error(decision.message);
    expect(given(received(), decision.fact).then().status).toBe('abandoned');
  });

  it('requires a reason', () => {
    expect(given(received()).whenAbandoning({ reason: '   ' })).toMatchObject({ ok: false, code: 'reason_required' });
  });

  it('accepts a reason of 500 characters', () => {
    expect(given(received()).whenAbandoning({ reason: 'x'.repeat(500) }).ok).toBe(true);
  });

  it('refuses a reason longer than 500 characters', () => {
    expect(given(received()).whenAbandoning({ reason: 'x'.repeat(501) })).toMatchObject({
      ok: false,
      code: 'reason_required',
    });
  });

  it('refuses once the quote is closed', () => {
    expect(given(received(), quote()).whenAbandoning({ at: new Date('2026-03-26T10:00:00Z') })).toMatchObject({
      ok: false,
      code: 'mission_not_new',
    });
  });

  it('refuses an expired mission', () => {
    expect(given(received(), expired()).whenAbandoning()).toMatchObject({ ok: false, code: 'mission_not_new' });
  });

  it('refuses a mission never received', () => {
    expect(given().whenAbandoning()).toMatchObject({ ok: false, code: 'mission_not_new' });
  });

  it('refuses at the deadline', () => {
    expect(given(received()).whenAbandoning({ at: deadline })).toMatchObject({ ok: false, code: 'deadline_passed' });
  });
});

describe('cancel', () => {
  it('closes a new mission in one step with the reason in the tracking', () => {
    const view = given(received(), cancelled()).then();
    expect(placement(view)).toEqual({ status: 'cancelled', section: 'closed.cancelled', outcome: 'cancelled' });
    expect(view.tracking.at(-1)).toMatchObject({ code: 'mission.cancelled', params: { reason: 'Claim settled with the third party' } });
  });

  it('voids the quote under analysis and the decisions after it', () => {
    const view = given(received(), quote(), decided('remote_intervention', 1, { at: new Date('2026-03-28T08:00:00Z') }), cancelled()).then();
    expect(view.status).toBe('cancelled');
    expect(view.voidedQuoteIds).toEqual(['Q-1']);
    expect(view.quote).toBeNull();
    expect(view.voided).toMatchObject([{ kind: 'decision', cause: 'cancelled' }]);
    expect(codes(view)).toEqual(['mission.received', 'quote.under_analysis', 'mission.cancelled', 'review.voided']);
  });

  it('loses against a validation that came first, and the tracking says so', () => {
    const view = given(received(), quote(), decided('validate', 1), cancelled()).then();
    expect(placement(view)).toEqual({ status: 'closed', section: 'smart.closed', outcome: 'validated' });
    expect(view.tracking.at(-1)).toMatchObject({ code: 'cancel.voided', params: { cause: 'validated' } });
  });

  it('voids a quote closed after it', () => {
    const view = given(received(), cancelled({ at: new Date('2026-03-24T10:00:00Z') }), quote()).then();
    expect(view.status).toBe('cancelled');
    expect(view.voidedQuoteIds).toEqual(['Q-1']);
    expect(codes(view)).toContain('quote.voided');
  });
});

describe('deciding a cancel', () => {
  it('records the cancel of a mission under analysis', () => {
    expect(given(received(), quote()).whenCancelling()).toMatchObject({ ok: true, fact: { type: 'cancelled', eventId: 'cancel-cmd', by: 'insurer-3' } });
  });

  it('refuses a closed mission as final', () => {
    expect(given(received(), quote(), decided('validate', 1)).whenCancelling()).toMatchObject({ ok: false, code: 'mission_final' });
  });

  it('refuses an abandoned mission as final', () => {
    expect(given(received(), abandoned()).whenCancelling()).toMatchObject({ ok: false, code: 'mission_final' });
  });

  it('refuses a new mission past its deadline', () => {
    expect(given(received()).whenCancelling({ at: minutes(1) })).toMatchObject({ ok: false, code: 'deadline_passed' });
  });

  it('requires a reason', () => {
    expect(given(received()).whenCancelling({ reason: ' ' })).toMatchObject({ ok: false, code: 'reason_required' });
  });
});

describe('the verdict the other services hear of', () => {
  const viewOf = (...facts: MissionFact[]) => project(fold(facts));

  it('is not news for a mission just received', () => {
    expect(verdictChanged(null, viewOf(received()))).toBe(false);
  });

  it('is news when the status changes', () => {
    expect(verdictChanged(viewOf(received()), viewOf(received(), quote()))).toBe(true);
  });

  it('is news when a decision keeps the status but is a new one', () => {
    const first = viewOf(received(), quote(), decided('remote_intervention', 1));
    const second = viewOf(received(), quote(), decided('remote_intervention', 1), decided('remote_intervention', 2));
    expect(verdictChanged(first, second)).toBe(true);
  });

  it('is not news for a reminder or a redelivered fact', () => {
    expect(verdictChanged(viewOf(received()), viewOf(received(), reminder()))).toBe(false);
    expect(verdictChanged(viewOf(received(), quote()), viewOf(received(), quote(), quote()))).toBe(false);
  });
});
