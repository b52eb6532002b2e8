import { fromCents, toCents } from '@ecom/kit';

/** What a refund decision needs to know about a payment. */
export interface Refundable {
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  amount: string;
  refundedAmount: string;
}

export type RefundDecision =
  | { kind: 'refund'; amount: string }
  | { kind: 'conflict'; detail: string }
  | { kind: 'invalid'; field: string; message: string };

/**
 * A refund requested through the API: the full remaining balance by default, or a part of it.
 * Only a COMPLETED payment with money left to give back can be refunded (409 otherwise); asking
 * for more than is left, or for nothing, is bad input on /amount.
 */
export function decideRefund(payment: Refundable, requested?: string): RefundDecision {
  if (payment.status !== 'COMPLETED') {
    return { kind: 'conflict', detail: `Only a COMPLETED payment can be refunded; this one is ${payment.status}` };
  }
  const remaining = toCents(payment.amount) - toCents(payment.refundedAmount);
  if (remaining <= 0n) return { kind: 'conflict', detail: 'The payment is already refunded' };
  if (requested === undefined) return { kind: 'refund', amount: fromCents(remaining) };
  const cents = toCents(requested);
  if (cents === 0n) return { kind: 'invalid', field: '/amount', message: 'must be greater than 0' };
  if (cents > remaining) {
    return { kind: 'invalid', field: '/amount', message: `must be at most the refundable ${fromCents(remaining)}` };
  }
  return { kind: 'refund', amount: fromCents(cents) };
}

/**
 * On OrderCancelled: give back whatever of a completed payment is not refunded yet, whatever the
 * event's refundRequired says (the payment may have completed after the order was cancelled).
 * Null when there is nothing to give back, so a redelivered cancel never refunds twice.
 */
export function refundOnCancel(payment: Refundable): string | null {
  if (payment.status !== 'COMPLETED') return null;
  const remaining = toCents(payment.amount) - toCents(payment.refundedAmount);
  return remaining > 0n ? fromCents(remaining) : null;
}
