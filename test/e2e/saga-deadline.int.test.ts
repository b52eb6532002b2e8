import { toCents } from '@ecom/kit';
import { eventually } from '@ecom/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../support/invariants.js';
import {
  cancellationOf,
  getOrder,
  newId,
  notificationsOf,
  orderReaches,
  paymentsOf,
  placeOrder,
  quiesce,
  seedStock,
  stockOf,
} from '../support/platform.js';
import { Stack } from '../support/stack.js';

// Low enough for a test, high enough that a healthy saga on a busy machine finishes well inside it.
const TIMEOUT_MS = 5000;
const SCAN_MS = 200;
const stack = new Stack({ order: { ORDER_SAGA_TIMEOUT_MS: String(TIMEOUT_MS), ORDER_SAGA_SCAN_MS: String(SCAN_MS) } });

beforeAll(async () => {
  await stack.start();
  // Whatever earlier runs left on the topics is consumed first, so the sagas here run at full speed.
  await quiesce(120_000);
}, 240_000);
afterAll(() => stack.stop());

afterEach(({ task }) => {
  if (task.result?.state === 'fail') console.log(stack.outputs());
});

describe('saga deadline, end to end (six services, real Kafka and PostgreSQL)', () => {
  it('cancels an order whose payment never answers at the deadline, releases its stock, and refunds the late charge', async () => {
    const product = newId('sku');
    const customer = newId('customer');
    await seedStock(product, 5);
    // A healthy order first: the deadline must leave a saga that finished in time alone.
    const healthy = await placeOrder(newId('customer'), [{ productId: product, quantity: 1, price: '3.00' }]);
    await orderReaches(healthy.orderId, ['SHIPPED']);

    await stack.kill('payment');
    const stuck = await placeOrder(customer, [{ productId: product, quantity: 2, price: '15.00' }]);
    // The reservation is made; only the payment outcome is missing.
    await eventually(
      async () => ((await getOrder(stuck.orderId)).reservationStatus === 'RESERVED' ? true : undefined),
      'the reservation',
    );
    expect(await stockOf(product)).toMatchObject({ onHand: 4, reserved: 2, available: 2 });

    const cancelled = await orderReaches(stuck.orderId, ['CANCELLED'], 30_000);
    expect(cancelled).toMatchObject({
      cancellationReason: 'SAGA_TIMEOUT',
      paymentStatus: 'PENDING',
      reservationStatus: 'RESERVED',
    });
    // At the deadline: not before it, and within a few scans after it (slack for a busy machine).
    const waited = Date.parse(cancelled.cancelledAt ?? '') - Date.parse(cancelled.createdAt);
    expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(waited).toBeLessThan(TIMEOUT_MS + 5000);
    expect(await cancellationOf(stuck.orderId)).toMatchObject({
      cancellationReason: 'SAGA_TIMEOUT',
      refundRequired: false,
    });

    // Inventory compensates: the two held units are available again.
    await eventually(
      async () => ((await stockOf(product)).reserved === 0 ? true : undefined),
      'the reservation to be released',
    );
    expect(await stockOf(product)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });

    // Payment comes back and finds OrderCreated, then OrderCancelled, waiting: it charges, then
    // refunds the whole charge, and the order records both.
    await stack.restart('payment');
    const [payment] = await eventually(async () => {
      const payments = await paymentsOf(stuck.orderId);
      return payments[0]?.status === 'COMPLETED' && payments[0].refundedAmount === payments[0].amount
        ? payments
        : undefined;
    }, 'the late charge to be refunded');
    expect(payment?.amount).toBe('30.00');
    const settled = await eventually(async () => {
      const order = await getOrder(stuck.orderId);
      return order.refundedAmount === '30.00' && order.paymentStatus === 'COMPLETED' ? order : undefined;
    }, 'the order to record the late payment and its refund');
    expect(settled).toMatchObject({ status: 'CANCELLED', cancellationReason: 'SAGA_TIMEOUT' });
    expect(toCents(payment?.amount ?? '0') - toCents(payment?.refundedAmount ?? '0')).toBe(0n);

    // The customer is told why, once.
    await quiesce();
    const told = (await notificationsOf(customer)).filter((n) => n.template === 'order-cancelled');
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toMatch(/could not confirm payment and stock in time/);

    // Long past its own deadline, the healthy order is still on its way.
    expect((await getOrder(healthy.orderId)).status).toBe('SHIPPED');
    await checkInvariants({ orderIds: [healthy.orderId, stuck.orderId], seeded: { [product]: 5 } });
  });
});
