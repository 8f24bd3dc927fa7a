import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MISSION_STATUSES, type MissionSnapshot } from '@smart-expertise/contracts';
import { computeTotals, type CalculationLine } from './calculation.ts';
import {
  brusselsDate,
  decide,
  evolve,
  sameInvoice,
  type QuoteDecision,
  type MissionCopy,
  type NewPhoto,
  type QuoteCommand,
  type QuoteEvent,
  type RefusalCode,
  type Refusal,
  type State,
  type StoredCalculation,
  type SupplementSummary,
} from './quote.ts';

// ---- given(events).when(command).then(events) -----------------------------------------------------

const deadline = new Date('2026-03-30T21:59:59.999Z');
const secondsFromDeadline = (seconds: number): Date => new Date(deadline.getTime() + seconds * 1000);
const before = secondsFromDeadline(-3600);

const snapshot: MissionSnapshot = {
  id: 'm1',
  insurerId: 'INS1',
  insurerMissionRef: 'REF-1',
  garageId: 'G1',
  expertOfficeId: 'EXP1',
  claim: { claimNumber: 'CL-1', policyNumber: 'POL-1', lossDate: '2026-03-01', circumstances: 'Rear-ended' },
  vehicle: { vin: 'WVWZZZ1JZXW000001', plate: '1-ABC-123', make: 'Volkswagen', model: 'Golf', firstRegistrationDate: '2019-05-02' },
  owner: { name: 'Anne Peeters', phone: '+32 470 12 34 56', email: 'anne@example.be', vatRegime: 'none' },
  directPayment: { planned: true, ceilingCents: 110_000, deductibleCents: 25_000 },
};

function mission(changes: Partial<MissionCopy> = {}): MissionCopy {
  return {
    id: 'm1',
    garageId: 'G1',
    status: 'new',
    outcome: null,
    deadline,
    minPhotos: 3,
    directPayment: { planned: true, ceilingCents: 110_000, deductibleCents: 25_000 },
    owner: { vatRegime: 'none' },
    snapshot,
    liveQuoteId: null,
    ...changes,
  };
}

/** The state the events lead to, on a mission copy that says `changes` (mission-intake's verdict). */
function stateAfter(events: readonly QuoteEvent[], changes: Partial<MissionCopy> = {}): State {
  const state = events.reduce(evolve, { mission: mission(), quote: null } as State);
  return { ...state, mission: { ...state.mission, ...changes } };
}

function given(...events: QuoteEvent[]) {
  let changes: Partial<MissionCopy> = {};
  const spec = {
    /** What mission-intake said of the mission meanwhile. */
    onMission(missionChanges: Partial<MissionCopy>) {
      changes = missionChanges;
      return spec;
    },
    when(command: QuoteCommand) {
      const decision = decide(stateAfter(events, changes), command);
      return {
        decision,
        then(...expected: QuoteEvent[]) {
          expect(decision).toEqual({ ok: true, events: expected });
        },
        thenRefuses(code: RefusalCode): Refusal {
          if (decision.ok) throw new Error(`expected ${code}, got the events ${JSON.stringify(decision.events.map((e) => e.type))}`);
          expect(decision.refusal.code, decision.refusal.message).toBe(code);
          return decision.refusal;
        },
      };
    },
  };
  return spec;
}

const eventsOf = (decision: QuoteDecision): readonly QuoteEvent[] => {
  if (!decision.ok) throw new Error(`refused: ${decision.refusal.code} ${decision.refusal.message}`);
  return decision.events;
};

// ---- Events of a quote's life --------------------------------------------------------------------

const t0 = secondsFromDeadline(-86_400);
const created: QuoteEvent = { type: 'quote_created', quoteId: 'q1', missionId: 'm1', garageId: 'G1', procedure: 'standard', administrative: snapshot, at: t0 };
const createdTotalLoss: QuoteEvent = { ...created, procedure: 'total_loss' };

const BUMPER: CalculationLine = { kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 100_000 };
function calculationSet(lines: CalculationLine[] = [BUMPER]): QuoteEvent {
  const calculation: StoredCalculation = { calculationNumber: 'AUD-1', vatRate: 21, lines };
  const result = computeTotals(calculation);
  // An invalid calculation can only come from old data; the totals then hold nothing.
  const totals = result.ok ? result.totals : { lines: [], subtotalsCents: { part: 0, labour: 0, paint: 0, sundry: 0 }, totalExclVatCents: 0, vatRate: 21 as const, vatCents: 0, totalInclVatCents: 0 };
  return { type: 'calculation_set', calculation, totals, at: t0 };
}

