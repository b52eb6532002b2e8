// The shipping service in-process against the real broker and PostgreSQL. Topics are shared with
// other tests, so every test uses its own order ids and filters what it reads by key.
import { randomUUID } from 'node:crypto';
import { createEvent, type IncomingRecord } from '@ecom/kit';
import { expectProblem, payloadOf, readKeyEvents, startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShippingConfig, shippingService } from './service.js';

let running: TestService<ShippingConfig>;

beforeAll(async () => {
  running = await startTestService(shippingService, { SHIPPING_ESTIMATED_DAYS: '3' });
});

afterAll(async () => {
  await running?.stop();
});

function orderConfirmed(orderId: string, customerId = 'cust-1') {
  return createEvent(
    'shipping-test',
    'ecom.order.updated.v1',
    {
      orderId,
      customerId,
      status: 'CONFIRMED',
      previousStatus: 'CREATED',
      updateReason: 'payment and stock confirmed',
      totalAmount: '10.00',
      currency: 'USD',
    },
    { correlationId: orderId },
  );
}

function orderCancelled(orderId: string) {
  return createEvent(
    'shipping-test',
    'ecom.order.cancelled.v1',
    {
      orderId,
      customerId: 'cust-1',
      cancellationReason: 'CUSTOMER_REQUEST',
      refundRequired: false,
      totalAmount: '10.00',
      currency: 'USD',
    },
    { correlationId: orderId },
  );
}

function shipmentEvents(orderId: string, type: string, count = 1): Promise<IncomingRecord[]> {
  return readKeyEvents('ecom.shipments', orderId, type, count);
}

async function shipmentsOf(orderId: string) {
  const res = await running.app.inject({ method: 'GET', url: `/api/shipments?orderId=${orderId}` });
  expect(res.statusCode).toBe(200);
  return res.json().items as Array<Record<string, unknown> & { shipmentId: string; status: string }>;
}

async function setStatus(shipmentId: string, status: string, location: string) {
  return running.app.inject({
    method: 'PUT',
    url: `/api/shipments/${shipmentId}/status`,
    payload: { status, location },
  });
}

describe('bad input', () => {
  it('rejects every malformed request with a problem naming the field, and writes nothing', async () => {
    const orderId = randomUUID();
    const someId = randomUUID();
    const cases: { method: 'POST' | 'PUT' | 'GET'; url: string; body?: unknown; field: string }[] = [
      { method: 'POST', url: '/api/shipments', body: { orderId }, field: '/customerId' },
      { method: 'POST', url: '/api/shipments', body: { orderId: 'nope', customerId: 'c' }, field: '/orderId' },
      { method: 'POST', url: '/api/shipments', body: { orderId, customerId: '' }, field: '/customerId' },
      {
        method: 'POST',
        url: '/api/shipments',
        body: { orderId, customerId: 'c', carrier: 'Pigeon' },
        field: '/carrier',
      },
      { method: 'POST', url: '/api/shipments', body: { orderId, customerId: 'c', extra: 1 }, field: '/extra' },
      {
        method: 'PUT',
        url: '/api/shipments/nope/status',
        body: { status: 'IN_TRANSIT', location: 'x' },
        field: '/shipmentId',
      },
      {
        method: 'PUT',
        url: `/api/shipments/${someId}/status`,
        body: { status: 'LOST', location: 'x' },
        field: '/status',
      },
      { method: 'PUT', url: `/api/shipments/${someId}/status`, body: { status: 'IN_TRANSIT' }, field: '/location' },
      {
        method: 'PUT',
        url: `/api/shipments/${someId}/status`,
        body: { status: 'IN_TRANSIT', location: 'x'.repeat(201) },
        field: '/location',
      },
      { method: 'GET', url: '/api/shipments/nope', field: '/shipmentId' },
      { method: 'GET', url: '/api/shipments?orderId=nope', field: '/orderId' },
      { method: 'GET', url: '/api/shipments?limit=0', field: '/limit' },
    ];
    for (const c of cases) {
      const res = await running.app.inject({
        method: c.method,
        url: c.url,
        ...(c.body ? { payload: c.body as object } : {}),
      });
      expectProblem(res, 400, [c.field], `${c.method} ${c.url} ${JSON.stringify(c.body)}`);
    }
    expect(await shipmentsOf(orderId)).toEqual([]);
    expect((await setStatus(someId, 'IN_TRANSIT', 'x')).statusCode).toBe(404);
  });
});

