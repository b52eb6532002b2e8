import type { Queryable } from '@ecom/kit';
import type { PaymentProcessed, PaymentRefunded } from '@ecom/schemas';
import type { ChargeRequest, GatewayResult, RefundRequest } from './gateway/gateway.js';
import { claimPayment, insertRefund, lockPayment, type Payment, type PaymentClaim, settlePayment } from './store.js';

/** Calls the gateway with the caller's retry policy (the handler's differs from the route's). */
export type ChargeCall = (request: ChargeRequest) => Promise<GatewayResult>;
export type RefundCall = (request: RefundRequest) => Promise<GatewayResult>;

export function chargeKey(orderId: string): string {
  return `charge:${orderId}`;
}

/**
 * Charges an order once: claims the order's payment row, calls the gateway, settles the row and
 * emits PaymentProcessed, all in the caller's transaction. Undefined when the order already has a
 * payment (a redelivered OrderCreated, or a manual charge) — nothing is charged then. A throwing
 * gateway call rolls the claim back; the retry uses the same idempotency key.
 */
export async function chargeOrder(
  tx: Queryable,
  claim: PaymentClaim,
  call: ChargeCall,
  emit: (data: PaymentProcessed) => void,
): Promise<Payment | undefined> {
  if (!(await claimPayment(tx, claim))) return undefined;
  const result = await call({
    orderId: claim.orderId,
    amount: claim.amount,
    currency: claim.currency,
    paymentMethod: claim.paymentMethod,
    idempotencyKey: chargeKey(claim.orderId),
  });
  const payment = await settlePayment(tx, claim.paymentId, result);
  emit({
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    customerId: payment.customerId,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    paymentMethod: payment.paymentMethod.slice(0, 50),
    transactionId: payment.transactionId,
    failureReason: payment.failureReason?.slice(0, 200) ?? null,
  });
  return payment;
}

export class RefundDeclinedError extends Error {
  constructor(paymentId: string, reason: string | null) {
    super(`the gateway declined the refund of payment ${paymentId}: ${reason ?? 'no reason given'}`);
    this.name = 'RefundDeclinedError';
  }
}

/**
 * Refunds `amount` of a locked, COMPLETED payment and emits PaymentRefunded. The idempotency key
 * is the payment and how much was refunded before, so a retry of the same refund from the same
 * state asks the gateway the same question, while a later partial refund is a new one.
 */
export async function refundPayment(
  tx: Queryable,
  payment: Payment,
  refund: { refundId: string; amount: string; reason: string },
  call: RefundCall,
  emit: (data: PaymentRefunded) => void,
): Promise<Payment> {
  if (!payment.transactionId) throw new Error(`payment ${payment.paymentId} has no charge transaction to refund`);
  const result = await call({
    orderId: payment.orderId,
    chargeTransactionId: payment.transactionId,
    amount: refund.amount,
    currency: payment.currency,
    reason: refund.reason,
    idempotencyKey: `refund:${payment.paymentId}:${payment.refundedAmount}`,
  });
  if (result.status !== 'COMPLETED') throw new RefundDeclinedError(payment.paymentId, result.failureReason);
  const reason = refund.reason.slice(0, 200);
  await insertRefund(tx, {
    refundId: refund.refundId,
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    amount: refund.amount,
    currency: payment.currency,
    reason,
    transactionId: result.transactionId,
  });
  emit({
    refundId: refund.refundId,
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    customerId: payment.customerId,
    amount: refund.amount,
    currency: payment.currency,
    reason,
  });
  const updated = await lockPayment(tx, { paymentId: payment.paymentId });
  if (!updated) throw new Error(`payment ${payment.paymentId} vanished during its refund`);
  return updated;
}
