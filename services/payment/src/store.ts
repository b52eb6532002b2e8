import type { Queryable } from '@ecom/kit';
import { normalizeMoney } from '@ecom/kit';
import type { GatewayResult } from './gateway/gateway.js';

export interface Refund {
  refundId: string;
  amount: string;
  currency: string;
  reason: string;
  transactionId: string | null;
  createdAt: string;
}

/** A payment as stored and as the API shows it; PENDING while its gateway charge is in flight. */
export interface Payment {
  paymentId: string;
  orderId: string;
  customerId: string;
  amount: string;
  currency: string;
  paymentMethod: string;
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  transactionId: string | null;
  failureReason: string | null;
  refundedAmount: string;
  source: 'ORDER_CREATED' | 'API';
  /** Set when the order was cancelled while the charge was in flight: refunded once it completes. */
  cancelReason: string | null;
  refunds: Refund[];
  createdAt: string;
  updatedAt: string;
}

interface PaymentRow {
  payment_id: string;
  order_id: string;
  customer_id: string;
  amount: string;
  currency: string;
  payment_method: string;
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  transaction_id: string | null;
  failure_reason: string | null;
  refunded_amount: string;
  source: 'ORDER_CREATED' | 'API';
  cancel_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface RefundRow {
  refund_id: string;
  payment_id: string;
  amount: string;
  currency: string;
  reason: string;
  transaction_id: string | null;
  created_at: Date | string;
}

const COLUMNS = `payment_id, order_id, customer_id, amount::text AS amount, currency, payment_method, status,
  transaction_id, failure_reason, refunded_amount::text AS refunded_amount, source, cancel_reason, created_at, updated_at`;
const REFUND_COLUMNS = `refund_id, payment_id, amount::text AS amount, currency, reason, transaction_id, created_at`;

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function toRefund(row: RefundRow): Refund {
  return {
    refundId: row.refund_id,
    amount: normalizeMoney(row.amount),
    currency: row.currency,
    reason: row.reason,
    transactionId: row.transaction_id,
    createdAt: iso(row.created_at),
  };
}

function toPayment(row: PaymentRow, refunds: Refund[]): Payment {
  return {
    paymentId: row.payment_id,
    orderId: row.order_id,
    customerId: row.customer_id,
    amount: normalizeMoney(row.amount),
    currency: row.currency,
    paymentMethod: row.payment_method,
    status: row.status,
    transactionId: row.transaction_id,
    failureReason: row.failure_reason,
    refundedAmount: normalizeMoney(row.refunded_amount),
    source: row.source,
    cancelReason: row.cancel_reason,
    refunds,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Reads payments with their refunds (one query for all the refunds). */
async function withRefunds(db: Queryable, rows: PaymentRow[]): Promise<Payment[]> {
  if (rows.length === 0) return [];
  const { rows: refundRows } = await db.query<RefundRow>(
    `SELECT ${REFUND_COLUMNS} FROM refunds WHERE payment_id = ANY($1::uuid[]) ORDER BY created_at, refund_id`,
    [rows.map((r) => r.payment_id)],
  );
  return rows.map((row) => toPayment(row, refundRows.filter((r) => r.payment_id === row.payment_id).map(toRefund)));
}

export interface PaymentClaim {
  paymentId: string;
  orderId: string;
  customerId: string;
  amount: string;
  currency: string;
  paymentMethod: string;
  source: 'ORDER_CREATED' | 'API';
}

/**
 * Claims the order's one payment: true when this transaction inserted it. A concurrent claim
 * waits on the unique index until the first commits or rolls back, then sees the conflict.
 */
export async function claimPayment(tx: Queryable, claim: PaymentClaim): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO payments (payment_id, order_id, customer_id, amount, currency, payment_method, status, source)
     VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7) ON CONFLICT (order_id) DO NOTHING`,
    [claim.paymentId, claim.orderId, claim.customerId, claim.amount, claim.currency, claim.paymentMethod, claim.source],
  );
  return rowCount === 1;
}

export async function settlePayment(tx: Queryable, paymentId: string, result: GatewayResult): Promise<Payment> {
  const { rows } = await tx.query<PaymentRow>(
    `UPDATE payments SET status = $2, transaction_id = $3, failure_reason = $4, updated_at = clock_timestamp()
     WHERE payment_id = $1 RETURNING ${COLUMNS}`,
    [paymentId, result.status, result.transactionId, result.failureReason],
  );
  return toPayment(rows[0] as PaymentRow, []);
}

/** Remembers that the order was cancelled while its charge was in flight. */
export async function markCancelled(tx: Queryable, paymentId: string, reason: string): Promise<void> {
  await tx.query('UPDATE payments SET cancel_reason = $2, updated_at = clock_timestamp() WHERE payment_id = $1', [
    paymentId,
    reason,
  ]);
}

/**
 * Remembers the cancellation on the order's payment if its charge is still in flight, in one
 * conditional UPDATE (it takes the row lock itself; a payment settled meanwhile no longer matches).
 * False when the order has no PENDING payment: the caller locks it and decides.
 */
export async function markCancelledIfPending(tx: Queryable, orderId: string, reason: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE payments SET cancel_reason = $2, updated_at = clock_timestamp() WHERE order_id = $1 AND status = 'PENDING'`,
    [orderId, reason],
  );
  return rowCount === 1;
}

