import { randomUUID } from 'node:crypto';
import { createEvent } from '@ecom/kit';
import { eventually, readTopic, startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOverdue } from './deadline.js';
import { orderMetrics } from './metrics.js';
import { type OrderConfig, orderService } from './service.js';
import { findOrder, lockOrder, type Order } from './store.js';

const TIMEOUT_MS = 3000;

async function create(service: TestService<OrderConfig>): Promise<Order> {
  const res = await service.app.inject({
    method: 'POST',
    url: '/api/orders',
    payload: {
      customerId: `cust-${randomUUID().slice(0, 8)}`,
      items: [{ productId: 'p-1', quantity: 1, price: '4.50' }],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Order;
}

async function current(service: TestService<OrderConfig>, orderId: string): Promise<Order> {
  const order = await findOrder(service.deps.db, orderId);
  if (!order) throw new Error(`order ${orderId} disappeared`);
  return order;
}

describe('saga deadline with two replicas sweeping the same table', () => {
  let a: TestService<OrderConfig>;
  let b: TestService<OrderConfig>;
  const env = { ORDER_SAGA_TIMEOUT_MS: String(TIMEOUT_MS), ORDER_SAGA_SCAN_MS: '50' };

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestService(orderService, env), startTestService(orderService, env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('cancels each order left CREATED exactly once, with SAGA_TIMEOUT, no earlier than the deadline', async () => {
    const waiting = await Promise.all(Array.from({ length: 10 }, () => create(a)));
    const paidOnly = await create(a);
    const joined = await create(a);
    const payment = (o: Order) =>
      createEvent(
        'test',
        'ecom.payment.processed.v1',
        {
          paymentId: randomUUID(),
          orderId: o.orderId,
          customerId: o.customerId,
          amount: o.totalAmount,
          currency: o.currency,
          status: 'COMPLETED',
          paymentMethod: o.paymentMethod,
          transactionId: 'tx-1',
          failureReason: null,
        },
        { correlationId: o.orderId },
      );
    const reserved = createEvent(
      'test',
      'ecom.inventory.stock-reserved.v1',
      { orderId: joined.orderId, reservationId: randomUUID(), items: [{ productId: 'p-1', quantity: 1 }] },
      { correlationId: joined.orderId },
    );
    await a.publish(payment(paidOnly), payment(joined), reserved);

    const timedOut = [...waiting, paidOnly];
    const cancelled = await eventually(async () => {
      const now = await Promise.all(timedOut.map((o) => current(a, o.orderId)));
      return now.every((o) => o.status === 'CANCELLED') ? now : undefined;
    }, 'every waiting order to be cancelled by the deadline');
    for (const order of cancelled) {
      expect(order.cancellationReason).toBe('SAGA_TIMEOUT');
      const waited = Date.parse(order.cancelledAt ?? '') - Date.parse(order.createdAt);
      expect(waited, order.orderId).toBeGreaterThanOrEqual(TIMEOUT_MS);
    }
    // The order whose outcomes both came in time is left alone, also after its deadline.
    expect((await current(a, joined.orderId)).status).toBe('CONFIRMED');

    await Promise.all([a.flushOutbox(), b.flushOutbox()]);
    const isCancel = (orderId: string) => (r: { headers: Record<string, string | undefined> }) =>
      r.headers.ce_subject === orderId && r.headers.ce_type === 'ecom.order.cancelled.v1';
    const records = await readTopic('ecom.orders', (rs) => timedOut.every((o) => rs.some(isCancel(o.orderId))));
    for (const order of timedOut) {
      const mine = records.filter(isCancel(order.orderId));
      expect(mine, order.orderId).toHaveLength(1);
      expect(JSON.parse(String(mine[0]?.value))).toEqual({
        orderId: order.orderId,
        customerId: order.customerId,
        cancellationReason: 'SAGA_TIMEOUT',
        // Money was taken for this one: the cancel says it goes back.
        refundRequired: order.orderId === paidOnly.orderId,
        totalAmount: '4.50',
        currency: 'USD',
      });
      expect(mine[0]?.headers.ce_correlationid).toBe(order.orderId);
    }
    expect(records.some(isCancel(joined.orderId))).toBe(false);

    const counted = await Promise.all(
      [a, b].map(async (s) => (await orderMetrics(s.deps.registry).sagaTimeouts.get()).values[0]?.value ?? 0),
    );
    expect(counted.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(timedOut.length);
  });
});

describe('a deadline sweep beside a transaction that holds an order', () => {
  let service: TestService<OrderConfig>;

  beforeAll(async () => {
    // The default deadline: this service's own worker stays out of the way; the test sweeps.
    service = await startTestService(orderService);
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('skips the held order instead of waiting for it, and cancels it on a later sweep', async () => {
    const [held, free] = await Promise.all([create(service), create(service)]);
    const metrics = orderMetrics(service.deps.registry);
    // A deadline of 0 makes every CREATED order overdue. The held order is locked as a consumer
    // applying an outcome (or another replica's sweep) would lock it; a sweep that waited for that
    // lock would never return here, since the lock is only released after the sweep.
    await service.deps.db.transaction(async (tx) => {
      await lockOrder(tx, held.orderId);
      await sweepOverdue(service.deps, metrics, 0, 10_000);
      expect((await current(service, free.orderId)).status).toBe('CANCELLED');
      expect((await current(service, held.orderId)).status).toBe('CREATED');
    });
    await sweepOverdue(service.deps, metrics, 0, 10_000);
    expect(await current(service, held.orderId)).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'SAGA_TIMEOUT',
    });
  });
});
