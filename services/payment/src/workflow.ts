import type { Queryable } from '@ecom/kit';
import type { PaymentProcessed, PaymentRefunded } from '@ecom/schemas';
import type { ChargeRequest, GatewayResult, RefundRequest } from './gateway/gateway.js';
import { claimPayment, insertRefund, type Payment, type PaymentClaim, settlePayment } from './store.js';

/** Calls the gateway with the caller's retry policy (the route's differs from the effect runner's). */
export type ChargeCall = (request: ChargeRequest) => Promise<GatewayResult>;
export type RefundCall = (request: RefundRequest) => Promise<GatewayResult>;

export function chargeKey(orderId: string): string {
  return `charge:${orderId}`;
}

export function chargeRequest(claim: PaymentClaim): ChargeRequest {
  return {
    orderId: claim.orderId,
    amount: claim.amount,
    currency: claim.currency,
    paymentMethod: claim.paymentMethod,
    idempotencyKey: chargeKey(claim.orderId),
  };
}

/** Settles a PENDING payment with the gateway's answer and emits PaymentProcessed. */
export async function recordCharge(
  tx: Queryable,
  paymentId: string,
  result: GatewayResult,
  emit: (data: PaymentProcessed) => void,
): Promise<Payment> {
  const payment = await settlePayment(tx, paymentId, result);
  emit({
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    customerId: payment.customerId,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status === 'COMPLETED' ? 'COMPLETED' : 'FAILED',
    paymentMethod: payment.paymentMethod.slice(0, 50),
    transactionId: payment.transactionId,
    failureReason: payment.failureReason?.slice(0, 200) ?? null,
  });
  return payment;
}

/**
 * A charge requested through the API: claims the order's payment row, calls the gateway and
 * settles, in the caller's transaction (the client waits for the answer; a rollback fails the
 * request, and its retry asks the gateway with the same idempotency key). Undefined when the
 * order already has a payment.
 */
export async function chargeOrder(
  tx: Queryable,
  claim: PaymentClaim,
  call: ChargeCall,
  emit: (data: PaymentProcessed) => void,
): Promise<Payment | undefined> {
  if (!(await claimPayment(tx, claim))) return undefined;
  return recordCharge(tx, claim.paymentId, await call(chargeRequest(claim)), emit);
}

export class RefundDeclinedError extends Error {
  constructor(paymentId: string, reason: string | null) {
    super(`the gateway declined the refund of payment ${paymentId}: ${reason ?? 'no reason given'}`);
    this.name = 'RefundDeclinedError';
  }
}

export interface RefundPlan {
  refundId: string;
  paymentId: string;
  amount: string;
  reason: string;
  request: RefundRequest;
}

/**
 * The refund of `amount` of a COMPLETED payment. The idempotency key is the payment and how much
 * was refunded before, so a retry of the same refund from the same state asks the gateway the same
 * question, while a later partial refund is a new one.
 */
export function planRefund(payment: Payment, refund: { refundId: string; amount: string; reason: string }): RefundPlan {
  if (!payment.transactionId) throw new Error(`payment ${payment.paymentId} has no charge transaction to refund`);
  const reason = refund.reason.slice(0, 200);
  return {
    refundId: refund.refundId,
    paymentId: payment.paymentId,
    amount: refund.amount,
    reason,
    request: {
      orderId: payment.orderId,
      chargeTransactionId: payment.transactionId,
      amount: refund.amount,
      currency: payment.currency,
      reason,
      idempotencyKey: `refund:${payment.paymentId}:${payment.refundedAmount}`,
    },
  };
}

/** Stores a refund the gateway completed, emits PaymentRefunded, and returns the updated payment. */
export async function recordRefund(
  tx: Queryable,
  payment: Payment,
  plan: RefundPlan,
  result: GatewayResult,
  emit: (data: PaymentRefunded) => void,
): Promise<Payment> {
  if (result.status !== 'COMPLETED') throw new RefundDeclinedError(payment.paymentId, result.failureReason);
  const updated = await insertRefund(tx, payment, {
    refundId: plan.refundId,
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    amount: plan.amount,
    currency: payment.currency,
    reason: plan.reason,
    transactionId: result.transactionId,
  });
  emit({
    refundId: plan.refundId,
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    customerId: payment.customerId,
    amount: plan.amount,
    currency: payment.currency,
    reason: plan.reason,
  });
  return updated;
}
