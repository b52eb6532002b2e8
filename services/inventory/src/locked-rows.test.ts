import { orderCancelled, orderCreated, paymentProcessed } from '@ecom/kit/testing';
import { describe, expect, it } from 'vitest';
import { LockedRows } from './locked-rows.js';

const A = '0a000000-0000-4000-8000-000000000000';
const B = '0b000000-0000-4000-8000-000000000000';
const product = (productId: string, onHand = 5) => ({ productId, onHand, reserved: 0, updatedAt: new Date(0) });

function rows(): LockedRows {
  const locked = new LockedRows();
  locked.signals.set(A, { paymentStatus: null, cancelledReason: null });
  locked.setProducts([product('p1')]);
  // p2 was looked up and does not exist: known, so an order naming it fails without a new lookup.
  locked.noteLookedUp(['p1', 'p2']);
  return locked;
}

describe('LockedRows.covers', () => {
  it('covers an event whose order is locked and whose products were all looked up, existing or not', () => {
    expect(
      rows().covers(
        orderCreated(A, [
          { productId: 'p1', quantity: 1 },
          { productId: 'p2', quantity: 1 },
        ]),
      ),
    ).toBe(true);
  });

  it('does not cover an order or a product the batch never locked', () => {
    expect(rows().covers(orderCreated(B, [{ productId: 'p1', quantity: 1 }]))).toBe(false);
    expect(rows().covers(orderCreated(A, [{ productId: 'p3', quantity: 1 }]))).toBe(false);
  });

  it('covers a settling event only with the products of its reservation when stock can still move', () => {
    const locked = rows();
    locked.setReservation({
      orderId: A,
      reservationId: 'r',
      status: 'HELD',
      items: [{ productId: 'p4', quantity: 1 }],
    });
    expect(locked.covers(paymentProcessed(A, 'COMPLETED'))).toBe(false);
    locked.setReservationStatus(A, 'RELEASED');
    expect(locked.covers(orderCancelled(A))).toBe(true);
  });
});

describe('LockedRows updates', () => {
  it('keeps what the handlers wrote, and takes fresher rows on merge', () => {
    const locked = rows();
    locked.setSignals(A, { paymentStatus: 'COMPLETED' });
    locked.setProducts([product('p1', 3)]);
    expect(locked.signals.get(A)).toEqual({ paymentStatus: 'COMPLETED', cancelledReason: null });
    expect(locked.products.get('p1')?.onHand).toBe(3);

    const later = new LockedRows();
    later.signals.set(B, { paymentStatus: 'FAILED', cancelledReason: null });
    later.noteLookedUp(['p9']);
    locked.merge(later);
    expect(locked.covers(orderCreated(B, [{ productId: 'p9', quantity: 1 }]))).toBe(true);
    expect(locked.signals.get(A)?.paymentStatus).toBe('COMPLETED');
  });
});
