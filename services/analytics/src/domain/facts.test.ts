import { createEvent, type Event } from '@ecom/kit';
import type { EventPayloads, EventType } from '@ecom/schemas';
import { describe, expect, it } from 'vitest';
import {
  type Fact,
  factFor,
  instant,
  mergeFacts,
  mergeStatus,
  ORDER_STATUSES,
  type OrderStatus,
  statusRank,
} from './facts.js';

const orderId = '6f1c2f3e-8a55-4c1e-9a57-1b2c3d4e5f60';
const shipmentId = '0b6c4b1e-3333-4c1e-9a57-1b2c3d4e5f60';
const T = '2025-03-01T10:00:00.000Z';

function event<T extends EventType>(type: T, data: EventPayloads[T], time = T): Event<T> {
  return { ...createEvent('test', type, data, { correlationId: orderId }), time };
}

const updated = (status: OrderStatus, time = T) =>
  event(
    'ecom.order.updated.v1',
    {
      orderId,
      customerId: 'c',
      status,
      previousStatus: 'CREATED',
      updateReason: 'x',
      totalAmount: '10.00',
      currency: 'EUR',
    },
    time,
  );

describe('order status merge', () => {
  it('moves forward only, whatever order the events arrive in', () => {
    const path: OrderStatus[] = ['CREATED', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];
    const forward = path.reduce<OrderStatus | undefined>((s, next) => mergeStatus(s, next), undefined);
    const backward = [...path].reverse().reduce<OrderStatus | undefined>((s, next) => mergeStatus(s, next), undefined);
    expect(forward).toBe('DELIVERED');
    expect(backward).toBe('DELIVERED');
  });

  it('keeps a cancellation over a late CREATED or CONFIRMED', () => {
    expect(mergeStatus('CANCELLED', 'CONFIRMED')).toBe('CANCELLED');
    expect(mergeStatus('CONFIRMED', 'CANCELLED')).toBe('CANCELLED');
    expect(mergeStatus('CANCELLED', 'CREATED')).toBe('CANCELLED');
  });

  it('ranks every status', () => {
    for (const s of ORDER_STATUSES) expect(statusRank(s)).toBeGreaterThanOrEqual(0);
    expect(statusRank('CREATED')).toBeLessThan(statusRank('CONFIRMED'));
  });
});

describe('factFor', () => {
  it('takes the creation time from ce_time, falling back to orderDate', () => {
    const data: EventPayloads['ecom.order.created.v1'] = {
      orderId,
      customerId: 'c',
      items: [{ productId: 'p', quantity: 1, price: '10.00' }],
      totalAmount: '10.00',
      currency: 'EUR',
      paymentMethod: 'card',
      status: 'CREATED',
      orderDate: '2025-03-01T09:59:59.000Z',
    };
    expect(factFor(event('ecom.order.created.v1', data))).toEqual({
      kind: 'order',
      orderId,
      status: 'CREATED',
      statusRank: 0,
      totalAmount: '10.00',
      currency: 'EUR',
      createdAt: T,
      confirmedAt: null,
      reachedConfirmed: false,
    });
    expect(factFor(event('ecom.order.created.v1', data, 'not a time'))).toMatchObject({
      createdAt: '2025-03-01T09:59:59.000Z',
    });
  });

  it('marks CONFIRMED with its time, and later statuses as having reached it', () => {
    expect(factFor(updated('CONFIRMED'))).toMatchObject({
      status: 'CONFIRMED',
      confirmedAt: T,
      reachedConfirmed: true,
    });
    expect(factFor(updated('SHIPPED'))).toMatchObject({ confirmedAt: null, reachedConfirmed: true });
    expect(factFor(updated('DELIVERED'))).toMatchObject({ reachedConfirmed: true });
    expect(factFor(updated('CANCELLED'))).toMatchObject({ reachedConfirmed: false, statusRank: 3 });
  });

  it('turns a cancellation into a CANCELLED order fact, whatever the reason', () => {
    for (const cancellationReason of [
      'PAYMENT_FAILED',
      'OUT_OF_STOCK',
      'CUSTOMER_REQUEST',
      'SAGA_TIMEOUT',
      'PAYMENT_AMOUNT_MISMATCH',
    ] as const) {
      const fact = factFor(
        event('ecom.order.cancelled.v1', {
          orderId,
          customerId: 'c',
          cancellationReason,
          refundRequired: cancellationReason === 'SAGA_TIMEOUT' || cancellationReason === 'PAYMENT_AMOUNT_MISMATCH',
          totalAmount: '10.00',
          currency: 'EUR',
        }),
      );
      expect(fact, cancellationReason).toMatchObject({ kind: 'order', status: 'CANCELLED', reachedConfirmed: false });
    }
  });

  it('records payments and refunds', () => {
    const paymentId = '0b6c4b1e-2222-4c1e-9a57-1b2c3d4e5f60';
    expect(
      factFor(
        event('ecom.payment.processed.v1', {
          paymentId,
          orderId,
          customerId: 'c',
          amount: '10.00',
          currency: 'EUR',
          status: 'FAILED',
          paymentMethod: 'card_declined',
          transactionId: null,
          failureReason: 'declined',
        }),
      ),
    ).toEqual({ kind: 'payment', paymentId, orderId, status: 'FAILED' });
    expect(
      factFor(
        event('ecom.payment.refunded.v1', {
          refundId: '0b6c4b1e-1111-4c1e-9a57-1b2c3d4e5f60',
          paymentId,
          orderId,
          customerId: 'c',
          amount: '4.50',
          currency: 'EUR',
          reason: 'x',
        }),
      ),
    ).toMatchObject({ kind: 'refund', amount: '4.50', currency: 'EUR' });
  });

  it('maps stock-level events to the latest state, depleted meaning 0 available', () => {
    expect(
      factFor(event('ecom.inventory.stock-level-warning.v1', { productId: 'p-1', available: 3, threshold: 5 })),
    ).toEqual({ kind: 'stock', productId: 'p-1', state: 'warning', available: 3, at: T });
    expect(factFor(event('ecom.inventory.stock-depleted.v1', { productId: 'p-1' }))).toMatchObject({
      state: 'depleted',
      available: 0,
    });
    expect(
      factFor(event('ecom.inventory.stock-level-normalized.v1', { productId: 'p-1', available: 9, threshold: 5 })),
    ).toMatchObject({ state: 'normalized', available: 9 });
    // Without a time the latest state cannot be told: not applied.
    expect(factFor(event('ecom.inventory.stock-depleted.v1', { productId: 'p-1' }, 'garbage'))).toBeUndefined();
  });

  it('takes shipment created and delivered times; other shipment statuses add nothing', () => {
    expect(
      factFor(
        event('ecom.shipment.created.v1', {
          shipmentId,
          orderId,
          customerId: 'c',
          carrier: 'DHL',
          trackingNumber: 'T1',
          estimatedDelivery: '2025-03-05',
        }),
      ),
    ).toEqual({ kind: 'shipment', shipmentId, orderId, createdAt: T, deliveredAt: null });
    const status = (s: 'DELIVERED' | 'IN_TRANSIT') =>
      factFor(
        event('ecom.shipment.status-updated.v1', {
          shipmentId,
          orderId,
          customerId: 'c',
          status: s,
          location: 'x',
          timestamp: '2025-03-03T00:00:00.000Z',
        }),
      );
    expect(status('DELIVERED')).toEqual({ kind: 'shipment', shipmentId, orderId, createdAt: null, deliveredAt: T });
    expect(status('IN_TRANSIT')).toBeUndefined();
  });

  it('ignores events it has no figure for', () => {
    expect(
      factFor(
        event('ecom.inventory.stock-reserved.v1', {
          orderId,
          reservationId: '0b6c4b1e-4444-4c1e-9a57-1b2c3d4e5f60',
          items: [{ productId: 'p', quantity: 1 }],
        }),
      ),
    ).toBeUndefined();
  });
});

