import { randomUUID } from 'node:crypto';
import { createEvent, type Event } from '@ecom/kit';
import {
  eventually,
  readTopic,
  startTestService,
  startWebhookSink,
  type TestService,
  type WebhookSink,
} from '@ecom/kit/testing';
import type { EventPayloads, EventType, NotificationSent } from '@ecom/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotificationConfig, notificationService } from './service.js';
import type { Notification } from './store.js';

let running: TestService<NotificationConfig>;
let sink: WebhookSink;

beforeAll(async () => {
  sink = await startWebhookSink();
  running = await startTestService(notificationService, {
    NOTIFICATION_WEBHOOK_URL: sink.url,
    CONSUMER_RETRY_BASE_MS: '20',
  });
});

afterAll(async () => {
  await running?.stop();
  await sink?.close();
});

function event<T extends EventType>(type: T, data: EventPayloads[T], correlationId: string): Event<T> {
  return createEvent('test', type, data, { correlationId });
}

async function list(customerId: string): Promise<Notification[]> {
  const res = await running.app.inject({ url: `/api/notifications?customerId=${encodeURIComponent(customerId)}` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Notification[] }).items;
}

/**
 * Waits until the customer's list holds a notification for each of `sources` (ce_ids) and returns
 * just those, in list order. Other services run against the same topics and may react to the
 * test's events (shipping creates a shipment for a CONFIRMED order), so the list can hold more.
 */
async function notified(customerId: string, sources: string[]): Promise<Notification[]> {
  return eventually(async () => {
    const items = (await list(customerId)).filter((n) => sources.includes(n.sourceEventId));
    return items.length >= sources.length && items.every((n) => n.status === 'SENT') ? items : undefined;
  }, `notifications of ${sources.length} events for ${customerId}, sent`);
}

const updated = (orderId: string, customerId: string, status: 'CONFIRMED' | 'SHIPPED', previousStatus: string) =>
  event(
    'ecom.order.updated.v1',
    {
      orderId,
      customerId,
      status,
      previousStatus: previousStatus as 'CREATED',
      updateReason: 'test',
      totalAmount: '21.00',
      currency: 'EUR',
    },
    orderId,
  );

describe('notification service', () => {
  it('notifies each customer-facing event once, however often it is delivered, and announces it', async () => {
    const orderId = randomUUID();
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const created = event(
      'ecom.order.created.v1',
      {
        orderId,
        customerId,
        items: [{ productId: 'p-1', quantity: 2, price: '10.50' }],
        totalAmount: '21.00',
        currency: 'EUR',
        paymentMethod: 'card',
        status: 'CREATED',
        orderDate: new Date().toISOString(),
      },
      orderId,
    );
    const confirmed = updated(orderId, customerId, 'CONFIRMED', 'CREATED');
    await running.publish(created, confirmed);

    const two = await notified(customerId, [created.id, confirmed.id]);
    expect(two.map((n) => n.template)).toEqual(['order-confirmed', 'order-created']);
    expect(two.map((n) => n.sourceEventId)).toEqual([confirmed.id, created.id]);
    expect(two[1]).toMatchObject({
      customerId,
      orderId,
      channel: 'WEBHOOK',
      status: 'SENT',
      sourceEventType: 'ecom.order.created.v1',
      message: `We received your order ${orderId}: 1 item, total 21.00 EUR.`,
    });

    // Redelivery of the same record: the inbox drops it.
    await running.publish(confirmed);
    // A replay that gets past the inbox (its entry gone): unique(source_event_id) drops it.
    await running.deps.db.query('DELETE FROM inbox WHERE ce_id = $1', [created.id]);
    await running.publish(created);
    // Same key, same partition: once the marker is notified, both duplicates were handled before it.
    const marker = updated(orderId, customerId, 'SHIPPED', 'CONFIRMED');
    await running.publish(marker);

    const three = await notified(customerId, [created.id, confirmed.id, marker.id]);
    expect(three.map((n) => n.template)).toEqual(['order-shipped', 'order-confirmed', 'order-created']);
    // What the receiver got: one request per source event, keyed by its ce_id, none repeated.
    await eventually(async () => (sink.accepted.has(marker.id) ? true : undefined), 'the marker to be delivered');
    expect([created.id, confirmed.id, marker.id].map((id) => sink.received.get(id))).toEqual([1, 1, 1]);
    expect(sink.bodies.get(created.id)).toMatchObject({ notificationId: two[1]?.notificationId, channel: 'WEBHOOK' });

    // NotificationSent: one per source event, keyed by customerId, caused by the source event.
    // The marker's is emitted last on the customer's partition, so once it is read, all are.
    // ecom.notifications is shared and long: match on a header (cheap), decode only our records.
    const sources = new Set([created.id, confirmed.id, marker.id]);
    const records = await readTopic(
      'ecom.notifications',
      (read) => read.some((r) => r.headers.ce_causationid === marker.id),
      60_000,
    );
    const mine = records.filter((r) => sources.has(r.headers.ce_causationid ?? ''));
    const sent = mine.map((r) => JSON.parse(String(r.value)) as NotificationSent);
    expect(sent.map((s) => s.sourceEventId).sort()).toEqual([...sources].sort());
    expect(mine.every((r) => String(r.key) === customerId)).toBe(true);
    const forCreated = mine.find((r) => r.headers.ce_causationid === created.id);
    expect(forCreated?.headers.ce_type).toBe('ecom.notification.sent.v1');
    expect(forCreated?.headers.ce_causationid).toBe(created.id);
    expect(forCreated?.headers.ce_correlationid).toBe(orderId);
    expect(sent.find((s) => s.sourceEventId === created.id)).toMatchObject({
      notificationId: two[1]?.notificationId,
      customerId,
      orderId,
      channel: 'WEBHOOK',
      template: 'order-created',
    });
  });

  it('calls a refusing webhook again with the same Idempotency-Key until it accepts, then marks the row SENT', async () => {
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const orderId = randomUUID();
    const confirmed = updated(orderId, customerId, 'CONFIRMED', 'CREATED');
    sink.refuse(confirmed.id, 3);
    await running.publish(confirmed);
    await running.handled(confirmed);
    const [row] = await notified(customerId, [confirmed.id]);
    expect(row?.status).toBe('SENT');
    expect(sink.received.get(confirmed.id)).toBe(4);
    expect(sink.accepted.get(confirmed.id)).toBe(1);
  });

  it('filters by order and honours limit', async () => {
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const a = randomUUID();
    const b = randomUUID();
    const first = updated(a, customerId, 'CONFIRMED', 'CREATED');
    const second = updated(b, customerId, 'CONFIRMED', 'CREATED');
    await running.publish(first, second);
    await notified(customerId, [first.id, second.id]);
    const byOrder = await running.app.inject({ url: `/api/notifications?customerId=${customerId}&orderId=${b}` });
    const items = (byOrder.json() as { items: Notification[] }).items;
    expect(items.map((n) => n.sourceEventId)).toContain(second.id);
    expect(items.every((n) => n.orderId === b)).toBe(true);
    const limited = await running.app.inject({ url: `/api/notifications?customerId=${customerId}&limit=1` });
    expect((limited.json() as { items: Notification[] }).items).toHaveLength(1);
  });

  it('answers 400 naming customerId when it is missing', async () => {
    const res = await running.app.inject({ url: '/api/notifications?limit=5' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json() as { errors?: Array<{ field: string }> };
    expect(body.errors?.map((e) => e.field)).toEqual([expect.stringContaining('customerId')]);
  });
});
