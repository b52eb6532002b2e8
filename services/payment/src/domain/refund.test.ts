import { describe, expect, it } from 'vitest';
import { decideRefund, refundOnCancel } from './refund.js';

const completed = { status: 'COMPLETED' as const, amount: '100.00', refundedAmount: '0.00' };

describe('decideRefund', () => {
  it('refunds the whole remaining balance by default', () => {
    expect(decideRefund(completed)).toEqual({ kind: 'refund', amount: '100.00' });
    expect(decideRefund({ ...completed, refundedAmount: '30.50' })).toEqual({ kind: 'refund', amount: '69.50' });
  });

  it('refunds a part', () => {
    expect(decideRefund(completed, '10')).toEqual({ kind: 'refund', amount: '10.00' });
    expect(decideRefund(completed, '100.00')).toEqual({ kind: 'refund', amount: '100.00' });
  });

  it('conflicts when the payment failed or is fully refunded', () => {
    expect(decideRefund({ ...completed, status: 'FAILED' })).toMatchObject({ kind: 'conflict', detail: /FAILED/ });
    expect(decideRefund({ ...completed, refundedAmount: '100.00' })).toMatchObject({
      kind: 'conflict',
      detail: /already refunded/,
    });
  });

  it('names /amount when it is zero or above the balance', () => {
    expect(decideRefund(completed, '0')).toMatchObject({ kind: 'invalid', field: '/amount' });
    expect(decideRefund({ ...completed, refundedAmount: '99.99' }, '0.02')).toMatchObject({
      kind: 'invalid',
      field: '/amount',
      message: /0.01/,
    });
  });
});

describe('refundOnCancel', () => {
  it('gives back what is left of a completed payment, once', () => {
    expect(refundOnCancel(completed)).toBe('100.00');
    expect(refundOnCancel({ ...completed, refundedAmount: '40.00' })).toBe('60.00');
    expect(refundOnCancel({ ...completed, refundedAmount: '100.00' })).toBeNull();
    expect(refundOnCancel({ ...completed, status: 'FAILED' })).toBeNull();
  });

  it('refunds nothing for a free order', () => {
    expect(refundOnCancel({ ...completed, amount: '0.00' })).toBeNull();
  });
});