export async function findPayment(db: Queryable, paymentId: string): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE payment_id = $1`, [paymentId]);
  return (await withRefunds(db, rows))[0];
}

/** The payment, locked for the rest of the transaction (refunds of one payment run one at a time). */
export async function lockPayment(
  tx: Queryable,
  by: { paymentId: string } | { orderId: string },
): Promise<Payment | undefined> {
  const [column, value] = 'paymentId' in by ? ['payment_id', by.paymentId] : ['order_id', by.orderId];
  const { rows } = await tx.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE ${column} = $1 FOR UPDATE`, [
    value,
  ]);
  return (await withRefunds(tx, rows))[0];
}

export async function listPayments(
  db: Queryable,
  filter: { orderId?: string; customerId?: string; limit: number },
): Promise<Payment[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (filter.orderId !== undefined) {
    params.push(filter.orderId);
    where.push(`order_id = $${params.length}`);
  }
  if (filter.customerId !== undefined) {
    params.push(filter.customerId);
    where.push(`customer_id = $${params.length}`);
  }
  params.push(filter.limit);
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payments ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, payment_id DESC LIMIT $${params.length}`,
    params,
  );
  return withRefunds(db, rows);
}

export interface NewRefund {
  refundId: string;
  paymentId: string;
  orderId: string;
  amount: string;
  currency: string;
  reason: string;
  transactionId: string | null;
}

/**
 * Stores a refund of a payment the caller has locked (as `payment`) and adds it to the payment's
 * refunded amount (the CHECK keeps it <= amount), in one statement; returns the payment as it is
 * now, its refunds being the ones it had plus this one.
 */
export async function insertRefund(tx: Queryable, payment: Payment, refund: NewRefund): Promise<Payment> {
  const { rows } = await tx.query<PaymentRow & { refund_created_at: Date | string }>(
    `WITH refund AS (
       INSERT INTO refunds (refund_id, payment_id, order_id, amount, currency, reason, transaction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at AS refund_created_at
     )
     UPDATE payments SET refunded_amount = refunded_amount + $4, updated_at = clock_timestamp()
     FROM refund WHERE payment_id = $2
     RETURNING ${COLUMNS}, refund.refund_created_at`,
    [
      refund.refundId,
      refund.paymentId,
      refund.orderId,
      refund.amount,
      refund.currency,
      refund.reason,
      refund.transactionId,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error(`payment ${refund.paymentId} vanished during its refund`);
  const added = toRefund({
    refund_id: refund.refundId,
    payment_id: refund.paymentId,
    amount: refund.amount,
    currency: refund.currency,
    reason: refund.reason,
    transaction_id: refund.transactionId,
    created_at: row.refund_created_at,
  });
  return toPayment(row, [...payment.refunds, added]);
}
