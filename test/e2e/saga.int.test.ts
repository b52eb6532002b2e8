import { randomUUID } from 'node:crypto';
import { createEvent, EventCodec, openProducer, type RecordProducer } from '@ecom/kit';
import { eventually, readTopic, testKafka } from '@ecom/kit/testing';
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
import { groupsConsuming, groupsHandling } from '../support/services.js';
import { api, Stack } from '../support/stack.js';

const stack = new Stack();
let producer: RecordProducer;

beforeAll(async () => {
  await stack.start();
  producer = await openProducer(testKafka('e2e'));
}, 180_000);

afterAll(async () => {
  await producer?.close();
  await stack.stop();
});

// A failed end-to-end test is hard to read without what the services said.
afterEach(({ task }) => {
  if (task.result?.state === 'fail') console.log(stack.outputs());
});

async function headersOn(topic: string, orderId: string, count: number) {
  const records = await readTopic(topic, (rs) => rs.filter((r) => r.key?.toString() === orderId).length >= count);
  return records.filter((r) => r.key?.toString() === orderId);
}

describe('the order saga, end to end (six services, real Kafka and PostgreSQL)', () => {
  it('takes an order to DELIVERED, with correct CloudEvents headers, keys and correlation on every topic', async () => {
    const product = newId('sku');
    const customer = newId('customer');
    await seedStock(product, 10);
    const order = await placeOrder(customer, [{ productId: product, quantity: 2, price: '12.50' }]);
    expect(order).toMatchObject({ status: 'CREATED', totalAmount: '25.00' });

    await orderReaches(order.orderId, ['SHIPPED']);
    const shipments = await api<{ items: Array<{ shipmentId: string }> }>(
      'shipping',
      'GET',
      `/api/shipments?orderId=${order.orderId}`,
    );
    const shipmentId = shipments.body.items[0]?.shipmentId;
    expect(shipmentId).toBeDefined();
    for (const status of ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED']) {
      const res = await api('shipping', 'PUT', `/api/shipments/${shipmentId}/status`, { status, location: 'Berlin' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const delivered = await orderReaches(order.orderId, ['DELIVERED']);
    expect(delivered.paymentStatus).toBe('COMPLETED');
    expect((await stockOf(product)).onHand).toBe(8);

    const [created, ...orderEvents] = await headersOn('ecom.orders', order.orderId, 4);
    expect(created?.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'ecom.order.created.v1',
      ce_source: '/ecom/order',
      ce_subject: order.orderId,
      ce_correlationid: order.orderId,
      'content-type': 'application/json',
      ce_dataschema: 'https://ecom.dev/schemas/events/ecom.order.created.v1.json',
    });
    expect(created?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const [payment] = await headersOn('ecom.payments', order.orderId, 1);
    expect(payment?.headers).toMatchObject({
      ce_type: 'ecom.payment.processed.v1',
      ce_source: '/ecom/payment',
      ce_correlationid: order.orderId,
      ce_causationid: created?.headers.ce_id,
    });
    const [reserved] = await headersOn('ecom.inventory', order.orderId, 1);
    expect(reserved?.headers).toMatchObject({
      ce_type: 'ecom.inventory.stock-reserved.v1',
      ce_causationid: created?.headers.ce_id,
    });
    const shipmentEvents = await headersOn('ecom.shipments', order.orderId, 4);
    expect(shipmentEvents.map((r) => r.headers.ce_type)).toEqual([
      'ecom.shipment.created.v1',
      'ecom.shipment.status-updated.v1',
      'ecom.shipment.status-updated.v1',
      'ecom.shipment.status-updated.v1',
    ]);
    const traceId = created?.headers.traceparent?.split('-')[1];
    for (const record of [...orderEvents, payment, reserved, ...shipmentEvents]) {
      expect(record?.headers.ce_correlationid).toBe(order.orderId);
      expect(record?.headers.ce_id).toBeTruthy();
    }
    expect(payment?.headers.traceparent?.split('-')[1]).toBe(traceId);
    const confirmed = orderEvents.find((r) => JSON.parse(r.value?.toString() ?? '{}').status === 'CONFIRMED');
    expect(confirmed?.headers.ce_type).toBe('ecom.order.updated.v1');

    await quiesce();
    const notes = await notificationsOf(customer);
    expect(notes.length).toBeGreaterThanOrEqual(5);
    await checkInvariants({ orderIds: [order.orderId], seeded: { [product]: 10 } });
  });

  it('cancels a declined payment (PAYMENT_FAILED) and releases the stock', async () => {
    const product = newId('sku');
    await seedStock(product, 5);
    const order = await placeOrder(newId('customer'), [{ productId: product, quantity: 3, price: '1.00' }], {
      paymentMethod: 'card_declined',
    });
    const cancelled = await orderReaches(order.orderId, ['CANCELLED']);
    expect(cancelled.cancellationReason).toBe('PAYMENT_FAILED');
    await eventually(async () => ((await stockOf(product)).available === 5 ? true : undefined), 'stock released');
    expect((await paymentsOf(order.orderId)).map((p) => p.status)).toEqual(['FAILED']);
    await quiesce();
    await checkInvariants({ orderIds: [order.orderId], seeded: { [product]: 5 } });
  });

  it('cancels an out-of-stock order (OUT_OF_STOCK) and refunds the completed payment', async () => {
    const product = newId('sku');
    await seedStock(product, 1);
    const order = await placeOrder(newId('customer'), [{ productId: product, quantity: 2, price: '40.00' }]);
    const cancelled = await orderReaches(order.orderId, ['CANCELLED']);
    expect(cancelled.cancellationReason).toBe('OUT_OF_STOCK');
    const [payment] = await eventually(async () => {
      const payments = await paymentsOf(order.orderId);
      return payments[0]?.refundedAmount === '80.00' ? payments : undefined;
    }, 'the payment to be refunded');
    expect(payment).toMatchObject({ status: 'COMPLETED', amount: '80.00', refundedAmount: '80.00' });
    await quiesce();
    await checkInvariants({ orderIds: [order.orderId], seeded: { [product]: 1 } });
  });

  it('cancels before shipping with refund and release; refuses to cancel after shipping with 409', async () => {
    const product = newId('sku');
    await seedStock(product, 4);
    // With payment down, the order stays CREATED (stock reserved) while the customer cancels it.
    await stack.kill('payment');
    const early = await placeOrder(newId('customer'), [{ productId: product, quantity: 1, price: '9.99' }]);
    await eventually(
      async () => ((await getOrder(early.orderId)).reservationStatus === 'RESERVED' ? true : undefined),
      'reservation',
    );
    const cancel = await api<{ status: string }>('order', 'DELETE', `/api/orders/${early.orderId}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
    await stack.restart('payment');
    // Payment charges the OrderCreated it missed, then refunds it on the OrderCancelled behind it.
    await eventually(async () => {
      const [payment] = await paymentsOf(early.orderId);
      return payment && payment.refundedAmount === payment.amount ? true : undefined;
    }, 'the late charge to be refunded');

    const late = await placeOrder(newId('customer'), [{ productId: product, quantity: 1, price: '9.99' }]);
    await orderReaches(late.orderId, ['SHIPPED']);
    const refused = await api<{ status: number; detail: string }>('order', 'DELETE', `/api/orders/${late.orderId}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/SHIPPED/);

    await quiesce();
    await checkInvariants({ orderIds: [early.orderId, late.orderId], seeded: { [product]: 4 } });
  });

  it('cancels an order whose payment captured another amount (PAYMENT_AMOUNT_MISMATCH), refunds and releases', async () => {
    const product = newId('sku');
    const customer = newId('customer');
    await seedStock(product, 4);
    // With payment down, the only PaymentProcessed the order sees first is the forged one below.
    await stack.kill('payment');
    const order = await placeOrder(customer, [{ productId: product, quantity: 2, price: '15.00' }]);
    await eventually(
      async () => ((await getOrder(order.orderId)).reservationStatus === 'RESERVED' ? true : undefined),
      'reservation',
    );
    const forged = createEvent(
      'test',
      'ecom.payment.processed.v1',
      {
        paymentId: randomUUID(),
        orderId: order.orderId,
        customerId: customer,
        amount: '0.01',
        currency: 'USD',
        status: 'COMPLETED',
        paymentMethod: 'card',
        transactionId: 'tx-forged',
        failureReason: null,
      },
      { correlationId: order.orderId },
    );
    await producer.send([new EventCodec().encode(forged)]);
    const cancelled = await orderReaches(order.orderId, ['CANCELLED']);
    expect(cancelled).toMatchObject({ cancellationReason: 'PAYMENT_AMOUNT_MISMATCH', confirmedAt: null });
    expect(await cancellationOf(order.orderId)).toMatchObject({
      cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
      refundRequired: true,
    });
    // Inventory gives the stock back (committed on the capture, then released on the cancel).
    await eventually(
      async () => ((await stockOf(product)).available === 4 ? true : undefined),
      'the stock to be released',
    );
    // Payment comes back, charges the OrderCreated it missed and refunds it on the cancel behind it.
    await stack.restart('payment');
    await eventually(async () => {
      const [payment] = await paymentsOf(order.orderId);
      return payment?.status === 'COMPLETED' && payment.refundedAmount === payment.amount ? true : undefined;
    }, 'the charge to be refunded');
    // On ecom.payments: the forged capture, the real charge and its PaymentRefunded.
    const refunds = (await headersOn('ecom.payments', order.orderId, 3)).filter(
      (r) => r.headers.ce_type === 'ecom.payment.refunded.v1',
    );
    expect(refunds.map((r) => JSON.parse(String(r.value)).amount)).toEqual(['30.00']);
    await eventually(
      async () => ((await getOrder(order.orderId)).refundedAmount === '30.00' ? true : undefined),
      'the order to record the refund',
    );

    await quiesce();
    const told = (await notificationsOf(customer)).filter((n) => n.template === 'order-cancelled');
    expect(told.map((n) => n.message)).toEqual([
      `Your order ${order.orderId} was cancelled because the amount charged did not match the order total. The amount charged is being refunded.`,
    ]);
    expect((await getOrder(order.orderId)).status).toBe('CANCELLED');
    await checkInvariants({ orderIds: [order.orderId], seeded: { [product]: 4 } });
  });

  it('confirms exactly one of two concurrent orders for the last unit', async () => {
    const product = newId('sku');
    await seedStock(product, 1);
    const [a, b] = await Promise.all(
      [1, 2].map(() => placeOrder(newId('customer'), [{ productId: product, quantity: 1, price: '3.00' }])),
    );
    const settled = await Promise.all([a, b].map((o) => orderReaches(o?.orderId ?? '', ['SHIPPED', 'CANCELLED'])));
    expect(settled.map((o) => o.status).sort()).toEqual(['CANCELLED', 'SHIPPED']);
    expect(settled.find((o) => o.status === 'CANCELLED')?.cancellationReason).toBe('OUT_OF_STOCK');
    await quiesce();
    await checkInvariants({ orderIds: settled.map((o) => o.orderId), seeded: { [product]: 1 } });
  });

  it('answers a repeated POST with the same Idempotency-Key with the first response, creating nothing new', async () => {
    const product = newId('sku');
    const customer = newId('customer');
    await seedStock(product, 3);
    const key = newId('key');
    const body = { customerId: customer, items: [{ productId: product, quantity: 1, price: '2.00' }] };
    const first = await api<{ orderId: string }>('order', 'POST', '/api/orders', body, { 'idempotency-key': key });
    const second = await api<{ orderId: string }>('order', 'POST', '/api/orders', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const list = await api<{ items: unknown[] }>('order', 'GET', `/api/orders?customerId=${customer}`);
    expect(list.body.items).toHaveLength(1);
  });

  it('changes nothing anywhere when an already processed event is published again', async () => {
    const product = newId('sku');
    const customer = newId('customer');
    await seedStock(product, 5);
    const order = await placeOrder(customer, [{ productId: product, quantity: 2, price: '7.00' }]);
    await orderReaches(order.orderId, ['SHIPPED']);
    await quiesce();
    const before = {
      payments: await paymentsOf(order.orderId),
      stock: await stockOf(product),
      shipments: (await api('shipping', 'GET', `/api/shipments?orderId=${order.orderId}`)).body,
      notifications: (await notificationsOf(customer)).length,
    };
    // Every record the saga produced for this order, published again with its original ce_id.
    const again = [];
    for (const topic of ['ecom.orders', 'ecom.payments', 'ecom.inventory', 'ecom.shipments']) {
      const records = await readTopic(topic, (rs) => rs.some((r) => r.key?.toString() === order.orderId));
      again.push(
        ...records
          .filter((r) => r.key?.toString() === order.orderId)
          .map((r) => ({ topic, key: order.orderId, value: r.value ?? Buffer.alloc(0), headers: r.headers })),
      );
    }
    expect(again.length).toBeGreaterThanOrEqual(5);
    await producer.send(again);
    await quiesce();
    expect(await paymentsOf(order.orderId)).toEqual(before.payments);
    expect(await stockOf(product)).toMatchObject({ onHand: before.stock.onHand, reserved: 0 });
    expect((await api('shipping', 'GET', `/api/shipments?orderId=${order.orderId}`)).body).toEqual(before.shipments);
    expect((await notificationsOf(customer)).length).toBe(before.notifications);
    expect((await getOrder(order.orderId)).status).toBe('SHIPPED');
  });

  it('dead-letters a poison record on ecom.orders with its error headers; the orders behind it complete', async () => {
    const product = newId('sku');
    await seedStock(product, 5);
    const poisonId = newId('poison');
    const sample = await placeOrder(newId('customer'), [{ productId: product, quantity: 1, price: '1.00' }]);
    const poison = {
      topic: 'ecom.orders',
      key: sample.orderId,
      value: Buffer.from('{"this is": "not an order"'),
      headers: {
        ce_specversion: '1.0',
        ce_id: poisonId,
        ce_source: '/test',
        ce_type: 'ecom.order.created.v1',
        ce_time: new Date().toISOString(),
        ce_subject: sample.orderId,
      },
    };
    await producer.send([poison]);
    const behind = await placeOrder(newId('customer'), [{ productId: product, quantity: 1, price: '1.00' }]);
    await orderReaches(behind.orderId, ['SHIPPED']);
    await orderReaches(sample.orderId, ['SHIPPED']);
    // Every group that handles OrderCreated dead-letters it, once; shipping reads ecom.orders for
    // cancellations only and skips the record unread by its ce_type.
    const handling = groupsHandling('ecom.order.created.v1');
    expect(handling).toEqual(['analytics', 'inventory', 'notification', 'payment']);
    expect(groupsConsuming('ecom.orders')).toEqual([...handling, 'shipping']);
    // Read on until nothing more arrives: a letter from a group that should have skipped it must show.
    const letters = await readTopic(
      'ecom.dlq',
      (rs) => rs.filter((r) => r.headers.ce_id === poisonId).length > handling.length,
      30_000,
      { idleMs: 5_000 },
    );
    const mine = letters.filter((r) => r.headers.ce_id === poisonId);
    expect(mine.map((r) => r.headers.dlq_consumer_group).sort()).toEqual(handling);
    for (const letter of mine) {
      expect(letter.key?.toString()).toBe(sample.orderId);
      expect(letter.value?.toString()).toBe(poison.value.toString());
      expect(letter.headers).toMatchObject({
        dlq_original_topic: 'ecom.orders',
        dlq_error_class: 'InvalidJson',
        dlq_attempts: '1',
      });
      expect(letter.headers.dlq_original_offset).toMatch(/^\d+$/);
    }
  });
});

describe('bad input on every route', () => {
  const bad = '00000000-0000-4000-8000-00000000000x';
  const unknownOrder = '4b0c1b52-2a6e-4b8e-9d4e-2f6f3a7c9d10';
  const cases: Array<{
    service: Parameters<typeof api>[0];
    method: string;
    path: string;
    body?: unknown;
    field: string;
  }> = [
    {
      service: 'order',
      method: 'POST',
      path: '/api/orders',
      body: { customerId: 'c', items: [{ productId: 'p', quantity: 0, price: '1.00' }] },
      field: '/items/0/quantity',
    },
    {
      service: 'order',
      method: 'POST',
      path: '/api/orders',
      body: { items: [{ productId: 'p', quantity: 1, price: '1.00' }] },
      field: '/customerId',
    },
    {
      service: 'order',
      method: 'POST',
      path: '/api/orders',
      body: { customerId: 'c', items: [{ productId: 'p', quantity: 1, price: '-1' }] },
      field: '/items/0/price',
    },
    { service: 'order', method: 'GET', path: `/api/orders/${bad}`, field: '/orderId' },
    { service: 'order', method: 'GET', path: '/api/orders?status=LOST', field: '/status' },
    {
      service: 'order',
      method: 'PUT',
      path: `/api/orders/${unknownOrder}`,
      body: { status: 'LOST', updateReason: 'x' },
      field: '/status',
    },
    { service: 'order', method: 'DELETE', path: `/api/orders/${bad}`, field: '/orderId' },
    {
      service: 'payment',
      method: 'POST',
      path: '/api/payments',
      body: { orderId: unknownOrder, amount: 'ten', currency: 'USD', paymentMethod: 'card' },
      field: '/amount',
    },
    { service: 'payment', method: 'POST', path: `/api/payments/${unknownOrder}/refund`, body: {}, field: '/reason' },
    { service: 'payment', method: 'GET', path: `/api/payments/${bad}`, field: '/paymentId' },
    { service: 'payment', method: 'GET', path: '/api/payments?limit=0', field: '/limit' },
    {
      service: 'inventory',
      method: 'PUT',
      path: '/api/inventory/sku-bad-input',
      body: { quantity: 1, operation: 'MULTIPLY', reason: 'RESTOCK' },
      field: '/operation',
    },
    { service: 'inventory', method: 'GET', path: `/api/inventory/${'p'.repeat(101)}`, field: '/productId' },
    { service: 'inventory', method: 'GET', path: '/api/inventory?limit=0', field: '/limit' },
    { service: 'shipping', method: 'POST', path: '/api/shipments', body: { customerId: 'c' }, field: '/orderId' },
    {
      service: 'shipping',
      method: 'PUT',
      path: `/api/shipments/${unknownOrder}/status`,
      body: { status: 'FLYING', location: 'x' },
      field: '/status',
    },
    { service: 'shipping', method: 'GET', path: `/api/shipments/${bad}`, field: '/shipmentId' },
    { service: 'shipping', method: 'GET', path: '/api/shipments?limit=0', field: '/limit' },
    { service: 'notification', method: 'GET', path: '/api/notifications', field: '/customerId' },
  ];

  it.each(cases)(
    '$service $method $path answers 400 problem+json naming $field',
    async ({ service, method, path, body, field }) => {
      const res = await api<{ status: number; errors?: Array<{ field: string }> }>(service, method, path, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors?.map((e) => e.field)).toContain(field);
    },
  );

  it('wrote nothing for any of them', async () => {
    expect((await api('inventory', 'GET', '/api/inventory/sku-bad-input')).status).toBe(404);
    expect((await api<{ items: unknown[] }>('order', 'GET', '/api/orders?customerId=c')).body.items).toEqual([]);
    expect(
      (await api<{ items: unknown[] }>('payment', 'GET', `/api/payments?orderId=${unknownOrder}`)).body.items,
    ).toEqual([]);
    expect(
      (await api<{ items: unknown[] }>('shipping', 'GET', `/api/shipments?orderId=${unknownOrder}`)).body.items,
    ).toEqual([]);
  });
});
