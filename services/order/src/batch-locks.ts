// The consumer's beforeBatch hook: locks every order a slice's events are about, in order_id order,
// before the first handler runs. Each handler's own conditional UPDATE takes its order's lock in
// event order, so two slices that share orders (a payments and an inventory partition: one order's
// outcomes arrive on both) could otherwise take them in opposite orders and deadlock. An order not
// there yet (an outcome before its creation) locks nothing; a slice about one order cannot be part
// of a cycle, so it takes no extra statement.
import type { BeforeBatch, Event } from '@ecom/kit';

function orderIdOf(event: Event): string | undefined {
  const orderId = (event.data as { orderId?: unknown }).orderId;
  return typeof orderId === 'string' ? orderId : undefined;
}

export const lockBatchOrders: BeforeBatch = async (events, tx) => {
  const orderIds = [...new Set(events.map(orderIdOf).filter((id) => id !== undefined))];
  if (orderIds.length < 2) return;
  await tx.query('SELECT 1 FROM orders WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE', [orderIds]);
};
