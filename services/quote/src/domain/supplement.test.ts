import { describe, expect, it } from 'vitest';
import type { MissionSnapshot } from '@smart-expertise/contracts';
import { evolve, type MissionCopy, type NewPhoto, type QuoteEvent, type QuoteState, type RefusalCode } from './quote.ts';
import { decideSupplement, evolveSupplement, type SupplementCommand, type SupplementEvent, type SupplementState } from './supplement.ts';

// ---- given(state).when(command).then(events) ------------------------------------------------------

const at = new Date('2026-05-04T10:00:00Z');
const snapshot = { id: 'm1', garageId: 'G1' } as MissionSnapshot;

const validatedMission: MissionCopy = {
  id: 'm1',
  garageId: 'G1',
  status: 'closed',
  outcome: 'validated',
  deadline: new Date('2026-03-30T21:59:59.999Z'),
  minPhotos: 3,
  directPayment: { planned: true, ceilingCents: 110_000, deductibleCents: 25_000 },
  owner: { vatRegime: 'none' },
  snapshot,
  liveQuoteId: 'q1',
};

// The mission's quote as the quote decider leaves it: created, then closed once.
const quoteHistory: QuoteEvent[] = [
  { type: 'quote_created', quoteId: 'q1', missionId: 'm1', garageId: 'G1', procedure: 'standard', administrative: snapshot, at },
  { type: 'quote_closed', transmission: 1, at },
];
const closedQuote: QuoteState = quoteHistory.reduce(evolve, { mission: validatedMission, quote: null }).quote!;

const LINES = [{ kind: 'part' as const, description: 'Hidden chassis damage', quantity: 1, unitPriceCents: 20_000 }];
const create: SupplementCommand = { type: 'create_supplement', supplementId: 's1', reason: '  bent rail behind the bumper ', calculation: { calculationNumber: 'AUD-S1', lines: LINES }, at };
const created = (): SupplementEvent => {
  const decision = decideSupplement({ mission: validatedMission, quote: closedQuote, supplement: null }, create);
  if (!decision.ok) throw new Error(decision.refusal.message);
  return decision.events[0]!;
};
const photo: NewPhoto = { id: 'ph1', sha256: 'a'.repeat(64), contentType: 'image/jpeg', fileName: null, bytes: new Uint8Array([0xff, 0xd8]) };

function given(...events: SupplementEvent[]) {
  let mission = validatedMission;
  let quote: QuoteState = closedQuote;
  const supplement = events.length === 0 ? null : events.reduce<SupplementState | null>(evolveSupplement, null);
  const spec = {
    on(changes: { mission?: Partial<MissionCopy>; quote?: Partial<QuoteState> }) {
      mission = { ...mission, ...changes.mission };
      quote = { ...quote, ...changes.quote };
      return spec;
    },
    when(command: SupplementCommand) {
      const decision = decideSupplement({ mission, quote, supplement }, command);
      return {
        decision,
        then(...expected: SupplementEvent[]) {
          expect(decision).toEqual({ ok: true, events: expected });
        },
        thenRefuses(code: RefusalCode) {
          if (decision.ok) throw new Error(`expected ${code}, got ${JSON.stringify(decision.events.map((e) => e.type))}`);
          expect(decision.refusal.code, decision.refusal.message).toBe(code);
          return decision.refusal;
        },
      };
    },
  };
  return spec;
}

describe('drafting a supplement', () => {
  it('on a validated standard mission: number 1, the reason trimmed, the totals computed', () => {
    expect(created()).toMatchObject({
      type: 'supplement_created',
      supplementId: 's1',
      quoteId: 'q1',
      missionId: 'm1',
      number: 1,
      reason: 'bent rail behind the bumper',
      totals: { totalExclVatCents: 20_000, vatCents: 4_200, totalInclVatCents: 24_200 },
    });
  });

  it('numbers the next supplement after those the quote has', () => {
    const { decision } = given()
      .on({ quote: { supplements: [{ id: 's1', number: 1, status: 'rejected', totalInclVatCents: 1 }, { id: 's2', number: 2, status: 'draft', totalInclVatCents: 1 }] } })
      .when({ ...create, supplementId: 's3' });
    expect(decision.ok && decision.events[0]).toMatchObject({ number: 3 });
  });

  it('is refused on a total loss', () => {
    given().on({ mission: { outcome: 'total_loss' }, quote: { procedure: 'total_loss' } }).when(create).thenRefuses('total_loss');
  });

  it('is refused once direct payment was requested', () => {
    const paymentRequest = { invoiceNumber: 'F-1' } as QuoteState['paymentRequest'];
    given().on({ quote: { paymentRequest } }).when(create).thenRefuses('payment_already_requested');
  });

  it.each(['new', 'under_analysis', 'pending_validation', 'information_requested', 'expired', 'cancelled'] as const)('is refused on a mission that is %s', (status) => {
    given().on({ mission: { status, outcome: null } }).when(create).thenRefuses('mission_not_validated');
  });

  it('refuses an invalid calculation with the fields under calculation', () => {
    const refusal = given()
      .when({ ...create, calculation: { calculationNumber: 'AUD-S1', lines: [{ kind: 'labour', description: 'Body', hours: 0, hourlyRateCents: 5_000 }] } })
      .thenRefuses('calculation_invalid');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['calculation.lines[0].hours']);
    const mismatch = given().when({ ...create, calculation: { calculationNumber: 'AUD-S1', lines: LINES, totals: { totalInclVatCents: 24_201 } } }).thenRefuses('calculation_totals_mismatch');
    expect(mismatch.errors).toEqual([{ field: 'calculation.totals.totalInclVatCents', message: 'sent 24201, computed 24200' }]);
  });

  it('needs a reason', () => {
    given().when({ ...create, reason: '   ' }).thenRefuses('reason_required');
  });
});

