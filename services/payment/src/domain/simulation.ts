import { createHash } from 'node:crypto';

/**
 * The rules of the built-in payment simulator, pure so they are tested without a gateway:
 *
 * - a charge is DECLINED (status FAILED) when the payment method is `card_declined`, or when the
 *   amount is above the configured limit (PAYMENT_DECLINE_ABOVE, default 10000.00; equal passes);
 * - every other charge COMPLETES; refunds always complete;
 * - a fraction of calls (PAYMENT_SIM_TRANSIENT_FAILURE_RATE, 0..1) fails with a transient error
 *   (a timeout, say) before any decision: which calls is decided by a hash of the idempotency key
 *   (it contains the orderId) and the attempt number, so a run is reproducible and a retry of the
 *   same operation draws again;
 * - transaction ids are derived from the idempotency key: the same operation gets the same id,
 *   as a real gateway deduplicating by idempotency key would answer.
 */
export const DECLINED_METHOD = 'card_declined';

export function declineReason(paymentMethod: string, amountCents: bigint, limitCents: bigint): string | null {
  if (paymentMethod === DECLINED_METHOD) return 'card declined by the issuer';
  if (amountCents > limitCents) return 'amount exceeds the limit of the payment method';
  return null;
}

/** A number in [0, 1) fixed by (key, attempt): 48 bits of SHA-256. */
export function draw(key: string, attempt: number): number {
  const digest = createHash('sha256').update(`${key}#${attempt}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function isTransientFailure(key: string, attempt: number, rate: number): boolean {
  return rate > 0 && draw(key, attempt) < rate;
}

export function transactionId(prefix: 'ch' | 're', idempotencyKey: string): string {
  return `sim_${prefix}_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}
