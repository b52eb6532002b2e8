// The invariants of ARCHITECTURE section 4, checked by reading every service's API: every order
// settled; money charged minus refunded equals the total for live orders and zero for cancelled
// ones; stock conserved and never negative; each customer notification sent once.
import { toCents } from '@ecom/kit';
import { expect } from 'vitest';
import { getOrder, notificationsOf, type Order, paymentsOf, SETTLED, stockOf } from './platform.js';

export interface Scenario {
  orderIds: string[];
  /** Units seeded per product before the orders. */
  seeded: Record<string, number>;
}

export async function checkInvariants(scenario: Scenario): Promise<Order[]> {
  const orders = await Promise.all(scenario.orderIds.map(getOrder));
  const problems: string[] = [];

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
  }

  expect(problems).toEqual([]);
  return orders;
}
