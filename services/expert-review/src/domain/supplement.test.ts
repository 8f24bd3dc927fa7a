import { describe, expect, it } from 'vitest';
import { approvedTotalOf, decideSupplement, evolveSupplement, type DecideSupplementCommand } from './supplement.ts';

const at = new Date('2026-03-10T10:00:00Z');
const validated = { status: 'validated' as const, procedure: 'standard' as const };

function command(decision: 'approve' | 'reject', overrides: Partial<DecideSupplementCommand> = {}): DecideSupplementCommand {
  return { decision, expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', at, ...overrides };
}

describe('deciding a supplement', () => {
  it('approving a submitted supplement on a validated case is recorded with the expert', () => {
    expect(decideSupplement({ status: 'submitted' }, validated, command('approve', { note: ' ok ' }))).toEqual({
      ok: true,
      event: { type: 'supplement_decided', decision: 'approve', status: 'approved', note: 'ok', expertName: 'Anne Dupont', expertPhone: '+32 2 555 01 01', at },
    });
  });

  it('rejecting needs a note, naming the field', () => {
    expect(decideSupplement({ status: 'submitted' }, validated, command('reject'))).toMatchObject({ ok: false, code: 'note_required', field: 'note' });
    expect(decideSupplement({ status: 'submitted' }, validated, command('reject', { note: '  ' }))).toMatchObject({ ok: false, code: 'note_required' });
    expect(decideSupplement({ status: 'submitted' }, validated, command('reject', { note: 'pre-existing damage' }))).toMatchObject({ ok: true, event: { status: 'rejected', note: 'pre-existing damage' } });
  });

  it.each(['approved', 'rejected'] as const)('a supplement already %s is refused', (status) => {
    expect(decideSupplement({ status }, validated, command('approve'))).toMatchObject({ ok: false, code: 'supplement_already_decided' });
  });

  it.each(['open', 'pending_validation', 'information_requested'] as const)('a case %s is not validated: refused', (status) => {
    expect(decideSupplement({ status: 'submitted' }, { status, procedure: 'standard' }, command('approve'))).toMatchObject({ ok: false, code: 'case_not_validated' });
  });

  it('a total loss takes no supplement, and a withdrawn case says so first', () => {
    expect(decideSupplement({ status: 'submitted' }, { status: 'validated', procedure: 'total_loss' }, command('approve'))).toMatchObject({ code: 'case_not_validated' });
    expect(decideSupplement({ status: 'approved' }, { status: 'withdrawn', procedure: 'standard' }, command('approve'))).toMatchObject({ code: 'case_withdrawn' });
  });

  it('needs the expert’s name and phone', () => {
    expect(decideSupplement({ status: 'submitted' }, validated, command('approve', { expertPhone: '' }))).toMatchObject({ code: 'expert_identity_missing' });
  });

  it('is decided once: folding a second decision changes nothing', () => {
    const result = decideSupplement({ status: 'submitted' }, validated, command('approve'));
    if (!result.ok) throw new Error('refused');
    const approved = evolveSupplement({ status: 'submitted' }, result.event);
    expect(evolveSupplement(approved, { ...result.event, status: 'rejected' })).toEqual({ status: 'approved' });
  });
});

describe('the approved total', () => {
  const supplements = [
    { status: 'approved' as const, totalInclVatCents: 121_00 },
    { status: 'rejected' as const, totalInclVatCents: 500_00 },
    { status: 'submitted' as const, totalInclVatCents: 60_50 },
    { status: 'approved' as const, totalInclVatCents: 24_20 },
  ];

  it('is the validated quote plus the approved supplements only', () => {
    expect(approvedTotalOf({ ...validated, validatedInclVatCents: 605_00 }, supplements)).toBe(750_20);
  });

  it('is null before validation and for a total loss', () => {
    expect(approvedTotalOf({ status: 'open', procedure: 'standard', validatedInclVatCents: 605_00 }, supplements)).toBeNull();
    expect(approvedTotalOf({ status: 'validated', procedure: 'total_loss', validatedInclVatCents: null }, supplements)).toBeNull();
  });
});
