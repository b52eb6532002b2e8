import type { Event } from '@ecom/kit';
import type { EventType, OrderUpdated, PaymentProcessed } from '@ecom/schemas';

/**
 * Events become facts: small, per-entity records that are merged into the fact tables whatever
 * order they arrive in (across topics, or replayed), and from which the summary is computed.
 * Each merge is commutative and idempotent: status moves only forward by rank, first-seen
 * timestamps stay, later stock-level states replace earlier ones by event time.
 */

export const ORDER_STATUSES = ['CREATED', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = OrderUpdated['status'];

/**
 * Position in the order lifecycle: CREATED → CONFIRMED → SHIPPED → DELIVERED, and CANCELLED
 * (from CREATED or CONFIRMED). The terminal states share the top rank; an order never has both.
 * The fact with the higher rank wins, so an older status arriving late changes nothing.
 */
const STATUS_RANK: Record<OrderStatus, number> = {
  CREATED: 0,
  CONFIRMED: 1,
  SHIPPED: 2,
  DELIVERED: 3,
  CANCELLED: 3,
};

export function statusRank(status: OrderStatus): number {
  return STATUS_RANK[status];
}

/** The status an order has after `incoming` is merged into `current` (undefined: nothing known yet). */
export function mergeStatus(current: OrderStatus | undefined, incoming: OrderStatus): OrderStatus {
  if (current === undefined) return incoming;
  return statusRank(incoming) > statusRank(current) ? incoming : current;
}

/** Statuses that mean the order was confirmed at some point: its total counts as revenue. */
const CONFIRMED_OR_LATER: ReadonlySet<OrderStatus> = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

export type StockState = 'warning' | 'depleted' | 'normalized';

export type Fact =
  | {
      kind: 'order';
      orderId: string;
      status: OrderStatus;
      statusRank: number;
      totalAmount: string;
      currency: string;
      /** When the order was created (OrderCreated only). */
      createdAt: string | null;
      /** When it was confirmed (OrderUpdated CONFIRMED only). */
      confirmedAt: string | null;
      reachedConfirmed: boolean;
    }
  | { kind: 'payment'; paymentId: string; orderId: string; status: PaymentProcessed['status'] }
  | { kind: 'refund'; refundId: string; orderId: string; amount: string; currency: string }
  | { kind: 'stock'; productId: string; state: StockState; available: number; at: string }
  | { kind: 'shipment'; shipmentId: string; orderId: string; createdAt: string | null; deliveredAt: string | null }
  | { kind: 'notification'; notificationId: string; template: string };

/** The event types analytics turns into facts (the consumer's handlers). */
export const FACT_EVENT_TYPES = [
  'ecom.order.created.v1',
  'ecom.order.updated.v1',
  'ecom.order.cancelled.v1',
  'ecom.payment.processed.v1',
  'ecom.payment.refunded.v1',
  'ecom.inventory.stock-level-warning.v1',
  'ecom.inventory.stock-depleted.v1',
  'ecom.inventory.stock-level-normalized.v1',
  'ecom.shipment.created.v1',
  'ecom.shipment.status-updated.v1',
  'ecom.notification.sent.v1',
] as const satisfies readonly EventType[];

/** An ISO instant, or null when `text` is not a valid date-time (ce_time is not schema-checked). */
export function instant(text: string | undefined): string | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function orderFact(
  data: { orderId: string; totalAmount: string; currency: string },
  status: OrderStatus,
  times: { createdAt?: string | null; confirmedAt?: string | null } = {},
): Fact {
  return {
    kind: 'order',
    orderId: data.orderId,
    status,
    statusRank: statusRank(status),
    totalAmount: data.totalAmount,
    currency: data.currency,
    createdAt: times.createdAt ?? null,
    confirmedAt: times.confirmedAt ?? null,
    reachedConfirmed: CONFIRMED_OR_LATER.has(status),
  };
}

/**
 * The fact an event contributes, or undefined when it contributes none. Times are the events'
 * ce_time (the producing service's clock), so the saga time (order service, both ends) and the
 * delivery time (shipping service, both ends) each compare two readings of one clock.
 */
export function factFor(event: Event): Fact | undefined {
  switch (event.type) {
    case 'ecom.order.created.v1': {
      const d = (event as Event<'ecom.order.created.v1'>).data;
      return orderFact(d, 'CREATED', { createdAt: instant(event.time) ?? instant(d.orderDate) });
    }
    case 'ecom.order.updated.v1': {
      const d = (event as Event<'ecom.order.updated.v1'>).data;
      return orderFact(d, d.status, { confirmedAt: d.status === 'CONFIRMED' ? instant(event.time) : null });
    }
    case 'ecom.order.cancelled.v1':
      return orderFact((event as Event<'ecom.order.cancelled.v1'>).data, 'CANCELLED');
    case 'ecom.payment.processed.v1': {
      const d = (event as Event<'ecom.payment.processed.v1'>).data;
      return { kind: 'payment', paymentId: d.paymentId, orderId: d.orderId, status: d.status };
    }
    case 'ecom.payment.refunded.v1': {
      const d = (event as Event<'ecom.payment.refunded.v1'>).data;
      return { kind: 'refund', refundId: d.refundId, orderId: d.orderId, amount: d.amount, currency: d.currency };
    }
    case 'ecom.inventory.stock-level-warning.v1': {
      const d = (event as Event<'ecom.inventory.stock-level-warning.v1'>).data;
      return stockFact(d.productId, 'warning', d.available, event.time);
    }
    case 'ecom.inventory.stock-depleted.v1': {
      const d = (event as Event<'ecom.inventory.stock-depleted.v1'>).data;
      return stockFact(d.productId, 'depleted', 0, event.time);
    }
    case 'ecom.inventory.stock-level-normalized.v1': {
      const d = (event as Event<'ecom.inventory.stock-level-normalized.v1'>).data;
      return stockFact(d.productId, 'normalized', d.available, event.time);
    }
    case 'ecom.shipment.created.v1': {
      const d = (event as Event<'ecom.shipment.created.v1'>).data;
      return {
        kind: 'shipment',
        shipmentId: d.shipmentId,
        orderId: d.orderId,
        createdAt: instant(event.time),
        deliveredAt: null,
      };
    }
    case 'ecom.shipment.status-updated.v1': {
      const d = (event as Event<'ecom.shipment.status-updated.v1'>).data;
      if (d.status !== 'DELIVERED') return undefined;
      return {
        kind: 'shipment',
        shipmentId: d.shipmentId,
        orderId: d.orderId,
        createdAt: null,
        deliveredAt: instant(event.time) ?? instant(d.timestamp),
      };
    }
    case 'ecom.notification.sent.v1': {
      const d = (event as Event<'ecom.notification.sent.v1'>).data;
      return { kind: 'notification', notificationId: d.notificationId, template: d.template };
    }
    default:
      return undefined;
  }
}

function stockFact(productId: string, state: StockState, available: number, time: string): Fact | undefined {
  // Without a usable time the latest state cannot be decided; such an event is not applied.
  const at = instant(time);
  return at === null ? undefined : { kind: 'stock', productId, state, available, at };
}

/** The table row a fact merges into: facts with the same key fold into one before writing. */
function factKey(fact: Fact): string {
  switch (fact.kind) {
    case 'order':
      return `order:${fact.orderId}`;
    case 'payment':
      return `payment:${fact.paymentId}`;
    case 'refund':
      return `refund:${fact.refundId}`;
    case 'stock':
      return `stock:${fact.productId}`;
    case 'shipment':
      return `shipment:${fact.shipmentId}`;
    case 'notification':
      return `notification:${fact.notificationId}`;
  }
}

/** `incoming` merged into `current` (same key) by the rules the fact tables' upserts apply. */
function mergeFact(current: Fact, incoming: Fact): Fact {
  if (current.kind === 'order' && incoming.kind === 'order') {
    const status = mergeStatus(current.status, incoming.status);
    return {
      ...current,
      status,
      statusRank: statusRank(status),
      createdAt: current.createdAt ?? incoming.createdAt,
      confirmedAt: current.confirmedAt ?? incoming.confirmedAt,
      reachedConfirmed: current.reachedConfirmed || incoming.reachedConfirmed,
    };
  }
  if (current.kind === 'stock' && incoming.kind === 'stock') return incoming.at >= current.at ? incoming : current;
  if (current.kind === 'shipment' && incoming.kind === 'shipment') {
    return {
      ...current,
      createdAt: current.createdAt ?? incoming.createdAt,
      deliveredAt: current.deliveredAt ?? incoming.deliveredAt,
    };
  }
  // payment, refund, notification: the first one is kept (the tables insert them once).
  return current;
}

/**
 * Folds a batch's facts into one per row, in batch order, by the same rules as the upserts: a
 * multi-row upsert may not touch one row twice, and the result is what applying them one by one
 * would leave.
 */
export function mergeFacts(facts: readonly Fact[]): Fact[] {
  const merged = new Map<string, Fact>();
  for (const fact of facts) {
    const key = factKey(fact);
    const current = merged.get(key);
    merged.set(key, current ? mergeFact(current, fact) : fact);
  }
  return [...merged.values()];
}