let photoSeq = 0;
function photo(sha = `${++photoSeq}`.padStart(64, '0')): NewPhoto {
  return { id: `ph${sha.slice(-4)}`, sha256: sha, contentType: 'image/jpeg', fileName: null, bytes: new Uint8Array([0xff, 0xd8]) };
}
const photosAdded = (count: number): QuoteEvent => ({ type: 'photos_added', photos: Array.from({ length: count }, () => photo()), at: t0 });

const SMART_FRAME = { probableTotalLoss: false, multipleDamageZones: false, expertAdviceNeeded: false, technicalInspectionNeeded: false, onSiteExpertNeeded: false };
const smartFrameSet: QuoteEvent = { type: 'smart_frame_set', smartFrame: SMART_FRAME, at: t0 };
const wreck: QuoteEvent = { type: 'vehicle_status_set', vehicleStatus: 'wreck', note: null, at: t0 };
const closedAt = secondsFromDeadline(-60);
const closed: QuoteEvent = { type: 'quote_closed', transmission: 1, at: closedAt };
const discarded: QuoteEvent = { type: 'quote_discarded', reason: 'switching to total loss', at: t0 };
const voidedDraft: QuoteEvent = { type: 'quote_voided', previousStatus: 'draft', missionStatus: 'abandoned', at: before };
const voidedClose: QuoteEvent = { type: 'quote_voided', previousStatus: 'closed', missionStatus: 'cancelled', at: before };

/** A standard quote ready to close: calculation, three photos, the Smart frame. */
const complete: QuoteEvent[] = [created, calculationSet(), photosAdded(3), smartFrameSet];
const completeTotalLoss: QuoteEvent[] = [createdTotalLoss, wreck, photosAdded(1)];

const validated: Partial<MissionCopy> = { status: 'closed', outcome: 'validated' };
const invoice = { invoiceNumber: 'F-1', invoiceDate: '2026-05-04', amountCents: 121_000, replacementVehicle: false };
const invoiceDay = new Date('2026-05-04T10:00:00Z');

// ---- create --------------------------------------------------------------------------------------

describe('creating a quote', () => {
  it('creates a draft that copies every administrative field of the mission', () => {
    given().when({ type: 'create', quoteId: 'q1', procedure: 'standard', at: t0 }).then(created);
  });

  it('refuses a second quote while the mission has a live one', () => {
    const refusal = given().onMission({ liveQuoteId: 'q0' }).when({ type: 'create', quoteId: 'q1', procedure: 'standard', at: t0 }).thenRefuses('quote_already_exists');
    expect(refusal.details).toEqual({ quoteId: 'q0' });
  });

  it('after the draft is discarded, a total-loss quote may be created for the mission', () => {
    const { mission: afterDiscard } = stateAfter([created, discarded]);
    expect(afterDiscard.liveQuoteId).toBeNull();
    const decision = decide({ mission: afterDiscard, quote: null }, { type: 'create', quoteId: 'q2', procedure: 'total_loss', at: t0 });
    expect(eventsOf(decision)).toEqual([{ ...createdTotalLoss, quoteId: 'q2' }]);
  });

  it('after the draft is voided, the mission may take another quote only if it still awaits one', () => {
    const { mission: afterVoid } = stateAfter([created, voidedDraft], { status: 'abandoned', outcome: 'abandoned' });
    expect(afterVoid.liveQuoteId).toBeNull();
    const decision = decide({ mission: afterVoid, quote: null }, { type: 'create', quoteId: 'q2', procedure: 'standard', at: t0 });
    expect(decision.ok ? null : decision.refusal.code).toBe('mission_abandoned');
  });

  it.each([
    ['abandoned', 'mission_abandoned'],
    ['cancelled', 'mission_cancelled'],
    ['expired', 'mission_expired'],
    ['under_analysis', 'mission_not_awaiting_quote'],
    ['closed', 'mission_not_awaiting_quote'],
  ] as const)('is refused on a mission that is %s', (status, code) => {
    given().onMission({ status }).when({ type: 'create', quoteId: 'q1', procedure: 'standard', at: t0 }).thenRefuses(code);
  });

  it('is refused after the deadline, not at its very instant', () => {
    given().when({ type: 'create', quoteId: 'q1', procedure: 'standard', at: secondsFromDeadline(1) }).thenRefuses('deadline_passed');
    given().when({ type: 'create', quoteId: 'q1', procedure: 'standard', at: deadline }).then({ ...created, at: deadline });
  });
});

// ---- edits ---------------------------------------------------------------------------------------