describe('instant', () => {
  it('normalizes valid date-times and rejects the rest', () => {
    expect(instant('2025-03-01T11:00:00+01:00')).toBe(T);
    expect(instant('nope')).toBeNull();
    expect(instant(undefined)).toBeNull();
  });
});

describe('merging a batch of facts into one per row', () => {
  const order = (status: OrderStatus, times: { createdAt?: string; confirmedAt?: string } = {}): Fact => ({
    kind: 'order',
    orderId,
    status,
    statusRank: statusRank(status),
    totalAmount: '10.00',
    currency: 'EUR',
    createdAt: times.createdAt ?? null,
    confirmedAt: times.confirmedAt ?? null,
    reachedConfirmed: ['CONFIRMED', 'SHIPPED', 'DELIVERED'].includes(status),
  });
  const facts = [
    order('CREATED', { createdAt: T }),
    order('CONFIRMED', { confirmedAt: '2025-03-01T10:00:01.000Z' }),
    order('SHIPPED'),
  ];
  const permutations = (xs: Fact[]): Fact[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations(xs.filter((_, j) => j !== i)).map((p) => [x, ...p]));

  it.each(permutations(facts).map((p) => [p.map((f) => (f as { status: string }).status).join(' → '), p]))(
    'an order seen %s ends SHIPPED with both first-seen times',
    (_, batch) => {
      expect(mergeFacts(batch)).toEqual([
        { ...order('SHIPPED'), createdAt: T, confirmedAt: '2025-03-01T10:00:01.000Z', reachedConfirmed: true },
      ]);
    },
  );

  it('keeps the latest stock state, the later one on a tie', () => {
    const stock = (state: 'warning' | 'depleted' | 'normalized', at: string): Fact => ({
      kind: 'stock',
      productId: 'p',
      state,
      available: state === 'depleted' ? 0 : 3,
      at,
    });
    const later = '2025-03-01T10:00:05.000Z';
    expect(mergeFacts([stock('depleted', later), stock('warning', T)])).toEqual([stock('depleted', later)]);
    expect(mergeFacts([stock('warning', T), stock('normalized', T)])).toEqual([stock('normalized', T)]);
  });

  it('keeps one fact per row and every distinct row', () => {
    const payment = (paymentId: string, status: 'COMPLETED' | 'FAILED'): Fact => ({
      kind: 'payment',
      paymentId,
      orderId,
      status,
    });
    const a = '11111111-1111-4111-8111-111111111111';
    const b = '22222222-2222-4222-8222-222222222222';
    expect(mergeFacts([payment(a, 'COMPLETED'), payment(b, 'FAILED'), payment(a, 'FAILED')])).toEqual([
      payment(a, 'COMPLETED'),
      payment(b, 'FAILED'),
    ]);
  });

  it('folds the created and delivered times of a shipment into one row', () => {
    const shipment = (createdAt: string | null, deliveredAt: string | null): Fact => ({
      kind: 'shipment',
      shipmentId,
      orderId,
      createdAt,
      deliveredAt,
    });
    const delivered = '2025-03-01T11:00:00.000Z';
    expect(mergeFacts([shipment(null, delivered), shipment(T, null)])).toEqual([shipment(T, delivered)]);
  });
});
