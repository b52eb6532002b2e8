import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEvent, type Event, migrate, openDb } from '@ecom/kit';
import {
  eventually,
  startTestService,
  type TestService,
  testDatabaseUrl,
  testLogger,
  uniqueName,
} from '@ecom/kit/testing';
import type { EventPayloads, EventType } from '@ecom/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fact, factFor } from './domain/facts.js';
import { gaugeSamples } from './domain/summary.js';
import { type AnalyticsConfig, analyticsService } from './service.js';
import { applyFacts } from './store.js';
import { readSummary } from './summary.js';

/** A random ISO-shaped currency code: the revenue of that currency is this run's alone. */
const testCurrency = () =>
  `Q${String.fromCharCode(65 + Math.floor(Math.random() * 26))}${String.fromCharCode(65 + Math.floor(Math.random() * 26))}`;

/** An event with a chosen ce_time, so the durations the summary reports are known exactly. */
function event<T extends EventType>(type: T, data: EventPayloads[T], correlationId: string, at: number): Event<T> {
  return { ...createEvent('test', type, data, { correlationId }), time: new Date(at).toISOString() };
}

/** The scripted flow: A confirmed, shipped and delivered; B confirmed then cancelled and refunded; C payment failed. */
function scriptedFlow(currency: string, base: number, confirmAfter: [number, number] = [2, 4]) {
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const shipmentId = randomUUID();
  const customerId = uniqueName('cust');
  const lowProduct = uniqueName('p-low');
  const okProduct = uniqueName('p-ok');
  const s = (n: number) => base + n * 1000;
  const order = (orderId: string, totalAmount: string) => ({ orderId, customerId, totalAmount, currency });
  const created = (orderId: string, totalAmount: string, at: number) =>
    event(
      'ecom.order.created.v1',
      {
        ...order(orderId, totalAmount),
        items: [{ productId: okProduct, quantity: 1, price: totalAmount }],
        paymentMethod: 'card',
        status: 'CREATED',
        orderDate: new Date(at).toISOString(),
      },
      orderId,
      at,
    );
  const updated = (orderId: string, totalAmount: string, status: 'CONFIRMED' | 'SHIPPED' | 'DELIVERED', at: number) =>
    event(
      'ecom.order.updated.v1',
      { ...order(orderId, totalAmount), status, previousStatus: 'CREATED', updateReason: 'test' },
      orderId,
      at,
    );
  const payment = (orderId: string, amount: string, status: 'COMPLETED' | 'FAILED', at: number) =>
    event(
      'ecom.payment.processed.v1',
      {
        paymentId: randomUUID(),
        orderId,
        customerId,
        amount,
        currency,
        status,
        paymentMethod: 'card',
        transactionId: status === 'COMPLETED' ? 'tx' : null,
        failureReason: status === 'FAILED' ? 'declined' : null,
      },
      orderId,
      at,
    );
  const cancelled = (orderId: string, totalAmount: string, reason: 'PAYMENT_FAILED' | 'CUSTOMER_REQUEST', at: number) =>
    event(
      'ecom.order.cancelled.v1',
      { ...order(orderId, totalAmount), cancellationReason: reason, refundRequired: reason === 'CUSTOMER_REQUEST' },
      orderId,
      at,
    );
  const events: Event[] = [
    // Out of order on purpose: the refund and the payments before the orders they are about.
    event(
      'ecom.payment.refunded.v1',
      {
        refundId: randomUUID(),
        paymentId: randomUUID(),
        orderId: b,
        customerId,
        amount: '12.00',
        currency,
        reason: 'x',
      },
      b,
      s(20),
    ),
    payment(a, '30.00', 'COMPLETED', s(1)),
    payment(b, '12.00', 'COMPLETED', s(1)),
    payment(c, '5.00', 'FAILED', s(1)),
    created(a, '30.00', s(0)),
    updated(a, '30.00', 'CONFIRMED', s(confirmAfter[0])),
    updated(a, '30.00', 'SHIPPED', s(10)),
    updated(a, '30.00', 'DELIVERED', s(70)),
    created(b, '12.00', s(0)),
    updated(b, '12.00', 'CONFIRMED', s(confirmAfter[1])),
    cancelled(b, '12.00', 'CUSTOMER_REQUEST', s(15)),
    created(c, '5.00', s(0)),
    cancelled(c, '5.00', 'PAYMENT_FAILED', s(2)),
    event(
      'ecom.shipment.created.v1',
      {
        shipmentId,
        orderId: a,
        customerId,
        carrier: 'DHL',
        trackingNumber: 'T1',
        estimatedDelivery: new Date(s(0)).toISOString().slice(0, 10),
      },
      a,
      s(9),
    ),
    event(
      'ecom.shipment.status-updated.v1',
      {
        shipmentId,
        orderId: a,
        customerId,
        status: 'DELIVERED',
        location: 'door',
        timestamp: new Date(s(69)).toISOString(),
      },
      a,
      s(69),
    ),
    event(
      'ecom.inventory.stock-level-warning.v1',
      { productId: lowProduct, available: 2, threshold: 5 },
      lowProduct,
      s(1),
    ),
    event('ecom.inventory.stock-depleted.v1', { productId: lowProduct }, lowProduct, s(3)),
    event(
      'ecom.inventory.stock-level-warning.v1',
      { productId: okProduct, available: 1, threshold: 5 },
      okProduct,
      s(1),
    ),
    event(
      'ecom.inventory.stock-level-normalized.v1',
      { productId: okProduct, available: 9, threshold: 5 },
      okProduct,
      s(5),
    ),
  ];
  return { a, b, c, shipmentId, lowProduct, okProduct, events };
}