describe('editing a draft', () => {
  const lines: CalculationLine[] = [
    { kind: 'part', description: 'Front bumper', quantity: 1, unitPriceCents: 45_000 },
    { kind: 'labour', description: 'Bodywork', hours: 2.5, hourlyRateCents: 6_000 },
  ];

  it('the calculation is stored with the totals the service computed', () => {
    const { decision } = given(created).when({ type: 'set_calculation', calculation: { calculationNumber: 'AUD-7', lines }, at: before });
    const [event] = eventsOf(decision);
    expect(event).toMatchObject({ type: 'calculation_set', calculation: { calculationNumber: 'AUD-7', vatRate: 21, lines }, totals: { totalExclVatCents: 60_000, vatCents: 12_600 } });
  });

  it('a calculation with bad lines is refused with every field at fault', () => {
    const refusal = given(created)
      .when({ type: 'set_calculation', calculation: { calculationNumber: 'AUD-7', vatRate: 12, lines: [{ kind: 'labour', description: 'Body', hours: 0, hourlyRateCents: 5_000 }] }, at: before })
      .thenRefuses('calculation_invalid');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['vatRate', 'lines[0].hours']);
  });

  it('totals sent by the garage that differ from ours are refused with both figures', () => {
    const refusal = given(created)
      .when({ type: 'set_calculation', calculation: { calculationNumber: 'AUD-7', lines, totals: { totalInclVatCents: 72_601 } }, at: before })
      .thenRefuses('calculation_totals_mismatch');
    expect(refusal.errors).toEqual([{ field: 'totals.totalInclVatCents', message: 'sent 72601, computed 72600' }]);
    expect(refusal.details).toEqual({ mismatches: [{ field: 'totalInclVatCents', sentCents: 72_601, computedCents: 72_600 }] });
  });

  it('each procedure takes only its own parts', () => {
    given(createdTotalLoss).when({ type: 'set_calculation', calculation: { calculationNumber: 'AUD-7', lines }, at: before }).thenRefuses('wrong_procedure');
    given(createdTotalLoss).when({ type: 'set_smart_frame', smartFrame: SMART_FRAME, at: before }).thenRefuses('wrong_procedure');
    given(created).when({ type: 'set_vehicle_status', vehicleStatus: 'drivable', note: null, at: before }).thenRefuses('wrong_procedure');
  });

  it('a closed quote can no longer change', () => {
    given(...complete, closed).when({ type: 'set_smart_frame', smartFrame: SMART_FRAME, at: before }).thenRefuses('quote_closed');
    given(...complete, closed).when({ type: 'add_photos', photos: [photo()], maxPhotos: 30, at: before }).thenRefuses('quote_closed');
  });

  it('a voided or discarded draft can no longer change', () => {
    const refusal = given(created, voidedDraft).onMission({ status: 'abandoned', outcome: 'abandoned' }).when({ type: 'set_smart_frame', smartFrame: SMART_FRAME, at: before }).thenRefuses('quote_voided');
    expect(refusal.details).toMatchObject({ missionStatus: 'abandoned', conflicts: [{ code: 'mission_abandoned' }] });
    given(created, discarded).when({ type: 'set_smart_frame', smartFrame: SMART_FRAME, at: before }).thenRefuses('quote_discarded');
  });

  it('a draft of a mission that no longer awaits its quote, or after the deadline, can no longer change', () => {
    given(created).onMission({ status: 'expired' }).when({ type: 'set_smart_frame', smartFrame: SMART_FRAME, at: before }).thenRefuses('mission_expired');
    given(created).when({ type: 'set_smart_frame', smartFrame: SMART_FRAME, at: secondsFromDeadline(1) }).thenRefuses('deadline_passed');
  });
});

describe('adding photos', () => {
  it('the same image twice, in one batch or again later, is one photo', () => {
    const [a, b] = [photo(), photo()];
    given(created, { type: 'photos_added', photos: [a!], at: t0 })
      .when({ type: 'add_photos', photos: [a!, b!, { ...b!, id: 'other-id' }], maxPhotos: 30, at: before })
      .then({ type: 'photos_added', photos: [b!], at: before });
  });

  it('a batch the quote already holds adds nothing', () => {
    const a = photo();
    given(created, { type: 'photos_added', photos: [a], at: t0 }).when({ type: 'add_photos', photos: [a], maxPhotos: 30, at: before }).then();
  });

  it('refuses the whole batch beyond the per-quote limit, counting only new images', () => {
    const refusal = given(created, photosAdded(4)).when({ type: 'add_photos', photos: [photo(), photo()], maxPhotos: 5, at: before }).thenRefuses('too_many_photos');
    expect(refusal.details).toEqual({ maxPhotos: 5 });
    const again = photo();
    given(created, photosAdded(4), { type: 'photos_added', photos: [again], at: t0 }).when({ type: 'add_photos', photos: [again], maxPhotos: 5, at: before }).then();
  });
});

// ---- close ---------------------------------------------------------------------------------------

