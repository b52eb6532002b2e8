// The invariants of ARCHITECTURE section 4, checked by reading every service's API: every order
// settled; money charged minus refunded equals the total for live orders and zero for cancelled
// ones; stock conserved and never negative; each customer notification sent once.
import { type IncomingRecord, openTopicAdmin, toCents } from '@ecom/kit';
import { readTopic, testKafka, type WebhookSink } from '@ecom/kit/testing';
import { expect } from 'vitest';
import { getOrder, notificationsOf, type Order, ordersOf, paymentsOf, SETTLED, stockOf } from './platform.js';

export interface Scenario {
  orderIds: string[];
  /** Units seeded per product before the orders. */
  seeded: Record<string, number>;
  /**
   * Customers whose every order is checked, found by listing: an order whose response was lost
   * (client timeout) exists although no client knows its id, and must be as right as the others.
   */
  customers?: string[];
  /** Most orders a customer may have: one per Idempotency-Key its client used. */
  maxOrdersPerCustomer?: Map<string, number>;
  /** The webhook receiver of the notification service: what was really sent, per Idempotency-Key. */
  sink?: WebhookSink;
}

export async function checkInvariants(scenario: Scenario): Promise<Order[]> {
  const problems: string[] = [];
  const byId = new Map((await Promise.all(scenario.orderIds.map(getOrder))).map((o) => [o.orderId, o]));
  for (const customerId of scenario.customers ?? []) {
    const listed = await ordersOf(customerId);
    const max = scenario.maxOrdersPerCustomer?.get(customerId);
    if (max !== undefined && listed.length > max) {
      problems.push(`customer ${customerId} has ${listed.length} orders for ${max} Idempotency-Keys (duplicates)`);
    }
    for (const order of listed) byId.set(order.orderId, order);
  }
  for (const orderId of scenario.orderIds) {
    if (!byId.has(orderId)) problems.push(`accepted order ${orderId} is missing`);
  }
  const orders = [...byId.values()];

  for (const order of orders) {
    if (!SETTLED.includes(order.status)) problems.push(`order ${order.orderId} is ${order.status}, not settled`);
    const payments = await paymentsOf(order.orderId);
    if (payments.length > 1) problems.push(`order ${order.orderId} has ${payments.length} payments`);
    const charged = payments.filter((p) => p.status === 'COMPLETED').reduce((sum, p) => sum + toCents(p.amount), 0n);
    const refunded = payments.reduce((sum, p) => sum + toCents(p.refundedAmount), 0n);
    const expected = order.status === 'CANCELLED' ? 0n : toCents(order.totalAmount);
    if (charged - refunded !== expected) {
      problems.push(
        `order ${order.orderId} (${order.status}): charged ${charged} - refunded ${refunded} cents != ${expected}`,
      );
    }
  }

  for (const [productId, seeded] of Object.entries(scenario.seeded)) {
    const sold = orders
      .filter((o) => o.status !== 'CANCELLED')
      .flatMap((o) => o.items)
      .filter((line) => line.productId === productId)
      .reduce((sum, line) => sum + line.quantity, 0);
    const stock = await stockOf(productId);
    if (stock.onHand !== seeded - sold)
      problems.push(`${productId}: on hand ${stock.onHand}, expected ${seeded} - ${sold}`);
    if (stock.reserved !== 0) problems.push(`${productId}: ${stock.reserved} units still reserved`);
    if (stock.available < 0 || stock.onHand < 0) problems.push(`${productId}: negative stock ${JSON.stringify(stock)}`);
  }

  for (const customerId of new Set(orders.map((o) => o.customerId))) {
    const notifications = await notificationsOf(customerId);
    const sources = notifications.map((n) => n.sourceEventId);
    const duplicates = sources.filter((s, i) => sources.indexOf(s) !== i);
    if (duplicates.length > 0)
      problems.push(`customer ${customerId}: notifications sent twice for ${duplicates.join(', ')}`);
    for (const n of notifications) {
      if (n.status !== 'SENT') problems.push(`notification ${n.notificationId} is ${n.status}, not SENT`);
      // Sent means the receiver accepted it; a repeat after a crash carries the same key.
      if (scenario.sink && !scenario.sink.accepted.has(String(n.sourceEventId))) {
        problems.push(`notification ${n.notificationId} (${n.template}) never reached the webhook`);
      }
    }
    if (scenario.sink) {
      const keys = new Set(sources.map(String));
      const unknown = [...scenario.sink.bodies]
        .filter(([, body]) => (body as { customerId?: string } | null)?.customerId === customerId)
        .filter(([key]) => !keys.has(key));
      if (unknown.length > 0) {
        problems.push(`customer ${customerId}: webhook got ${unknown.length} sends no notification row explains`);
      }
    }
  }

  expect(problems).toEqual([]);
  return orders;
}

/** Every record on the topic now (read to its current end). */
export async function readWholeTopic(topic: string): Promise<IncomingRecord[]> {
  const admin = await openTopicAdmin(testKafka('e2e-topic-size'));
  let total = 0;
  try {
    // A group that never committed: its lag is each partition's whole log.
    for (const n of (await admin.groupLag(`nobody-${Date.now()}`, topic)).values()) total += n;
  } finally {
    await admin.close();
  }
  // The offsets count transaction markers (and aborted records) too, which no reader gets: a
  // topic whose tail is such records is read whole once nothing more arrives for 15 s.
  return readTopic(topic, (records) => records.length >= total, 60_000, { idleMs: 15_000 });
}

const allDeadLetters = () => readWholeTopic('ecom.dlq');

/**
 * Dead letters of these flows (by ce_id, key or correlation id) that are not one of `poison`:
 * a healthy event must never be dead-lettered, whatever crashed or went down meanwhile.
 */
export async function healthyDeadLetters(orderIds: Iterable<string>, poison: string[] = []): Promise<string[]> {
  const ours = new Set(orderIds);
  return (await allDeadLetters())
    .filter((r) => ours.has(String(r.key)) || ours.has(r.headers.ce_correlationid ?? ''))
    .filter((r) => !poison.includes(r.headers.ce_id ?? ''))
    .map((r) => `${r.headers.dlq_consumer_group}: ${r.headers.ce_type} ${r.key} (${r.headers.dlq_error_message})`);
}

/**
 * The consumer groups that dead-lettered each of these ce_ids, sorted. A dead-lettering is a
 * (group, failure time) pair: the relay may publish the same letter twice after a crash (at least
 * once, identical headers; replay drops the copy), but a second dead-lettering has its own time.
 */
export async function deadLetterGroups(ceIds: string[]): Promise<Record<string, string[]>> {
  const letters = await allDeadLetters();
  return Object.fromEntries(
    ceIds.map((id) => {
      const times = new Map<string, string>();
      for (const r of letters.filter((l) => l.headers.ce_id === id)) {
        times.set(`${r.headers.dlq_consumer_group}@${r.headers.dlq_failed_at}`, r.headers.dlq_consumer_group ?? '');
      }
      return [id, [...times.values()].sort()];
    }),
  );
}
