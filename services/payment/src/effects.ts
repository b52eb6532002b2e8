// The payment service's external calls, performed by the kit after the deciding transaction
// committed (never inside one): a rollback cannot repeat a charge, and a slow gateway cannot
// stall a consumer batch. Each call carries the effect key as the gateway's idempotency key, so
// a call repeated after a crash or a lost lease returns the first result.
import { randomUUID } from 'node:crypto';
import type { EffectHandler, EffectHandlers, Schedule, ServiceDeps } from '@ecom/kit';
import { refundOnCancel } from './domain/refund.js';
import {
  type ChargeRequest,
  type GatewayResult,
  type PaymentGateway,
  TransientGatewayError,
} from './gateway/gateway.js';
import type { PaymentConfig } from './service.js';
import { lockPayment, type Payment } from './store.js';
import { planRefund, type RefundPlan, recordCharge, recordRefund } from './workflow.js';

export interface ChargePayload {
  paymentId: string;
  request: ChargeRequest;
}

/** Schedules the refund of whatever of a completed payment is not refunded yet; false if nothing is left. */
export async function scheduleRefundOnCancel(schedule: Schedule, payment: Payment, reason: string): Promise<boolean> {
  const amount = refundOnCancel(payment);
  if (amount === null) return false;
  const plan = planRefund(payment, { refundId: randomUUID(), amount, reason: `order cancelled: ${reason}` });
  await schedule('refund', plan.request.idempotencyKey, plan);
  return true;
}

export function paymentEffects(deps: ServiceDeps<PaymentConfig>, gateway: PaymentGateway): EffectHandlers {
  const charge: EffectHandler<ChargePayload, GatewayResult> = {
    perform: (payload) => gateway.charge(payload.request),
    // Transient gateway errors are retried until CONSUMER_MAX_ATTEMPTS calls; then the payment is
    // recorded FAILED, which cancels the order cleanly instead of leaving it waiting.
    retry: (error, attempt) => error instanceof TransientGatewayError && attempt < deps.config.consumerMaxAttempts,
    async record(outcome, { tx, payload, emit, schedule, log }) {
      const result: GatewayResult = outcome.ok
        ? outcome.value
        : {
            status: 'FAILED',
            transactionId: null,
            failureReason: `payment gateway unavailable after ${outcome.attempts} attempts: ${outcome.error.message}`,
          };
      const payment = await recordCharge(tx, payload.paymentId, result, (data) =>
        emit('ecom.payment.processed.v1', data),
      );
      log.debug({ orderId: payment.orderId, paymentId: payment.paymentId, status: payment.status }, 'order charged');
      if (payment.cancelReason && (await scheduleRefundOnCancel(schedule, payment, payment.cancelReason))) {
        log.info({ orderId: payment.orderId }, 'order was cancelled while charging; refund scheduled');
      }
    },
  };

  const refund: EffectHandler<RefundPlan, GatewayResult> = {
    perform: (plan) => gateway.refund(plan.request),
    // A refund must happen: every failure is retried (with capped backoff) until it succeeds; a
    // long-pending one shows in effects_oldest_age_seconds.
    retry: () => true,
    async record(outcome, { tx, payload, emit, log }) {
      if (!outcome.ok) throw outcome.error;
      const payment = await lockPayment(tx, { paymentId: payload.paymentId });
      if (!payment) throw new Error(`payment ${payload.paymentId} vanished before its refund was recorded`);
      const updated = await recordRefund(tx, payment, payload, outcome.value, (data) =>
        emit('ecom.payment.refunded.v1', data),
      );
      log.info(
        { orderId: payment.orderId, amount: payload.amount, refunded: updated.refundedAmount },
        'payment refunded',
      );
    },
  };

  return { charge, refund };
}