describe('closing a quote: the deadline', () => {
  it('closing one second before the deadline is allowed', () => {
    given(...complete).when({ type: 'close', at: secondsFromDeadline(-1) }).then({ type: 'quote_closed', transmission: 1, at: secondsFromDeadline(-1) });
  });

  it('closing at the deadline instant is still allowed', () => {
    given(...complete).when({ type: 'close', at: deadline }).then({ type: 'quote_closed', transmission: 1, at: deadline });
  });

  it('closing one second after the deadline is refused as a conflict', () => {
    given(...complete).when({ type: 'close', at: secondsFromDeadline(1) }).thenRefuses('deadline_passed');
  });
});

describe('closing a quote: conflicts', () => {
  it.each([
    ['abandoned', 'mission_abandoned'],
    ['cancelled', 'mission_cancelled'],
    ['expired', 'mission_expired'],
    ['under_analysis', 'mission_not_awaiting_quote'],
  ] as const)('closing on a mission that is %s is refused', (status, code) => {
    given(...complete).onMission({ status }).when({ type: 'close', at: before }).thenRefuses(code);
  });

  it('closing a quote twice is refused', () => {
    given(...complete, closed).when({ type: 'close', at: before }).thenRefuses('quote_already_closed');
  });

  it('a draft voided by an abandon or a cancel cannot be closed', () => {
    given(...complete, voidedDraft).onMission({ status: 'cancelled', outcome: 'cancelled' }).when({ type: 'close', at: before }).thenRefuses('quote_voided');
  });

  it('a discarded draft cannot be closed', () => {
    given(...complete, discarded).when({ type: 'close', at: before }).thenRefuses('quote_discarded');
  });

  it('every conflict is listed, and conflicts come before unmet conditions (409 over 422)', () => {
    const refusal = given(created).onMission({ status: 'expired' }).when({ type: 'close', at: secondsFromDeadline(1) }).thenRefuses('mission_expired');
    expect((refusal.details?.conflicts as { code: string }[]).map((c) => c.code)).toEqual(['mission_expired', 'deadline_passed']);
  });
});

describe('closing a standard quote: unmet conditions', () => {
  it('every unmet condition is listed together, each Smart question by name', () => {
    const refusal = given(created, photosAdded(1)).when({ type: 'close', at: before }).thenRefuses('closing_conditions_unmet');
    expect(refusal.errors?.map((e) => e.field)).toEqual([
      'calculation',
      'photos',
      'smartFrame.probableTotalLoss',
      'smartFrame.multipleDamageZones',
      'smartFrame.expertAdviceNeeded',
      'smartFrame.technicalInspectionNeeded',
      'smartFrame.onSiteExpertNeeded',
    ]);
    expect(refusal.errors?.[1]?.message).toBe('at least 3 photos required, 1 attached');
    expect((refusal.details?.conditions as { code: string }[]).map((c) => c.code)).toEqual([
      'calculation_missing',
      'photos_missing',
      'smart_frame_incomplete',
      'smart_frame_incomplete',
      'smart_frame_incomplete',
      'smart_frame_incomplete',
      'smart_frame_incomplete',
    ]);
  });

  it('a "no" answer counts as answered', () => {
    given(...complete).when({ type: 'close', at: before }).then({ type: 'quote_closed', transmission: 1, at: before });
  });

  it('the number of photos required comes from the insurer policy', () => {
    given(...complete).onMission({ minPhotos: 4 }).when({ type: 'close', at: before }).thenRefuses('closing_conditions_unmet');
    given(...complete).onMission({ minPhotos: 3 }).when({ type: 'close', at: before }).then({ type: 'quote_closed', transmission: 1, at: before });
  });

  it('an invalid calculation (old data) blocks closing and names the line field', () => {
    const refusal = given(created, calculationSet([{ kind: 'labour', description: 'Body', hours: 0, hourlyRateCents: 5_000 }]), photosAdded(3), smartFrameSet)
      .when({ type: 'close', at: before })
      .thenRefuses('closing_conditions_unmet');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['calculation.lines[0].hours']);
  });
});

describe('closing a total-loss quote', () => {
  it('a total-loss file with a vehicle status and one photo closes without calculation or Smart frame', () => {
    given(...completeTotalLoss).when({ type: 'close', at: before }).then({ type: 'quote_closed', transmission: 1, at: before });
  });

  it('a total-loss file needs one photo, not the policy minimum', () => {
    given(...completeTotalLoss).onMission({ minPhotos: 6 }).when({ type: 'close', at: before }).then({ type: 'quote_closed', transmission: 1, at: before });
  });

  it('a total-loss file without vehicle status or photos lists both', () => {
    const refusal = given(createdTotalLoss).when({ type: 'close', at: before }).thenRefuses('closing_conditions_unmet');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['vehicleStatus', 'photos']);
  });

  it('a total-loss file carrying a calculation is refused', () => {
    const refusal = given(...completeTotalLoss, calculationSet()).when({ type: 'close', at: before }).thenRefuses('closing_conditions_unmet');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['calculation']);
  });
});