describe('analytics service against the broker', () => {
  let running: TestService<AnalyticsConfig>;

  beforeAll(async () => {
    running = await startTestService(analyticsService);
  });

  afterAll(async () => {
    await running?.stop();
  });

  const summary = async () => {
    const res = await running.app.inject('/api/analytics/summary');
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Awaited<ReturnType<typeof readSummary>>;
  };

  it('folds a scripted flow into the summary and the gauges', async () => {
    const currency = testCurrency();
    const before = await summary();
    const flow = scriptedFlow(currency, Date.now() - 600_000);
    await running.publish(...flow.events);

    // Other tests share the topics and the group's aggregates: assert this flow's own rows
    // exactly, and the global figures as at least its contribution.
    const db = running.deps.db;
    await eventually(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM order_facts WHERE order_id = ANY($1) AND created_at IS NOT NULL
                     AND status IN ('DELIVERED', 'CANCELLED'))
                + (SELECT count(*) FROM payment_facts WHERE order_id = ANY($1))
                + (SELECT count(*) FROM refund_facts WHERE order_id = ANY($1))
                + (SELECT count(*) FROM shipment_facts WHERE shipment_id = $2 AND delivered_at IS NOT NULL
                     AND created_at IS NOT NULL)
                + (SELECT count(*) FROM stock_level_facts WHERE product_id = ANY($3)
                     AND state IN ('depleted', 'normalized')) AS n`,
          [[flow.a, flow.b, flow.c], flow.shipmentId, [flow.lowProduct, flow.okProduct]],
        );
        return Number(rows[0]?.n) === 3 + 3 + 1 + 1 + 2 ? true : undefined;
      },
      'the scripted flow consumed',
      120_000,
    );

    const { rows: mine } = await db.query<{ order_id: string; status: string; saga: number | null }>(
      `SELECT order_id, status, extract(epoch FROM confirmed_at - created_at)::float8 AS saga
         FROM order_facts WHERE order_id = ANY($1)`,
      [[flow.a, flow.b, flow.c]],
    );
    const byId = new Map(mine.map((r) => [r.order_id, r]));
    expect(byId.get(flow.a)).toMatchObject({ status: 'DELIVERED', saga: 2 });
    expect(byId.get(flow.b)).toMatchObject({ status: 'CANCELLED', saga: 4 });
    expect(byId.get(flow.c)).toMatchObject({ status: 'CANCELLED', saga: null });

    const after = await summary();
    // A's 30.00 counts; B reached CONFIRMED (12.00) and was refunded 12.00; C never confirmed.
    expect(after.revenue.find((r) => r.currency === currency)).toEqual({ currency, amount: '30.00' });
    expect(before.revenue.find((r) => r.currency === currency)).toBeUndefined();
    expect(after.payments.completed - before.payments.completed).toBeGreaterThanOrEqual(2);
    expect(after.payments.failed - before.payments.failed).toBeGreaterThanOrEqual(1);
    expect(after.payments.successRate).toBeCloseTo(
      after.payments.completed / (after.payments.completed + after.payments.failed),
      10,
    );
    expect(after.sagaCompletionSeconds.count - before.sagaCompletionSeconds.count).toBeGreaterThanOrEqual(2);
    expect(after.deliverySeconds.count - before.deliverySeconds.count).toBeGreaterThanOrEqual(1);
    expect(after.ordersByStatus.DELIVERED).toBeGreaterThanOrEqual(1);
    expect(after.lowStock).toContainEqual({ productId: flow.lowProduct, state: 'depleted', available: 0 });
    expect(after.lowStock.map((p) => p.productId)).not.toContain(flow.okProduct);

    const metrics = await running.app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    const text = metrics.body;
    expect(text).toMatch(new RegExp(`^analytics_revenue\\{currency="${currency}",service="analytics"\\} 30$`, 'm'));
    for (const status of ['CREATED', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED']) {
      expect(text).toMatch(new RegExp(`^analytics_orders\\{status="${status}",service="analytics"\\} \\d+$`, 'm'));
    }
    expect(text).toMatch(/^analytics_payment_success_ratio\{service="analytics"\} [0-9.e-]+$/m);
    expect(text).toMatch(/^analytics_saga_completion_seconds\{quantile="0.99",service="analytics"\} [0-9.e+-]+$/m);
    expect(text).toMatch(/^analytics_delivery_seconds\{quantile="0.5",service="analytics"\} [0-9.e+-]+$/m);
    expect(text).toMatch(/^analytics_low_stock_products\{service="analytics"\} [1-9]\d*$/m);
  });
});

describe('summary query on an isolated schema', () => {
  let db: Awaited<ReturnType<typeof openDb>>;
  const schema = uniqueName('analytics_t').replace('-', '_');

  beforeAll(async () => {
    db = await openDb({ url: testDatabaseUrl(), schema, poolSize: 2 }, testLogger());
    await migrate(db, {
      schema,
      // The summary reads only the analytics tables: the kit's are not needed here.
      sources: [{ name: 'analytics', dir: fileURLToPath(new URL('../migrations/', import.meta.url)) }],
    });
  });

  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.close();
  });

  it('computes exact figures, percentiles by percentile_cont, from facts applied in any order', async () => {
    const currency = 'EUR';
    const base = Date.parse('2025-03-01T10:00:00.000Z');
    const delays: Array<[number, number]> = [
      [1, 4],
      [2, 10],
      [3, 20],
    ];
    const flows = delays.map((d, i) => scriptedFlow(currency, base + i * 100_000, d));
    // First all at once, reversed, in one batch (rows seen several times in it); then again one by
    // one (rows already present): merges are order-independent and idempotent, a batch included.
    const all = flows
      .flatMap((f) => f.events)
      .map(factFor)
      .filter((f): f is Fact => f !== undefined);
    await db.transaction((tx) => applyFacts(tx, [...all].reverse()));
    expect(await readSummary(db)).toMatchObject({
      ordersByStatus: { CREATED: 0, CONFIRMED: 0, SHIPPED: 0, DELIVERED: 3, CANCELLED: 6 },
      revenue: [{ currency: 'EUR', amount: '90.00' }],
      deliverySeconds: { count: 3, p50: 60, p95: 60 },
    });
    for (const fact of all) await db.transaction((tx) => applyFacts(tx, [fact]));
    const s = await readSummary(db);
    expect(s.ordersByStatus).toEqual({ CREATED: 0, CONFIRMED: 0, SHIPPED: 0, DELIVERED: 3, CANCELLED: 6 });
    expect(s.revenue).toEqual([{ currency: 'EUR', amount: '90.00' }]);
    expect(s.payments).toEqual({ completed: 6, failed: 3, successRate: 6 / 9 });
    // Durations 1, 2, 3, 4, 10, 20 s, linear interpolation at (n - 1) * q:
    // p50 at 2.5 → 3.5; p95 at 4.75 → 10 + 0.75 * 10 = 17.5; p99 at 4.95 → 19.5.
    expect(s.sagaCompletionSeconds.count).toBe(6);
    expect(s.sagaCompletionSeconds.p50).toBeCloseTo(3.5, 9);
    expect(s.sagaCompletionSeconds.p95).toBeCloseTo(17.5, 9);
    expect(s.sagaCompletionSeconds.p99).toBeCloseTo(19.5, 9);
    expect(s.deliverySeconds).toEqual({ count: 3, p50: 60, p95: 60 });
    expect(s.lowStock).toHaveLength(3);
    expect(s.lowStock.every((p) => p.state === 'depleted' && p.available === 0)).toBe(true);
    expect(gaugeSamples(s).analytics_low_stock_products).toEqual([{ labels: {}, value: 3 }]);
  });
});