describe('photos and submission', () => {
  it('a draft takes photos, the same image once', () => {
    given(created()).when({ type: 'add_supplement_photos', photos: [photo, { ...photo, id: 'ph2' }], maxPhotos: 5, at }).then({ type: 'supplement_photos_added', photos: [photo], at });
    given(created(), { type: 'supplement_photos_added', photos: [photo], at }).when({ type: 'add_supplement_photos', photos: [photo], maxPhotos: 5, at }).then();
  });

  it('is submitted with at least one photo', () => {
    const refusal = given(created()).when({ type: 'submit_supplement', at }).thenRefuses('supplement_incomplete');
    expect(refusal.errors?.map((e) => e.field)).toEqual(['photos']);
    given(created(), { type: 'supplement_photos_added', photos: [photo], at }).when({ type: 'submit_supplement', at }).then({ type: 'supplement_submitted', at });
  });

  it('is submitted once, and then takes no more photos', () => {
    const submitted = [created(), { type: 'supplement_photos_added', photos: [photo], at }, { type: 'supplement_submitted', at }] as SupplementEvent[];
    given(...submitted).when({ type: 'submit_supplement', at }).thenRefuses('supplement_already_submitted');
    given(...submitted).when({ type: 'add_supplement_photos', photos: [{ ...photo, sha256: 'b'.repeat(64) }], maxPhotos: 5, at }).thenRefuses('supplement_already_submitted');
  });

  it('a draft left when direct payment was requested can no longer be submitted', () => {
    const paymentRequest = { invoiceNumber: 'F-1' } as QuoteState['paymentRequest'];
    given(created(), { type: 'supplement_photos_added', photos: [photo], at }).on({ quote: { paymentRequest } }).when({ type: 'submit_supplement', at }).thenRefuses('payment_already_requested');
  });
});

describe('the expert’s decision', () => {
  const expert = { name: 'Jan Janssens', phone: '+32 2 555 01 01' };
  const submitted = (): SupplementEvent[] => [created(), { type: 'supplement_photos_added', photos: [photo], at }, { type: 'supplement_submitted', at }];
  const decided = new Date('2026-05-05T08:00:00Z');

  it('approves or rejects a submitted supplement with the note', () => {
    given(...submitted()).when({ type: 'record_supplement_decision', decision: 'approve', note: null, expert, at: decided }).then({ type: 'supplement_decided', status: 'approved', note: null, expert, at: decided });
    given(...submitted()).when({ type: 'record_supplement_decision', decision: 'reject', note: 'pre-existing rust', expert, at: decided }).then({
      type: 'supplement_decided',
      status: 'rejected',
      note: 'pre-existing rust',
      expert,
      at: decided,
    });
  });

  it('the first decision stands: a later one decides nothing', () => {
    const approved: SupplementEvent = { type: 'supplement_decided', status: 'approved', note: null, expert, at: decided };
    given(...submitted(), approved).when({ type: 'record_supplement_decision', decision: 'reject', note: 'no', expert, at: decided }).then();
    expect(evolveSupplement(submitted().reduce<SupplementState | null>(evolveSupplement, null), approved)).toMatchObject({ status: 'approved', decidedAt: decided, expert });
  });

  it('a decision on a draft the expert never received is refused', () => {
    given(created()).when({ type: 'record_supplement_decision', decision: 'approve', note: null, expert, at: decided }).thenRefuses('supplement_not_submitted');
    given().when({ type: 'record_supplement_decision', decision: 'approve', note: null, expert, at: decided }).thenRefuses('supplement_not_found');
  });
});
