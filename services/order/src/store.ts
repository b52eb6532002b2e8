import type { Queryable } from '@ecom/kit';
import { normalizeMoney } from '@ecom/kit';
import { HAS_OPEN_DEAD_LETTER } from './dead-letters/store.js';
import type { OrderLine } from './domain/pricing.js';
import type {
  CancellationReason,
  OrderStatus,
  PaymentStatus,
  ReservationStatus,
  SagaState,
  Transition,
} from './domain/saga.js';
import type { TableColumns } from './domain/saga-table.js';

/** An order as stored and as the API shows it. */
export interface Order {
  orderId: string;
  customerId: string;
  items: OrderLine[];
  totalAmount: string;
  currency: string;
  paymentMethod: string;
  status: OrderStatus;
  cancellationReason: CancellationReason | null;
  paymentStatus: PaymentStatus;
  reservationStatus: ReservationStatus;
  refundedAmount: string;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  shippedAt: string | null;
  deliveredAt: string | null;
  cancelledAt: string | null;
}

interface OrderRow {
  order_id: string;
  customer_id: string;
  items: OrderLine[] | string;
  total_amount: string;
  currency: string;
  payment_method: string;
  status: OrderStatus;
  cancellation_reason: CancellationReason | null;
  payment_status: PaymentStatus;
  reservation_status: ReservationStatus;
  refunded_amount: string;
  created_at: Date | string;
  updated_at: Date | string;
  confirmed_at: Date | string | null;
  shipped_at: Date | string | null;
  delivered_at: Date | string | null;
  cancelled_at: Date | string | null;
}

// Money as text: the drivers may hand NUMERIC back as a string or a number; text is exact.
const COLUMNS = `order_id, customer_id, items, total_amount::text AS total_amount, currency, payment_method, status,
  cancellation_reason, payment_status, reservation_status, refunded_amount::text AS refunded_amount,
  created_at, updated_at, confirmed_at, shipped_at, delivered_at, cancelled_at`;

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}

function toOrder(row: OrderRow): Order {
  return {
    orderId: row.order_id,
    customerId: row.customer_id,
    items: typeof row.items === 'string' ? (JSON.parse(row.items) as OrderLine[]) : row.items,
    totalAmount: normalizeMoney(row.total_amount),
    currency: row.currency,
    paymentMethod: row.payment_method,
    status: row.status,
    cancellationReason: row.cancellation_reason,
    paymentStatus: row.payment_status,
    reservationStatus: row.reservation_status,
    refundedAmount: normalizeMoney(row.refunded_amount),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    confirmedAt: isoOrNull(row.confirmed_at),
    shippedAt: isoOrNull(row.shipped_at),
    deliveredAt: isoOrNull(row.delivered_at),
    cancelledAt: isoOrNull(row.cancelled_at),
  };
}

export function sagaStateOf(order: Order): SagaState {
  return {
    status: order.status,
    paymentStatus: order.paymentStatus,
    reservationStatus: order.reservationStatus,
    cancellationReason: order.cancellationReason,
  };
}

export interface NewOrder {
  orderId: string;
  customerId: string;
  items: OrderLine[];
  totalAmount: string;
  currency: string;
  paymentMethod: string;
}

export async function insertOrder(tx: Queryable, order: NewOrder): Promise<Order> {
  const { rows } = await tx.query<OrderRow>(
    `INSERT INTO orders (order_id, customer_id, items, total_amount, currency, payment_method, status)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, 'CREATED') RETURNING ${COLUMNS}`,
    [
      order.orderId,
      order.customerId,
      JSON.stringify(order.items),
      order.totalAmount,
      order.currency,
      order.paymentMethod,
    ],
  );
  return toOrder(rows[0] as OrderRow);
}

export async function findOrder(db: Queryable, orderId: string): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE order_id = $1`, [orderId]);
  return rows[0] ? toOrder(rows[0]) : undefined;
}

/** The order, locked for the rest of the transaction: saga inputs for one order apply one at a time. */
export async function lockOrder(tx: Queryable, orderId: string): Promise<Order | undefined> {
  const { rows } = await tx.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE order_id = $1 FOR UPDATE`, [orderId]);
  return rows[0] ? toOrder(rows[0]) : undefined;
}

/**
 * Locks up to `limit` orders still CREATED whose saga deadline has passed, oldest first, and
 * returns their ids. SKIP LOCKED: rows another replica's sweep (or a consumer applying an outcome)
 * holds are left to it, so concurrent sweeps split the work instead of queueing behind each other.
 * The database clock decides, the one that stamped created_at; now() rather than clock_timestamp()
 * because a stable cutoff can bound the index scan (orders_status_created) instead of filtering it.
 */
export async function lockOverdueOrders(tx: Queryable, timeoutMs: number, limit: number): Promise<string[]> {
  const { rows } = await tx.query<{ order_id: string }>(
    `SELECT order_id FROM orders
     WHERE status = 'CREATED' AND created_at < now() - $1 * interval '1 millisecond'
     ORDER BY created_at, order_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [timeoutMs, limit],
  );
  return rows.map((r) => r.order_id);
}

export interface OrderFilter {
  customerId?: string;
  status?: OrderStatus;
  /** true: only orders with an open dead letter in their flow; false: only those without. */
  stuck?: boolean;
  limit: number;
}

export async function listOrders(db: Queryable, filter: OrderFilter): Promise<Order[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.customerId !== undefined) {
    params.push(filter.customerId);
    where.push(`customer_id = $${params.length}`);
  }
  if (filter.status !== undefined) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  if (filter.stuck !== undefined) where.push(filter.stuck ? HAS_OPEN_DEAD_LETTER : `NOT ${HAS_OPEN_DEAD_LETTER}`);
  params.push(filter.limit);
  const { rows } = await db.query<OrderRow>(
    `SELECT ${COLUMNS} FROM orders ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, order_id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toOrder);
}