// ---- discard -------------------------------------------------------------------------------------

describe('discarding a draft', () => {
  it('discards the draft with its reason, trimmed, and frees the mission for another quote', () => {
    given(created).when({ type: 'discard', reason: '  switching to total loss ', at: t0 }).then(discarded);
    expect(stateAfter([created, discarded])).toMatchObject({ mission: { liveQuoteId: null }, quote: { status: 'discarded', discardReason: 'switching to total loss' } });
  });

  it('needs a reason of at most 500 characters', () => {
    given(created).when({ type: 'discard', reason: '   ', at: t0 }).thenRefuses('reason_required');
    given(created).when({ type: 'discard', reason: 'é'.repeat(501), at: t0 }).thenRefuses('reason_required');
    given(created).when({ type: 'discard', reason: 'é'.repeat(500), at: t0 }).then({ ...discarded, reason: 'é'.repeat(500) });
  });

  it('only a draft may be discarded: never a closed, voided or already discarded quote', () => {
    given(...complete, closed).when({ type: 'discard', reason: 'oops', at: before }).thenRefuses('quote_closed');
    given(created, voidedDraft).onMission({ status: 'abandoned' }).when({ type: 'discard', reason: 'oops', at: before }).thenRefuses('quote_voided');
    given(created, discarded).when({ type: 'discard', reason: 'oops', at: before }).thenRefuses('quote_discarded');
  });

  it('is refused once the mission accepts no more quote work', () => {
    given(created).when({ type: 'discard', reason: 'oops', at: secondsFromDeadline(1) }).thenRefuses('deadline_passed');
    given(created).onMission({ status: 'expired' }).when({ type: 'discard', reason: 'oops', at: before }).thenRefuses('mission_expired');
  });
});

// ---- payment -------------------------------------------------------------------------------------

describe('requesting direct payment', () => {
  const request: QuoteCommand = { type: 'request_payment', invoice, at: invoiceDay };

  it('a closed quote of a validated mission with direct payment planned is split between insurer and owner', () => {
    const [event] = eventsOf(given(...complete, closed).onMission(validated).when(request).decision);
    // 1 210.00 € incl. 21 % VAT, ceiling 1 100.00 €, deductible 250.00 €, owner not VAT-registered.
    expect(event).toMatchObject({
      type: 'payment_requested',
      request: { quoteId: 'q1', missionId: 'm1', ...invoice, vatRatePercent: 21, insurerShareCents: 85_000, ownerShareCents: 36_000, aboveValidatedQuote: false, validatedQuoteTotalInclVatCents: 121_000, requestedAt: invoiceDay.toISOString() },
    });
  });

  it('the same request again decides nothing; another invoice is refused', () => {
    const first = eventsOf(given(...complete, closed).onMission(validated).when(request).decision);
    given(...complete, closed, ...first).onMission(validated).when(request).then();
    const refusal = given(...complete, closed, ...first).onMission(validated).when({ ...request, invoice: { ...invoice, amountCents: 120_000 } }).thenRefuses('payment_already_requested');
    expect(refusal.details?.paymentRequest).toMatchObject({ invoiceNumber: 'F-1', amountCents: 121_000 });
  });

  it('is refused before the expert validates', () => {
    given(...complete, closed).onMission({ status: 'under_analysis' }).when(request).thenRefuses('mission_not_validated');
    given(...complete, closed).onMission({ status: 'remote_intervention' }).when(request).thenRefuses('mission_not_validated');
  });

  it('is refused on a confirmed total loss: a total loss is not a repair', () => {
    given(...completeTotalLoss, closed).onMission({ status: 'closed', outcome: 'total_loss' }).when(request).thenRefuses('total_loss_not_payable');
  });

  it('is refused on a voided quote, and on a quote that is not closed', () => {
    given(...complete, closed, voidedClose).onMission({ status: 'cancelled', outcome: 'cancelled' }).when(request).thenRefuses('quote_voided');
    given(...complete).onMission(validated).when(request).thenRefuses('quote_not_closed');
    given(created, discarded).onMission(validated).when(request).thenRefuses('quote_discarded');
  });

  it('is refused when the insurer did not plan direct payment', () => {
    given(...complete, closed).onMission({ ...validated, directPayment: null }).when(request).thenRefuses('direct_payment_not_planned');
    given(...complete, closed)
      .onMission({ ...validated, directPayment: { planned: false, ceilingCents: 1, deductibleCents: 0 } })
      .when(request)
      .thenRefuses('direct_payment_not_planned');
  });

  it('refuses an invoice dated after today in Brussels', () => {
    const refusal = given(...complete, closed).onMission(validated).when({ ...request, invoice: { ...invoice, invoiceDate: '2026-05-05' } }).thenRefuses('invoice_date_in_future');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['invoiceDate']);
  });

  it('reads today in Europe/Brussels, not UTC', () => {
    // 22:30 UTC on 4 May is already 5 May in Brussels (UTC+2 in summer).
    const lateEvening = new Date('2026-05-04T22:30:00Z');
    expect(brusselsDate(lateEvening)).toBe('2026-05-05');
    const decision = given(...complete, closed).onMission(validated).when({ type: 'request_payment', invoice: { ...invoice, invoiceDate: '2026-05-05' }, at: lateEvening }).decision;
    expect(eventsOf(decision)).toHaveLength(1);
  });

  it('a partly VAT-registered owner without a percentage cannot be split', () => {
    given(...complete, closed).onMission({ ...validated, owner: { vatRegime: 'partial' } }).when(request).thenRefuses('payment_split_impossible');
  });

  it('is the same request only when every field is the same', () => {
    expect(sameInvoice(invoice, { ...invoice })).toBe(true);
    expect(sameInvoice(invoice, { ...invoice, amountCents: 121_001 })).toBe(false);
    expect(sameInvoice(invoice, { ...invoice, replacementVehicle: true })).toBe(false);
  });
});

