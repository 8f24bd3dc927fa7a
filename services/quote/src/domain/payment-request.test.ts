import { describe, expect, it } from 'vitest';
import { brusselsDate, paymentRequestRefusals, sameInvoice } from './payment-request.ts';

const invoice = { invoiceNumber: 'F-1', invoiceDate: '2026-05-04', amountCents: 121_000, replacementVehicle: false };
const planned = { planned: true, ceilingCents: 500_000, deductibleCents: 25_000 };
const now = new Date('2026-05-04T10:00:00Z');
const codes = (r: { code: string }[]) => r.map((x) => x.code);

describe('paymentRequestRefusals', () => {
  it('a validated mission with direct payment planned accepts an invoice dated today', () => {
    expect(paymentRequestRefusals({ status: 'validated', directPayment: planned }, invoice, now)).toEqual([]);
  });

  it('refuses before the expert validated', () => {
    expect(codes(paymentRequestRefusals({ status: 'under_analysis', directPayment: planned }, invoice, now))).toEqual(['mission_not_validated']);
    expect(codes(paymentRequestRefusals({ status: 'remote_intervention', directPayment: planned }, invoice, now))).toEqual(['mission_not_validated']);
  });

  it('refuses when the insurer did not plan direct payment', () => {
    expect(codes(paymentRequestRefusals({ status: 'validated', directPayment: null }, invoice, now))).toEqual(['direct_payment_not_planned']);
    expect(codes(paymentRequestRefusals({ status: 'validated', directPayment: { ...planned, planned: false } }, invoice, now))).toEqual([
      'direct_payment_not_planned',
    ]);
  });

  it('refuses an invoice dated after today in Brussels', () => {
    expect(codes(paymentRequestRefusals({ status: 'validated', directPayment: planned }, { ...invoice, invoiceDate: '2026-05-05' }, now))).toEqual([
      'invoice_date_in_future',
    ]);
  });

  it('reads today in Europe/Brussels, not UTC', () => {
    // 22:30 UTC on 4 May is already 5 May in Brussels (UTC+2 in summer).
    const lateEvening = new Date('2026-05-04T22:30:00Z');
    expect(brusselsDate(lateEvening)).toBe('2026-05-05');
    expect(paymentRequestRefusals({ status: 'validated', directPayment: planned }, { ...invoice, invoiceDate: '2026-05-05' }, lateEvening)).toEqual([]);
  });
});

describe('sameInvoice', () => {
  it('is the same request only when every field is the same', () => {
    expect(sameInvoice(invoice, { ...invoice })).toBe(true);
    expect(sameInvoice(invoice, { ...invoice, amountCents: 121_001 })).toBe(false);
    expect(sameInvoice(invoice, { ...invoice, replacementVehicle: true })).toBe(false);
  });
});