/** Which timestamp column records entering each status. */
const ENTERED_AT: Partial<Record<OrderStatus, string>> = {
  CONFIRMED: 'confirmed_at',
  SHIPPED: 'shipped_at',
  DELIVERED: 'delivered_at',
  CANCELLED: 'cancelled_at',
};

/**
 * Stores a new saga state and stamps the statuses entered. The database clock stamps them, the
 * same clock that stamped created_at, so confirmed_at - created_at is a true saga duration even
 * with replicas on hosts whose clocks differ.
 */
export async function saveState(
  tx: Queryable,
  orderId: string,
  state: SagaState,
  transitions: readonly Transition[],
): Promise<Order> {
  const stamps = [...new Set(transitions.map((t) => ENTERED_AT[t.to]).filter((c) => c !== undefined))].map(
    (column) => `, ${column} = COALESCE(${column}, clock_timestamp())`,
  );
  const { rows } = await tx.query<OrderRow>(
    `UPDATE orders SET status = $2, payment_status = $3, reservation_status = $4, cancellation_reason = $5,
       updated_at = clock_timestamp() ${stamps.join('')}
     WHERE order_id = $1 RETURNING ${COLUMNS}`,
    [orderId, state.status, state.paymentStatus, state.reservationStatus, state.cancellationReason],
  );
  return toOrder(rows[0] as OrderRow);
}

/**
 * Applies a saga input in one statement, without reading the order first: the order's current
 * state picks its row of the input's transition table (domain/saga-table.ts), which says what to
 * store and which statuses to stamp. The UPDATE takes the row lock itself; a row changed by a
 * concurrent transaction meanwhile is re-checked against the same table row (READ COMMITTED), so
 * it matches only if its state is still the one the row was chosen for. With `total`, only an order
 * of exactly that total (NUMERIC equality, exact) and currency matches. Returns the index of the
 * table row that applied and the stored order, or undefined when none did: an unknown order, a
 * state in which the input changes nothing or is refused, one the table lacks, or another total.
 */
export async function applyTransition(
  tx: Queryable,
  orderId: string,
  table: TableColumns,
  total?: { amount: string; currency: string },
): Promise<{ index: number; order: Order } | undefined> {
  // t's columns are named apart from the order's, so COLUMNS in RETURNING are the order's (new) values.
  const stamp = (column: string, flag: string) =>
    `${column} = CASE WHEN t.${flag} THEN COALESCE(o.${column}, clock_timestamp()) ELSE o.${column} END`;
  const { rows } = await tx.query<OrderRow & { table_index: string | number }>(
    `UPDATE orders o SET status = t.to_status, payment_status = t.to_payment, reservation_status = t.to_reservation,
       cancellation_reason = t.to_reason, updated_at = clock_timestamp(),
       ${stamp('confirmed_at', 'stamp_confirmed')}, ${stamp('shipped_at', 'stamp_shipped')},
       ${stamp('delivered_at', 'stamp_delivered')}, ${stamp('cancelled_at', 'stamp_cancelled')}
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                 $10::bool[], $11::bool[], $12::bool[], $13::bool[])
       WITH ORDINALITY AS t(from_status, from_payment, from_reservation, from_reason, to_status, to_payment,
                            to_reservation, to_reason, stamp_confirmed, stamp_shipped, stamp_delivered, stamp_cancelled,
                            table_index)
     WHERE o.order_id = $1 AND o.status = t.from_status AND o.payment_status = t.from_payment
       AND o.reservation_status = t.from_reservation AND o.cancellation_reason IS NOT DISTINCT FROM t.from_reason
       ${total ? 'AND o.total_amount = $14::numeric AND o.currency = $15' : ''}
     RETURNING t.table_index, ${COLUMNS}`,
    [
      orderId,
      table.fromStatus,
      table.fromPayment,
      table.fromReservation,
      table.fromReason,
      table.toStatus,
      table.toPayment,
      table.toReservation,
      table.toReason,
      table.stamp.CONFIRMED,
      table.stamp.SHIPPED,
      table.stamp.DELIVERED,
      table.stamp.CANCELLED,
      ...(total ? [total.amount, total.currency] : []),
    ],
  );
  const row = rows[0];
  return row ? { index: Number(row.table_index) - 1, order: toOrder(row) } : undefined;
}

export interface RefundRecord {
  refundId: string;
  orderId: string;
  paymentId: string;
  amount: string;
  currency: string;
  reason: string;
}

/** Adds a refund to its order once per refundId; false when it was already recorded. */
export async function recordRefund(tx: Queryable, refund: RefundRecord): Promise<boolean> {
  const inserted = await tx.query(
    `INSERT INTO order_refunds (refund_id, order_id, payment_id, amount, currency, reason)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (refund_id) DO NOTHING`,
    [refund.refundId, refund.orderId, refund.paymentId, refund.amount, refund.currency, refund.reason],
  );
  if (inserted.rowCount === 0) return false;
  await tx.query(
    'UPDATE orders SET refunded_amount = refunded_amount + $2, updated_at = clock_timestamp() WHERE order_id = $1',
    [refund.orderId, refund.amount],
  );
  return true;
}