// ---- mission-intake's verdict --------------------------------------------------------------------

describe('applying mission-intake’s verdict', () => {
  const verdict = (status: MissionCopy['status'], voidedQuoteIds: string[] = [], quoteId: string | null = null): QuoteCommand => ({
    type: 'apply_verdict',
    status,
    voidedQuoteIds,
    quoteId,
    at: before,
  });

  it('a closed quote the verdict names is voided, as a transmitted quote', () => {
    given(...complete, closed).when(verdict('abandoned', ['q1'])).then({ type: 'quote_voided', previousStatus: 'closed', missionStatus: 'abandoned', at: before });
    given(...complete, closed).when(verdict('cancelled', ['q1'])).then({ type: 'quote_voided', previousStatus: 'closed', missionStatus: 'cancelled', at: before });
  });

  it('a draft of an abandoned or cancelled mission is voided', () => {
    given(created).when(verdict('abandoned')).then({ type: 'quote_voided', previousStatus: 'draft', missionStatus: 'abandoned', at: before });
    given(created).when(verdict('cancelled')).then({ type: 'quote_voided', previousStatus: 'draft', missionStatus: 'cancelled', at: before });
  });

  it('an abandon the close beat leaves the closed quote as it is', () => {
    given(...complete, closed).when(verdict('under_analysis')).then();
    given(...complete, closed).when(verdict('abandoned', ['q-other'])).then();
  });

  it('an expiry leaves the draft a draft: it simply accepts no more work', () => {
    given(created).when(verdict('expired')).then();
  });

  it('a voided or discarded quote stays as it is, whatever verdict comes again', () => {
    given(...complete, closed, voidedClose).when(verdict('cancelled', ['q1'])).then();
    given(created, discarded).when(verdict('abandoned')).then();
  });

  it('a voided close the verdict rests on again is reinstated (a cancel that lost to an earlier validation)', () => {
    given(...complete, closed, voidedClose).when(verdict('closed', [], 'q1')).then({ type: 'quote_reinstated', missionStatus: 'closed', at: before });
    const state = stateAfter([...complete, closed, voidedClose, { type: 'quote_reinstated', missionStatus: 'closed', at: before }]);
    expect([state.quote?.status, state.quote?.voidedAt, state.mission.liveQuoteId]).toEqual(['closed', null, 'q1']);
    given(created, { type: 'quote_voided', previousStatus: 'draft', missionStatus: 'cancelled', at: before }).when(verdict('closed', [], 'q1')).then();
  });

  it('whatever verdicts come, in whatever order, the quote follows the latest one', () => {
    const verdicts = fc.array(
      fc.record({ status: fc.constantFrom(...MISSION_STATUSES), voidedQuoteIds: fc.subarray(['q1', 'q-other']), restsOn: fc.boolean() }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(fc.boolean(), verdicts, (closeFirst, sequence) => {
        let state = stateAfter(closeFirst ? [...complete, closed] : complete);
        for (const { status, voidedQuoteIds, restsOn } of sequence) {
          const quoteId = restsOn && !voidedQuoteIds.includes('q1') ? 'q1' : null;
          const wasVoided = state.quote?.status === 'voided';
          const events = eventsOf(decide(state, { type: 'apply_verdict', status, voidedQuoteIds, quoteId, at: before }));
          expect(events.length).toBeLessThanOrEqual(1);
          state = events.reduce(evolve, state);
          // Only a transmitted quote ever comes back, and only when the verdict rests on it.
          if (wasVoided && state.quote?.status !== 'voided') expect([closeFirst, quoteId]).toEqual([true, 'q1']);
          if (voidedQuoteIds.includes('q1')) expect(state.quote?.status).toBe('voided');
          if (state.quote?.status === 'voided') expect(state.mission.liveQuoteId).toBeNull();
        }
      }),
    );
  });
});

// ---- the second loop: a quote returned for information -------------------------------------------

describe('a quote returned for information', () => {
  /** The answer's due date, later than the quote deadline: mission-intake's verdict says it holds. */
  const respondBy = secondsFromDeadline(5 * 86_400);
  const informationRequested: Partial<MissionCopy> = { status: 'information_requested', deadline: respondBy };
  const requestOn = (transmission: number, quoteId: string | null = 'q1'): QuoteCommand => ({
    type: 'apply_verdict',
    status: 'information_requested',
    voidedQuoteIds: [],
    quoteId,
    transmission,
    at: before,
  });
  const returned: QuoteEvent = { type: 'quote_returned', missionStatus: 'information_requested', at: before };
  const afterDeadline = secondsFromDeadline(86_400);

  it('the expert’s request on the latest transmission returns the closed quote', () => {
    given(...complete, closed).when(requestOn(1)).then(returned);
    expect(stateAfter([...complete, closed, returned]).quote).toMatchObject({ status: 'returned', transmissions: 1 });
  });

  it('a request on an earlier transmission, or on another quote, returns nothing', () => {
    const retransmitted: QuoteEvent = { type: 'quote_closed', transmission: 2, at: before };
    given(...complete, closed, returned, retransmitted).when(requestOn(1)).then();
    given(...complete, closed).when(requestOn(1, 'q-other')).then();
  });

  it('the same request seen again decides nothing', () => {
    given(...complete, closed, returned).onMission(informationRequested).when(requestOn(1)).then();
  });

  it('changes like a draft before the answer’s due date, even after the quote deadline', () => {
    const state = given(...complete, closed, returned).onMission(informationRequested);
    state.when({ type: 'set_smart_frame', smartFrame: { ...SMART_FRAME, expertAdviceNeeded: true }, at: afterDeadline }).then({
      type: 'smart_frame_set',
      smartFrame: { ...SMART_FRAME, expertAdviceNeeded: true },
      at: afterDeadline,
    });
    const extra = photo();
    state.when({ type: 'add_photos', photos: [extra], maxPhotos: 30, at: afterDeadline }).then({ type: 'photos_added', photos: [extra], at: afterDeadline });
    const [event] = eventsOf(state.when({ type: 'set_calculation', calculation: { calculationNumber: 'AUD-2', lines: [BUMPER, BUMPER] }, at: afterDeadline }).decision);
    expect(event).toMatchObject({ type: 'calculation_set', totals: { totalInclVatCents: 242_000 } });
  });

  it('a returned total-loss file takes a new vehicle status', () => {
    given(...completeTotalLoss, closed, returned)
      .onMission(informationRequested)
      .when({ type: 'set_vehicle_status', vehicleStatus: 'not_drivable', note: 'engine seized', at: afterDeadline })
      .then({ type: 'vehicle_status_set', vehicleStatus: 'not_drivable', note: 'engine seized', at: afterDeadline });
  });

  it('closing it again transmits it again, as transmission 2, with the close’s instant', () => {
    given(...complete, closed, returned).onMission(informationRequested).when({ type: 'close', at: afterDeadline }).then({ type: 'quote_closed', transmission: 2, at: afterDeadline });
    const state = stateAfter([...complete, closed, returned, { type: 'quote_closed', transmission: 2, at: afterDeadline }]);
    expect(state.quote).toMatchObject({ status: 'closed', transmissions: 2, closedAt: afterDeadline });
  });

  it('a third transmission follows a second request', () => {
    const second: QuoteEvent = { type: 'quote_closed', transmission: 2, at: before };
    given(...complete, closed, returned, second).when(requestOn(2)).then(returned);
    given(...complete, closed, returned, second, returned).onMission(informationRequested).when({ type: 'close', at: before }).then({ type: 'quote_closed', transmission: 3, at: before });
  });

  it('closing it again at the answer’s due date is allowed, one second after is refused', () => {
    const state = given(...complete, closed, returned).onMission(informationRequested);
    state.when({ type: 'close', at: respondBy }).then({ type: 'quote_closed', transmission: 2, at: respondBy });
    state.when({ type: 'close', at: new Date(respondBy.getTime() + 1_000) }).thenRefuses('deadline_passed');
    state.when({ type: 'set_smart_frame', smartFrame: SMART_FRAME, at: new Date(respondBy.getTime() + 1_000) }).thenRefuses('deadline_passed');
  });

  it('closing it again lists every unmet condition, as the first close does', () => {
    const refusal = given(created, calculationSet(), photosAdded(1), smartFrameSet, closed, returned)
      .onMission({ ...informationRequested, minPhotos: 3 })
      .when({ type: 'close', at: before })
      .thenRefuses('closing_conditions_unmet');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['photos']);
  });

  it('cannot be discarded: the expert waits for its answer', () => {
    given(...complete, closed, returned).onMission(informationRequested).when({ type: 'discard', reason: 'start again', at: before }).thenRefuses('quote_returned');
  });

  it('the mission takes no other quote while it waits for the returned one', () => {
    given().onMission({ ...informationRequested, liveQuoteId: null }).when({ type: 'create', quoteId: 'q2', procedure: 'standard', at: before }).thenRefuses('mission_not_awaiting_quote');
    given(...complete, closed, returned).onMission(informationRequested).when({ type: 'create', quoteId: 'q2', procedure: 'standard', at: before }).thenRefuses('quote_already_exists');
  });

  it('is not paid: direct payment follows a validated quote', () => {
    given(...complete, closed, returned).onMission(informationRequested).when({ type: 'request_payment', invoice, at: invoiceDay }).thenRefuses('mission_not_validated');
  });

  it('an unanswered request voids it when the verdict names it (the mission expired), as a transmitted quote', () => {
    given(...complete, closed, returned)
      .onMission(informationRequested)
      .when({ type: 'apply_verdict', status: 'expired', voidedQuoteIds: ['q1'], quoteId: null, transmission: 1, at: afterDeadline })
      .then({ type: 'quote_voided', previousStatus: 'returned', missionStatus: 'expired', at: afterDeadline });
    const state = stateAfter([...complete, closed, returned, { type: 'quote_voided', previousStatus: 'returned', missionStatus: 'expired', at: afterDeadline }]);
    expect([state.quote?.status, state.mission.liveQuoteId]).toEqual(['voided', null]);
  });

  it('a verdict that no longer waits for the answer leaves it closed as last transmitted', () => {
    given(...complete, closed, returned)
      .onMission(informationRequested)
      .when({ type: 'apply_verdict', status: 'under_analysis', voidedQuoteIds: [], quoteId: 'q1', transmission: 1, at: before })
      .then({ type: 'quote_return_ended', missionStatus: 'under_analysis', at: before });
    expect(stateAfter([...complete, closed, returned, { type: 'quote_return_ended', missionStatus: 'under_analysis', at: before }]).quote?.status).toBe('closed');
  });

  it('a cancel voids it, as a transmitted quote', () => {
    given(...complete, closed, returned)
      .when({ type: 'apply_verdict', status: 'cancelled', voidedQuoteIds: ['q1'], quoteId: null, at: before })
      .then({ type: 'quote_voided', previousStatus: 'returned', missionStatus: 'cancelled', at: before });
  });
});