describe('the shipment of a confirmed order', () => {
  it('is created once from OrderUpdated CONFIRMED, however often it is delivered, and moves to DELIVERED', async () => {
    const orderId = randomUUID();
    const confirmed = orderConfirmed(orderId, 'cust-42');
    const confirmedAgain = orderConfirmed(orderId, 'cust-42');
    // The same record twice (a redelivery: same ce_id) and the same update under a new ce_id.
    await running.publish(confirmed, confirmed, confirmedAgain);
    await running.handled(confirmed, confirmedAgain);

    const shipments = await shipmentsOf(orderId);
    expect(shipments).toHaveLength(1);
    const shipment = shipments[0] as (typeof shipments)[number];
    expect(shipment).toMatchObject({ orderId, customerId: 'cust-42', status: 'CREATED', location: null });
    expect(shipment.trackingNumber).toMatch(/^(UPS|DHL|FEDEX)-[0-9A-Z]{12}$/);
    const today = new Date();
    const expected = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 3));
    expect(shipment.estimatedDelivery).toBe(expected.toISOString().slice(0, 10));

    const { shipmentId } = shipment;
    expect((await setStatus(shipmentId, 'PICKED_UP', 'Warehouse 1')).statusCode).toBe(200);
    expect((await setStatus(shipmentId, 'IN_TRANSIT', 'Hub A')).statusCode).toBe(200);
    const backwards = await setStatus(shipmentId, 'PICKED_UP', 'Hub A');
    expect(backwards.statusCode).toBe(409);
    expect(backwards.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(backwards.json().detail).toMatch(/from IN_TRANSIT to PICKED_UP/);
    const delivered = await setStatus(shipmentId, 'DELIVERED', 'Front door');
    expect(delivered.statusCode).toBe(200);
    expect(delivered.json()).toMatchObject({ status: 'DELIVERED', location: 'Front door' });
    // A retried PUT is answered with the shipment and changes nothing; anything else after DELIVERED is refused.
    expect((await setStatus(shipmentId, 'DELIVERED', 'Front door')).statusCode).toBe(200);
    const after = await setStatus(shipmentId, 'OUT_FOR_DELIVERY', 'Van');
    expect(after.statusCode).toBe(409);
    expect(after.json().detail).toMatch(/from DELIVERED to OUT_FOR_DELIVERY/);

    const records = await shipmentEvents(orderId, 'ecom.shipment.status-updated.v1', 3);
    expect(records.map((r) => r.headers.ce_type)).toEqual([
      'ecom.shipment.created.v1',
      'ecom.shipment.status-updated.v1',
      'ecom.shipment.status-updated.v1',
      'ecom.shipment.status-updated.v1',
    ]);
    expect(payloadOf(records[0] as IncomingRecord)).toEqual({
      shipmentId,
      orderId,
      customerId: 'cust-42',
      carrier: shipment.carrier,
      trackingNumber: shipment.trackingNumber,
      estimatedDelivery: shipment.estimatedDelivery,
    });
    expect(records[0]?.headers.ce_causationid).toBe(confirmed.id);
    const last = payloadOf<{ status: string; location: string; timestamp: string }>(records[3] as IncomingRecord);
    expect(last).toMatchObject({ shipmentId, orderId, status: 'DELIVERED', location: 'Front door' });
    expect(Number.isNaN(Date.parse(last.timestamp))).toBe(false);

    const detail = await running.app.inject({ method: 'GET', url: `/api/shipments/${shipmentId}` });
    expect(detail.json().history.map((h: { status: string }) => h.status)).toEqual([
      'CREATED',
      'PICKED_UP',
      'IN_TRANSIT',
      'DELIVERED',
    ]);
    // CREATED is the shipment's own created_at, not a row of its own; a row an earlier version
    // wrote for it does not show twice.
    expect(detail.json().history[0]).toMatchObject({
      status: 'CREATED',
      location: null,
      timestamp: shipment.createdAt,
    });
    const createdRows = async () =>
      (
        await running.deps.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM shipment_history WHERE shipment_id = $1 AND status = 'CREATED'",
          [shipmentId],
        )
      ).rows[0]?.n;
    expect(await createdRows()).toBe('0');
    await running.deps.db.query(
      "INSERT INTO shipment_history (shipment_id, status, at) SELECT shipment_id, 'CREATED', created_at FROM shipments WHERE shipment_id = $1",
      [shipmentId],
    );
    const again = await running.app.inject({ method: 'GET', url: `/api/shipments/${shipmentId}` });
    expect(again.json().history).toEqual(detail.json().history);
  });

  it('is never created for an order cancelled before its CONFIRMED arrives', async () => {
    const orderId = randomUUID();
    const cancelled = orderCancelled(orderId);
    const confirmed = orderConfirmed(orderId);
    await running.publish(cancelled, confirmed);
    await running.handled(cancelled, confirmed);
    expect(await shipmentsOf(orderId)).toEqual([]);
    const manual = await running.app.inject({
      method: 'POST',
      url: '/api/shipments',
      payload: { orderId, customerId: 'cust-1' },
    });
    expect(manual.statusCode).toBe(409);
    expect(await shipmentsOf(orderId)).toEqual([]);
  });
});

describe('POST /api/shipments', () => {
  it('creates one shipment per order (201 with Location), then 409', async () => {
    const orderId = randomUUID();
    const first = await running.app.inject({
      method: 'POST',
      url: '/api/shipments',
      payload: { orderId, customerId: 'cust-7', carrier: 'DHL' },
    });
    expect(first.statusCode).toBe(201);
    const body = first.json();
    expect(body).toMatchObject({ orderId, customerId: 'cust-7', carrier: 'DHL', status: 'CREATED' });
    expect(body.trackingNumber).toMatch(/^DHL-[0-9A-Z]{12}$/);
    expect(first.headers.location).toBe(`/api/shipments/${body.shipmentId}`);

    const second = await running.app.inject({
      method: 'POST',
      url: '/api/shipments',
      payload: { orderId, customerId: 'cust-7' },
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().detail).toMatch(/already has a shipment/);

    // A CONFIRMED arriving afterwards creates nothing more.
    const confirmed = orderConfirmed(orderId, 'cust-7');
    await running.publish(confirmed);
    await running.handled(confirmed);
    expect(await shipmentsOf(orderId)).toHaveLength(1);

    const records = await shipmentEvents(orderId, 'ecom.shipment.created.v1');
    expect(records[0]?.headers.ce_correlationid).toBe(orderId);
  });
});
