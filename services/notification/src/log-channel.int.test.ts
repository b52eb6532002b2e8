// The default channel, the log: nothing outside can refuse it, so the handler stores the
// notification SENT and announces it in its own transaction, with no effect and no second write.
import { randomUUID } from 'node:crypto';
import { createEvent } from '@ecom/kit';
import { readTopic, startTestService, type TestService } from '@ecom/kit/testing';
import type { NotificationSent } from '@ecom/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotificationConfig, notificationService } from './service.js';
import { claimNotifications } from './store.js';

let running: TestService<NotificationConfig>;

beforeAll(async () => {
  running = await startTestService(notificationService, { NOTIFICATION_WEBHOOK_URL: undefined });
});

afterAll(async () => {
  await running?.stop();
});

describe('notifications through the log channel', () => {
  it('are written once, SENT, in the transaction that handled their event, and announced', async () => {
    const orderId = randomUUID();
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const confirmed = createEvent(
      'test',
      'ecom.order.updated.v1',
      {
        orderId,
        customerId,
        status: 'CONFIRMED',
        previousStatus: 'CREATED',
        updateReason: 'test',
        totalAmount: '21.00',
        currency: 'EUR',
      },
      { correlationId: orderId },
    );
    await running.publish(confirmed, confirmed);
    await running.handled(confirmed);

    // xmin is the transaction that wrote the row version: the one that also wrote the inbox entry
    // means the row was inserted by the handler and never updated since (the effect path's
    // markSent would be a later transaction's version).
    const { rows } = await running.deps.db.query<{
      status: string;
      channel: string;
      sent: boolean;
      same_transaction: boolean;
    }>(
      `SELECT n.status, n.channel, n.sent_at IS NOT NULL AS sent, n.xmin::text = i.xmin::text AS same_transaction
       FROM notifications n JOIN inbox i ON i.ce_id = n.source_event_id WHERE n.source_event_id = $1`,
      [confirmed.id],
    );
    expect(rows).toEqual([{ status: 'SENT', channel: 'LOG', sent: true, same_transaction: true }]);
    const effects = await running.deps.db.query(
      "SELECT 1 FROM effects WHERE key = $1 OR context->>'causationId' = $1",
      [confirmed.id],
    );
    expect(effects.rows).toEqual([]);

    // Announced once, caused by the source event, correlated by its order.
    const records = await readTopic(
      'ecom.notifications',
      (read) => read.some((r) => r.headers.ce_causationid === confirmed.id),
      60_000,
    );
    const mine = records.filter((r) => r.headers.ce_causationid === confirmed.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.headers).toMatchObject({ ce_type: 'ecom.notification.sent.v1', ce_correlationid: orderId });
    expect(JSON.parse(String(mine[0]?.value)) as NotificationSent).toMatchObject({
      customerId,
      orderId,
      channel: 'LOG',
      template: 'order-confirmed',
      sourceEventId: confirmed.id,
    });
  });

  it('are claimed for a whole slice with one statement: one row per event, in one transaction; a claimed event never again', async () => {
    const orderId = randomUUID();
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const order = { orderId, customerId, totalAmount: '9.00', currency: 'EUR' };
    const context = { correlationId: orderId };
    // One order's events, one key, one produce: one fetched batch, one slice.
    const updated = (status: 'CONFIRMED' | 'SHIPPED', previousStatus: 'CREATED' | 'CONFIRMED') =>
      createEvent('test', 'ecom.order.updated.v1', { ...order, status, previousStatus, updateReason: 'test' }, context);
    const events = [
      updated('CONFIRMED', 'CREATED'),
      updated('SHIPPED', 'CONFIRMED'),
      createEvent(
        'test',
        'ecom.order.cancelled.v1',
        { ...order, cancellationReason: 'CUSTOMER_REQUEST', refundRequired: true },
        context,
      ),
    ];
    await running.publish(...events);
    await running.handled(...events);
    const { rows } = await running.deps.db.query<{ source_event_id: string; status: string; tx: string }>(
      'SELECT source_event_id, status, xmin::text AS tx FROM notifications WHERE order_id = $1',
      [orderId],
    );
    expect(rows.map((r) => r.source_event_id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(rows.every((r) => r.status === 'SENT')).toBe(true);
    expect(new Set(rows.map((r) => r.tx)).size, 'one transaction for the slice').toBe(1);

    // A claim that repeats one of them (a replay under a new inbox, a second writer) gets only the new one.
    const again = {
      notificationId: randomUUID(),
      customerId,
      orderId,
      channel: 'LOG' as const,
      template: 't',
      message: 'm',
    };
    const fresh = `fresh-${randomUUID()}`;
    const claimed = await running.deps.db.transaction((tx) =>
      claimNotifications(
        tx,
        [
          { ...again, sourceEventId: events[1]?.id ?? '', sourceEventType: 'ecom.order.updated.v1' },
          { ...again, notificationId: randomUUID(), sourceEventId: fresh, sourceEventType: 'ecom.order.updated.v1' },
        ],
        'SENT',
      ),
    );
    expect([...claimed]).toEqual([fresh]);
  });
});