// ---- the approved total and supplements in the payment request ------------------------------------

describe('requesting direct payment after supplements', () => {
  const request: QuoteCommand = { type: 'request_payment', invoice, at: invoiceDay };
  const withSupplements = (...supplements: SupplementSummary[]): State => {
    const state = stateAfter([...complete, closed], validated);
    return { ...state, quote: { ...state.quote!, supplements } };
  };

  it('is refused while a supplement awaits the expert’s decision', () => {
    const decision = decide(withSupplements({ id: 's1', number: 1, status: 'submitted', totalInclVatCents: 12_100 }), request);
    expect(decision.ok ? null : [decision.refusal.code, decision.refusal.details]).toEqual(['supplement_pending', { supplementIds: ['s1'] }]);
  });

  it('counts the approved supplements, not the rejected or draft ones, in the approved total', () => {
    const state = withSupplements(
      { id: 's1', number: 1, status: 'approved', totalInclVatCents: 24_200 },
      { id: 's2', number: 2, status: 'rejected', totalInclVatCents: 50_000 },
      { id: 's3', number: 3, status: 'draft', totalInclVatCents: 70_000 },
    );
    const [event] = eventsOf(decide({ ...state, mission: { ...state.mission, directPayment: { planned: true, ceilingCents: 1_000_000, deductibleCents: 0 } } }, { ...request, invoice: { ...invoice, amountCents: 150_000 } }));
    // Approved: 1 210.00 + 242.00 = 1 452.00 €; the invoice of 1 500.00 € leaves 48.00 € above it to the owner.
    expect(event).toMatchObject({ type: 'payment_requested', request: { approvedTotalCents: 145_200, aboveApprovedCents: 4_800, insurerShareCents: 145_200, ownerShareCents: 4_800, aboveValidatedQuote: true } });
  });

  it('an invoice within the approved total leaves nothing above it', () => {
    const [event] = eventsOf(decide(withSupplements(), request));
    expect(event).toMatchObject({ request: { approvedTotalCents: 121_000, aboveApprovedCents: 0, insurerShareCents: 85_000, ownerShareCents: 36_000 } });
  });
});
