import { randomUUID } from 'node:crypto';
import { createEvent, EventCodec } from '@ecom/kit';
import { eventually, expectProblem, readTopic, startTestService, type TestService } from '@ecom/kit/testing';
import type { EventPayloads, EventType } from '@ecom/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrderConfig, orderService } from './service.js';
import type { Order } from './store.js';

const codec = new EventCodec();
let running: TestService<OrderConfig>;

beforeAll(async () => {
  running = await startTestService(orderService, { ORDER_MAX_LINES: '3' });
});

afterAll(async () => {
  await running?.stop();
});

async function publish<T extends EventType>(type: T, data: EventPayloads[T], correlationId: string): Promise<void> {
  await running.publish(createEvent('test', type, data, { correlationId }));
}

const customer = () => `cust-${randomUUID().slice(0, 8)}`;
const body = (customerId: string, extra: Record<string, unknown> = {}) => ({
  customerId,
  items: [
    { productId: 'p-1', quantity: 2, price: '10.25' },
    { productId: 'p-2', quantity: 1, price: '0.5' },
  ],
  ...extra,
});

async function create(customerId = customer(), extra: Record<string, unknown> = {}): Promise<Order> {
  const res = await running.app.inject({ method: 'POST', url: '/api/orders', payload: body(customerId, extra) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Order;
}

async function get(orderId: string): Promise<Order> {
  return (await running.app.inject(`/api/orders/${orderId}`)).json() as Order;
}

async function rowsFor(customerId: string): Promise<number> {
  const { rows } = await running.deps.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM orders WHERE customer_id = $1',
    [customerId],
  );
  return Number(rows[0]?.n);
}

describe('order API: bad input is a problem naming the field and writes nothing', () => {
  it('POST /api/orders', async () => {
    const customerId = customer();
    const cases: Array<[unknown, string]> = [
      [{ items: body(customerId).items }, '/customerId'],
      [{ ...body(customerId), items: [] }, '/items'],
      [{ ...body(customerId), items: [{ productId: 'p', quantity: 0, price: '1.00' }] }, '/items/0/quantity'],
      [{ ...body(customerId), items: [{ productId: 'p', quantity: 1.5, price: '1.00' }] }, '/items/0/quantity'],
      [{ ...body(customerId), items: [{ productId: 'p', quantity: 1, price: '-1' }] }, '/items/0/price'],
      [{ ...body(customerId), items: [{ productId: 'p', quantity: 1, price: 1.5 }] }, '/items/0/price'],
      [{ ...body(customerId), items: [{ productId: 'p', quantity: 1 }] }, '/items/0/price'],
      [
        { ...body(customerId), items: ['a', 'b', 'c', 'd'].map((p) => ({ productId: p, quantity: 1, price: '1' })) },
        '/items',
      ],
      [
        {
          ...body(customerId),
          items: [
            { productId: 'p', quantity: 1, price: '1' },
            { productId: 'p', quantity: 2, price: '1' },
          ],
        },
        '/items/1/productId',
      ],
      [{ ...body(customerId), totalAmount: '21.01' }, '/totalAmount'],
      [{ ...body(customerId), totalAmount: 21 }, '/totalAmount'],
      [{ ...body(customerId), currency: 'usd' }, '/currency'],
      [{ ...body(customerId), paymentMethod: '' }, '/paymentMethod'],
      [{ ...body(customerId), extra: 1 }, '/extra'],
    ];
    for (const [payload, field] of cases) {
      const res = await running.app.inject({ method: 'POST', url: '/api/orders', payload: payload as object });
      expectProblem(res, 400, [field]);
    }
    expect(await rowsFor(customerId)).toBe(0);
  });

  it('GET, PUT and DELETE', async () => {
    const order = await create();
    expectProblem(await running.app.inject('/api/orders/not-a-uuid'), 400, ['/orderId']);
    expectProblem(await running.app.inject('/api/orders?limit=0'), 400, ['/limit']);
    expectProblem(await running.app.inject('/api/orders?status=LOST'), 400, ['/status']);
    expectProblem(await running.app.inject('/api/orders?colour=red'), 400, ['/colour']);
    const put = (url: string, payload: object) => running.app.inject({ method: 'PUT', url, payload });
    expectProblem(await put(`/api/orders/${order.orderId}`, { status: 'LOST', updateReason: 'x' }), 400, ['/status']);
    expectProblem(await put(`/api/orders/${order.orderId}`, { status: 'CONFIRMED' }), 400, ['/updateReason']);
    expectProblem(await put('/api/orders/nope', { status: 'CONFIRMED', updateReason: 'x' }), 400, ['/orderId']);
    expectProblem(await running.app.inject({ method: 'DELETE', url: '/api/orders/nope' }), 400, ['/orderId']);
    // Unknown ids are 404s.
    const unknown = randomUUID();
    expectProblem(await running.app.inject(`/api/orders/${unknown}`), 404);
    expectProblem(await put(`/api/orders/${unknown}`, { status: 'CONFIRMED', updateReason: 'x' }), 404);
    expectProblem(await running.app.inject({ method: 'DELETE', url: `/api/orders/${unknown}` }), 404);
    // Nothing changed.
    expect(await get(order.orderId)).toEqual({ ...order, deadLetters: [] });
  });
});

describe('order API flows', () => {
  it('creates an order with a computed total and publishes OrderCreated', async () => {
    const customerId = customer();
    const res = await running.app.inject({
      method: 'POST',
      url: '/api/orders',
      payload: body(customerId, { totalAmount: '21' }),
    });
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json() as Order;
    expect(res.headers.location).toBe(`/api/orders/${order.orderId}`);
    expect(order).toMatchObject({
      customerId,
      totalAmount: '21.00',
      currency: 'USD',
      paymentMethod: 'card',
      status: 'CREATED',
      paymentStatus: 'PENDING',
      reservationStatus: 'PENDING',
      refundedAmount: '0.00',
      cancellationReason: null,
      confirmedAt: null,
    });
    expect(order.items[1]).toEqual({ productId: 'p-2', quantity: 1, price: '0.50' });
    expect(await get(order.orderId)).toEqual({ ...order, deadLetters: [] });

    const records = await readTopic('ecom.orders', (rs) => rs.some((r) => r.headers.ce_subject === order.orderId));
    const event = codec.decode(records.find((r) => r.headers.ce_subject === order.orderId) as (typeof records)[number]);
    expect(event.type).toBe('ecom.order.created.v1');
    expect(event.correlationId).toBe(order.orderId);
    expect(event.data).toMatchObject({ orderId: order.orderId, totalAmount: '21.00', status: 'CREATED' });
  });

  it('replays a POST retried with the same Idempotency-Key instead of creating a second order', async () => {
    const customerId = customer();
    const send = () =>
      running.app.inject({
        method: 'POST',
        url: '/api/orders',
        headers: { 'idempotency-key': `k-${customerId}` },
        payload: body(customerId),
      });
    const first = await send();
    const again = await send();
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((again.json() as Order).orderId).toBe((first.json() as Order).orderId);
    expect(await rowsFor(customerId)).toBe(1);
  });

  it('lists by customer and status, newest first, with a limit', async () => {
    const customerId = customer();
    const first = await create(customerId);
    const second = await create(customerId);
    const list = (await running.app.inject(`/api/orders?customerId=${customerId}`)).json() as { items: Order[] };
    expect(list.items.map((o) => o.orderId)).toEqual([second.orderId, first.orderId]);
    const limited = (await running.app.inject(`/api/orders?customerId=${customerId}&limit=1`)).json() as {
      items: Order[];
    };
    expect(limited.items.map((o) => o.orderId)).toEqual([second.orderId]);
    await running.app.inject({ method: 'DELETE', url: `/api/orders/${first.orderId}` });
    const cancelled = (await running.app.inject(`/api/orders?customerId=${customerId}&status=CANCELLED`)).json() as {
      items: Order[];
    };
    expect(cancelled.items.map((o) => o.orderId)).toEqual([first.orderId]);
  });

  it('takes no manual transition the saga decides: CONFIRMED, SHIPPED and DELIVERED are 409s that say why', async () => {
    const order = await create();
    const put = (status: string) =>
      running.app.inject({
        method: 'PUT',
        url: `/api/orders/${order.orderId}`,
        payload: { status, updateReason: 'operator' },
      });
    const refused = async (status: string, detail: RegExp) => {
      const res = await put(status);
      expectProblem(res, 409, [], status);
      expect((res.json() as { detail: string }).detail).toMatch(detail);
    };
    await refused('CONFIRMED', /confirmed only by its completed payment of the order total and its reservation/);
    await refused('SHIPPED', /ships only when shipping creates its shipment/);
    await refused('DELIVERED', /delivered only when its shipment is/);
    await refused('CREATED', /CREATED to CREATED by hand: allowed: CANCELLED/);
    const unchanged = await get(order.orderId);
    expect(unchanged).toMatchObject({ status: 'CREATED', confirmedAt: null, shippedAt: null, deliveredAt: null });
    const cancelled = await put('CANCELLED');
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
    await refused('CONFIRMED', /CANCELLED to CONFIRMED by hand: .*no manual change is allowed/);
  });

  it('cancels CREATED and CONFIRMED orders, then refuses', async () => {
    const order = await create();
    const res = await running.app.inject({ method: 'DELETE', url: `/api/orders/${order.orderId}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
    expectProblem(await running.app.inject({ method: 'DELETE', url: `/api/orders/${order.orderId}` }), 409);
    const records = await readTopic('ecom.orders', (rs) =>
      rs.some((r) => r.headers.ce_subject === order.orderId && r.headers.ce_type === 'ecom.order.cancelled.v1'),
    );
    const cancel = records.find(
      (r) => r.headers.ce_subject === order.orderId && r.headers.ce_type === 'ecom.order.cancelled.v1',
    );
    expect(JSON.parse(String(cancel?.value))).toMatchObject({
      cancellationReason: 'CUSTOMER_REQUEST',
      refundRequired: false,
      totalAmount: '21.00',
    });
  });
});

describe('the saga, driven by events', () => {
  const paid = (
    o: Order,
    status: 'COMPLETED' | 'FAILED' = 'COMPLETED',
    captured: { amount: string; currency: string } = { amount: o.totalAmount, currency: o.currency },
  ) =>
    publish(
      'ecom.payment.processed.v1',
      {
        paymentId: randomUUID(),
        orderId: o.orderId,
        customerId: o.customerId,
        ...captured,
        status,
        paymentMethod: o.paymentMethod,
        transactionId: status === 'COMPLETED' ? 'tx-1' : null,
        failureReason: status === 'COMPLETED' ? null : 'declined',
      },
      o.orderId,
    );
  const reserved = (o: Order) =>
    publish(
      'ecom.inventory.stock-reserved.v1',
      { orderId: o.orderId, reservationId: randomUUID(), items: [{ productId: 'p-1', quantity: 2 }] },
      o.orderId,
    );
  const outOfStock = (o: Order) =>
    publish(
      'ecom.inventory.reservation-failed.v1',
      { orderId: o.orderId, reason: 'OUT_OF_STOCK', items: [{ productId: 'p-1', requested: 2, available: 0 }] },
      o.orderId,
    );
  const status = (o: Order, want: string) =>
    eventually(async () => {
      const now = await get(o.orderId);
      return now.status === want ? now : undefined;
    }, `order ${o.orderId} ${want}`);

  it('confirms when payment and reservation succeed, in either order', async () => {
    const a = await create();
    const b = await create();
    await paid(a);
    await reserved(a);
    await reserved(b);
    await paid(b);
    for (const o of [a, b]) {
      const confirmed = await status(o, 'CONFIRMED');
      expect(confirmed).toMatchObject({ paymentStatus: 'COMPLETED', reservationStatus: 'RESERVED' });
      expect(Date.parse(confirmed.confirmedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(confirmed.createdAt));
    }
    const records = await readTopic('ecom.orders', (rs) =>
      [a, b].every((o) =>
        rs.some((r) => r.headers.ce_subject === o.orderId && r.headers.ce_type === 'ecom.order.updated.v1'),
      ),
    );
    const update = records.find(
      (r) => r.headers.ce_subject === a.orderId && r.headers.ce_type === 'ecom.order.updated.v1',
    );
    expect(JSON.parse(String(update?.value))).toMatchObject({ status: 'CONFIRMED', previousStatus: 'CREATED' });
    const metrics = await running.deps.registry.getSingleMetricAsString('saga_completion_seconds');
    expect(metrics).toMatch(/saga_completion_seconds_count\{[^}]*\} [1-9]/);
  });

  it('cancels on a failed payment or reservation, records late outcomes, ships and delivers', async () => {
    const declined = await create();
    await paid(declined, 'FAILED');
    expect(await status(declined, 'CANCELLED')).toMatchObject({ cancellationReason: 'PAYMENT_FAILED' });

    const noStock = await create();
    await paid(noStock);
    await outOfStock(noStock);
    await reserved(noStock); // a conflicting late outcome: ignored
    // The two outcomes travel on different topics: wait for both to be applied.
    const cancelled = await eventually(async () => {
      const now = await get(noStock.orderId);
      return now.status === 'CANCELLED' && now.paymentStatus === 'COMPLETED' ? now : undefined;
    }, 'out-of-stock cancel with the payment recorded');
    expect(cancelled).toMatchObject({ cancellationReason: 'OUT_OF_STOCK', reservationStatus: 'FAILED' });
    await publish(
      'ecom.payment.refunded.v1',
      {
        refundId: randomUUID(),
        paymentId: randomUUID(),
        orderId: noStock.orderId,
        customerId: noStock.customerId,
        amount: noStock.totalAmount,
        currency: noStock.currency,
        reason: 'order cancelled',
      },
      noStock.orderId,
    );
    await eventually(
      async () => ((await get(noStock.orderId)).refundedAmount === '21.00' ? true : undefined),
      'refund',
    );

    const shipped = await create();
    await paid(shipped);
    await reserved(shipped);
    await status(shipped, 'CONFIRMED');
    const shipmentId = randomUUID();
    await publish(
      'ecom.shipment.created.v1',
      {
        shipmentId,
        orderId: shipped.orderId,
        customerId: shipped.customerId,
        carrier: 'UPS',
        trackingNumber: 'T1',
        estimatedDelivery: '2030-01-01',
      },
      shipped.orderId,
    );
    expect((await status(shipped, 'SHIPPED')).shippedAt).not.toBeNull();
    await publish(
      'ecom.shipment.status-updated.v1',
      {
        shipmentId,
        orderId: shipped.orderId,
        customerId: shipped.customerId,
        status: 'DELIVERED',
        location: 'door',
        timestamp: new Date().toISOString(),
      },
      shipped.orderId,
    );
    expect((await status(shipped, 'DELIVERED')).deliveredAt).not.toBeNull();
  });

  it('cancels, refund required, an order whose payment captured another amount or currency', async () => {
    const underpaid = await create();
    const otherCurrency = await create();
    await reserved(underpaid);
    await paid(underpaid, 'COMPLETED', { amount: '0.01', currency: underpaid.currency });
    await paid(otherCurrency, 'COMPLETED', { amount: otherCurrency.totalAmount, currency: 'EUR' });
    await reserved(otherCurrency);
    for (const o of [underpaid, otherCurrency]) {
      // Both outcomes applied (they travel on different topics), and still not confirmed.
      const cancelled = await eventually(async () => {
        const now = await get(o.orderId);
        return now.status === 'CANCELLED' && now.reservationStatus === 'RESERVED' ? now : undefined;
      }, `order ${o.orderId} cancelled with its reservation recorded`);
      expect(cancelled).toMatchObject({
        cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
        paymentStatus: 'COMPLETED',
        confirmedAt: null,
      });
    }
    const ofOrders = (rs: Awaited<ReturnType<typeof readTopic>>) =>
      rs.filter((r) => r.headers.ce_subject === underpaid.orderId || r.headers.ce_subject === otherCurrency.orderId);
    const records = await readTopic(
      'ecom.orders',
      (rs) => ofOrders(rs).filter((r) => r.headers.ce_type === 'ecom.order.cancelled.v1').length === 2,
    );
    const events = ofOrders(records).map((r) => codec.decode(r));
    // The created events and one cancel each: no OrderUpdated (CONFIRMED) was ever published.
    expect(events.map((e) => e.type).sort()).toEqual([
      'ecom.order.cancelled.v1',
      'ecom.order.cancelled.v1',
      'ecom.order.created.v1',
      'ecom.order.created.v1',
    ]);
    for (const o of [underpaid, otherCurrency]) {
      const cancel = events.find((e) => e.type === 'ecom.order.cancelled.v1' && e.subject === o.orderId);
      expect(cancel?.data).toEqual({
        orderId: o.orderId,
        customerId: o.customerId,
        cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
        refundRequired: true,
        totalAmount: '21.00',
        currency: 'USD',
      });
    }
  });
});
