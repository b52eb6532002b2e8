import { describe, expect, it } from 'vitest';
import { applyStockEffect, holdStock, type ReservationInput, reservationStep } from './reservation-state.js';

const commit: ReservationInput = { kind: 'commit' };
const paymentFailed: ReservationInput = { kind: 'release', reason: 'PAYMENT_FAILED' };
const cancelled: ReservationInput = { kind: 'release', reason: 'ORDER_CANCELLED' };

describe('reservationStep', () => {
  it('commits a held reservation', () => {
    expect(reservationStep('HELD', commit)).toEqual({ kind: 'apply', from: 'HELD', to: 'COMMITTED', effect: 'commit' });
  });

  it('releases a held reservation for either reason', () => {
    for (const input of [paymentFailed, cancelled]) {
      expect(reservationStep('HELD', input)).toEqual({
        kind: 'apply',
        from: 'HELD',
        to: 'RELEASED',
        effect: 'release-held',
      });
    }
  });

  it('puts committed goods back only on cancellation', () => {
    expect(reservationStep('COMMITTED', cancelled)).toEqual({
      kind: 'apply',
      from: 'COMMITTED',
      to: 'RELEASED',
      effect: 'release-committed',
    });
    expect(reservationStep('COMMITTED', paymentFailed).kind).toBe('none');
  });

  it('is idempotent: a second commit or anything after a release does nothing', () => {
    expect(reservationStep('COMMITTED', commit).kind).toBe('none');
    for (const input of [commit, paymentFailed, cancelled]) {
      expect(reservationStep('RELEASED', input).kind).toBe('none');
      expect(reservationStep('FAILED', input).kind).toBe('none');
    }
  });
});

describe('applyStockEffect', () => {
  it('commit takes the units off the shelf and out of reserved', () => {
    expect(applyStockEffect({ onHand: 10, reserved: 4 }, 'commit', 3)).toEqual({ onHand: 7, reserved: 1 });
  });

  it('release-held frees reserved units', () => {
    expect(applyStockEffect({ onHand: 10, reserved: 4 }, 'release-held', 3)).toEqual({ onHand: 10, reserved: 1 });
  });

  it('release-committed puts units back on the shelf', () => {
    expect(applyStockEffect({ onHand: 7, reserved: 1 }, 'release-committed', 3)).toEqual({ onHand: 10, reserved: 1 });
  });

  it('refuses a result that breaks 0 <= reserved <= onHand', () => {
    expect(() => applyStockEffect({ onHand: 10, reserved: 2 }, 'commit', 3)).toThrow(/reserved=-1/);
    expect(() => applyStockEffect({ onHand: 10, reserved: 2 }, 'release-held', 3)).toThrow();
  });
});

describe('holdStock', () => {
  it('adds to reserved up to what is on hand', () => {
    expect(holdStock({ onHand: 5, reserved: 4 }, 1)).toEqual({ onHand: 5, reserved: 5 });
    expect(() => holdStock({ onHand: 5, reserved: 5 }, 1)).toThrow(/reserve 6 of 5/);
  });
});
