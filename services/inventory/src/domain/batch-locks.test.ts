import { createEvent, type Event } from '@ecom/kit';
import { orderCancelled, orderCreated, paymentProcessed } from '@ecom/kit/testing';
import { describe, expect, it } from 'vitest';
import { type BatchRows, productsOfBatch, rowsOfBatch } from './batch-locks.js';
import type { ReservationStatus } from './reservation-state.js';

// Order ids sort as a < b < c; products as p1 < p2 < p3.
const A = '0a000000-0000-4000-8000-000000000000';
const B = '0b000000-0000-4000-8000-000000000000';
const C = '0c000000-0000-4000-8000-000000000000';

const line = (productId: string) => ({ productId, quantity: 1 });
const created = (orderId: string, first: string, ...rest: string[]) =>
  orderCreated(orderId, [line(first), ...rest.map(line)]);

const orderUpdated = (orderId: string) =>
  createEvent(
    'test',
    'ecom.order.updated.v1',
    {
      orderId,
      customerId: 'cust-1',
      status: 'CONFIRMED',
      previousStatus: 'CREATED',
      updateReason: 'payment and stock confirmed',
      totalAmount: '1.00',
      currency: 'USD',
    },
    { correlationId: orderId },
  );

describe('rowsOfBatch', () => {
  const cases: { name: string; events: Event[]; rows: BatchRows }[] = [
    { name: 'an empty batch locks nothing', events: [], rows: { orderIds: [], settledOrderIds: [], productIds: [] } },
    {
      name: 'OrderCreated locks its order and the products of its lines, once each, sorted',
      events: [created(B, 'p3', 'p1', 'p3'), created(A, 'p2', 'p1')],
      rows: { orderIds: [A, B], settledOrderIds: [], productIds: ['p1', 'p2', 'p3'] },
    },
    {
      name: 'PaymentProcessed, either outcome, locks its order and settles its stored reservation',
      events: [paymentProcessed(C, 'COMPLETED'), paymentProcessed(A, 'FAILED')],
      rows: { orderIds: [A, C], settledOrderIds: [A, C], productIds: [] },
    },
    {
      name: 'OrderCancelled after OrderCreated in one batch: the lines are named, the order settled',
      events: [created(B, 'p2'), orderCancelled(B), created(A, 'p1')],
      rows: { orderIds: [A, B], settledOrderIds: [B], productIds: ['p1', 'p2'] },
    },
    {
      name: 'a redelivery with a new ce_id counts its rows once',
      events: [paymentProcessed(A, 'COMPLETED'), paymentProcessed(A, 'COMPLETED')],
      rows: { orderIds: [A], settledOrderIds: [A], productIds: [] },
    },
    {
      name: 'an event type the consumer does not handle locks nothing',
      events: [orderUpdated(C), created(A, 'p1')],
      rows: { orderIds: [A], settledOrderIds: [], productIds: ['p1'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(rowsOfBatch(c.events)).toEqual(c.rows);
    });
  }
});

describe('productsOfBatch', () => {
  const rows: BatchRows = { orderIds: [A, B, C], settledOrderIds: [B, C], productIds: ['p3', 'p1'] };
  const reservation = (status: ReservationStatus, ...productIds: string[]) => ({
    status,
    items: productIds.map((productId) => ({ productId, quantity: 2 })),
  });
  const cases: { name: string; reservations: ReturnType<typeof reservation>[]; products: string[] }[] = [
    { name: 'without stored reservations: the named products', reservations: [], products: ['p1', 'p3'] },
    {
      name: 'a HELD reservation (commit or release moves it) adds its products',
      reservations: [reservation('HELD', 'p4', 'p2')],
      products: ['p1', 'p2', 'p3', 'p4'],
    },
    {
      name: 'a COMMITTED reservation (a cancellation puts the goods back) adds its products',
      reservations: [reservation('COMMITTED', 'p5')],
      products: ['p1', 'p3', 'p5'],
    },
    {
      name: 'RELEASED and FAILED reservations move no stock: nothing added',
      reservations: [reservation('RELEASED', 'p6'), reservation('FAILED', 'p7')],
      products: ['p1', 'p3'],
    },
    {
      name: 'products shared by lines and reservations are locked once',
      reservations: [reservation('HELD', 'p3', 'p1'), reservation('COMMITTED', 'p1')],
      products: ['p1', 'p3'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(productsOfBatch(rows, c.reservations)).toEqual(c.products);
    });
  }
});
