// The saga's invariants as one pure function over what the services report: the e2e tests
// (invariants.ts) and `npm run loadtest` (loadtest/src/check.ts) both read the platform into a
// SagaState (saga-state.ts) and ask this function what is wrong with it. One checker, not two.
//
// No I/O and no test framework here, so a crafted broken state proves each rule can fail.
import { toCents } from '@ecom/kit';

export const SETTLED = ['CANCELLED', 'SHIPPED', 'DELIVERED'];

export interface OrderView {
  orderId: string;
  customerId: string;
  status: string;
  totalAmount: string;
  items: Array<{ productId: string; quantity: number }>;
}

export interface PaymentView {
  status: string;
  amount: string;
  refundedAmount: string;
}

export interface StockView {
  onHand: number;
  reserved: number;
  available: number;
}

export interface NotificationView {
  notificationId: unknown;
  sourceEventId: unknown;
  status: unknown;
  template?: unknown;
}

/** What the webhook receiver saw (test only): accepted sends and first bodies, per Idempotency-Key. */
export interface SinkView {
  accepted: { has(key: string): boolean };
  bodies: Iterable<[string, unknown]>;
}

export interface SagaState {
  /** Every order of the run, by the ids the clients know and by listing its customers. */
  orders: OrderView[];
  /** Ids a client got a 201 for: each must be among `orders`. */
  acceptedIds: string[];
  /** Orders listed per customer, and the most that customer may have (one per Idempotency-Key). */
  customerOrders: Array<{ customerId: string; listed: number; max?: number }>;
  /**
   * How many orders the run may have made in all: at least the ones acknowledged, at most those
   * plus the requests that got no answer (the service may have committed them).
   */
  placed?: { min: number; max: number };
  payments: Map<string, PaymentView[]>;
  /** Per product: units seeded before the run, and the stock read after it. */
  stock: Map<string, { seeded: number; now: StockView }>;
  notifications: Map<string, NotificationView[]>;
  sink?: SinkView;
}

/** Every broken invariant, as a sentence naming the order, product or customer; [] when right. */
export function findViolations(state: SagaState): string[] {
  const problems: string[] = [];
  const ids = new Set(state.orders.map((o) => o.orderId));
  for (const c of state.customerOrders) {
    if (c.max !== undefined && c.listed > c.max) {
      problems.push(`customer ${c.customerId} has ${c.listed} orders for ${c.max} Idempotency-Keys (duplicates)`);
    }
  }
  for (const orderId of state.acceptedIds) {
    if (!ids.has(orderId)) problems.push(`accepted order ${orderId} is missing`);
  }
  if (state.placed && state.orders.length < state.placed.min) {
    problems.push(`${state.orders.length} orders found, but ${state.placed.min} were acknowledged (orders lost)`);
  }
  if (state.placed && state.orders.length > state.placed.max) {
    problems.push(`${state.orders.length} orders found, but at most ${state.placed.max} were placed (duplicates)`);
  }

  for (const order of state.orders) {
    if (!SETTLED.includes(order.status)) problems.push(`order ${order.orderId} is ${order.status}, not settled`);
    const payments = state.payments.get(order.orderId) ?? [];
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

  const sold = new Map<string, number>();
  for (const order of state.orders) {
    if (order.status === 'CANCELLED') continue;
    for (const line of order.items) sold.set(line.productId, (sold.get(line.productId) ?? 0) + line.quantity);
  }
  for (const [productId, { seeded, now }] of state.stock) {
    const out = sold.get(productId) ?? 0;
    if (now.onHand !== seeded - out) problems.push(`${productId}: on hand ${now.onHand}, expected ${seeded} - ${out}`);
    if (now.reserved !== 0) problems.push(`${productId}: ${now.reserved} units still reserved`);
    if (now.available < 0 || now.onHand < 0) problems.push(`${productId}: negative stock ${JSON.stringify(now)}`);
  }

  for (const customerId of new Set(state.orders.map((o) => o.customerId))) {
    const notifications = state.notifications.get(customerId) ?? [];
    const sources = notifications.map((n) => n.sourceEventId);
    const duplicates = sources.filter((s, i) => sources.indexOf(s) !== i);
    if (duplicates.length > 0)
      problems.push(`customer ${customerId}: notifications sent twice for ${duplicates.join(', ')}`);
    for (const n of notifications) {
      if (n.status !== 'SENT') problems.push(`notification ${n.notificationId} is ${n.status}, not SENT`);
      // Sent means the receiver accepted it; a repeat after a crash carries the same key.
      if (state.sink && !state.sink.accepted.has(String(n.sourceEventId))) {
        problems.push(`notification ${n.notificationId} (${n.template}) never reached the webhook`);
      }
    }
    if (state.sink) {
      const keys = new Set(sources.map(String));
      const unknown = [...state.sink.bodies]
        .filter(([, body]) => (body as { customerId?: string } | null)?.customerId === customerId)
        .filter(([key]) => !keys.has(key));
      if (unknown.length > 0) {
        problems.push(`customer ${customerId}: webhook got ${unknown.length} sends no notification row explains`);
      }
    }
  }
  return problems;
}
