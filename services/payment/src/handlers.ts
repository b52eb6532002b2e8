import { randomUUID } from 'node:crypto';
import type { Handlers, ServiceDeps } from '@ecom/kit';
import { AttemptCounter, onTransientFailure } from './domain/attempts.js';
import { refundOnCancel } from './domain/refund.js';
import { type PaymentGateway, TransientGatewayError } from './gateway/gateway.js';
import type { PaymentConfig } from './service.js';
import { lockPayment } from './store.js';
import { type ChargeCall, chargeKey, chargeOrder, refundPayment } from './workflow.js';

/**
 * OrderCreated → charge once → PaymentProcessed; OrderCancelled → refund what is left of a
 * completed payment → PaymentRefunded. The kit's inbox drops redelivered events; the unique
 * order_id and the refunded amount make duplicates with new ce_ids harmless too.
 */
export function paymentHandlers(deps: ServiceDeps<PaymentConfig>, gateway: PaymentGateway): Handlers {
  const attempts = new AttemptCounter();
  const maxAttempts = deps.config.consumerMaxAttempts;

  return {
    'ecom.order.created.v1': async (event, { tx, emit, log }) => {
      const order = event.data;
      const key = chargeKey(order.orderId);
      // Transient gateway errors are thrown for the kit to retry, until the attempt that reaches
      // CONSUMER_MAX_ATTEMPTS: that one records FAILED, so the order is cancelled instead of
      // stuck behind a dead letter (domain/attempts.ts).
      const call: ChargeCall = async (request) => {
        const attempt = attempts.next(key);
        try {
          return await gateway.charge(request);
        } catch (error) {
          if (!(error instanceof TransientGatewayError)) throw error;
          if (onTransientFailure(attempt, maxAttempts) === 'retry') throw error;
          log.error({ orderId: order.orderId, attempt }, 'payment gateway still failing; recording the payment FAILED');
          return {
            status: 'FAILED',
            transactionId: null,
            failureReason: `payment gateway unavailable after ${attempt} attempts`,
          };
        }
      };
      const payment = await chargeOrder(
        tx,
        {
          paymentId: randomUUID(),
          orderId: order.orderId,
          customerId: order.customerId,
          amount: order.totalAmount,
          currency: order.currency,
          paymentMethod: order.paymentMethod,
          source: 'ORDER_CREATED',
        },
        call,
        (data) => emit('ecom.payment.processed.v1', data),
      );
      attempts.settle(key);
      if (!payment) {
        log.info({ orderId: order.orderId }, 'order already has a payment; not charging again');
        return;
      }
      log.info(
        { orderId: order.orderId, paymentId: payment.paymentId, status: payment.status, amount: payment.amount },
        'order charged',
      );
    },

    'ecom.order.cancelled.v1': async (event, { tx, emit, log }) => {
      const { orderId, cancellationReason } = event.data;
      const payment = await lockPayment(tx, { orderId });
      if (!payment) {
        // OrderCreated precedes OrderCancelled on the same partition, so this means the charge
        // never happened (e.g. its OrderCreated was dead-lettered): there is nothing to give back.
        log.warn({ orderId }, 'order cancelled without a payment; nothing to refund');
        return;
      }
      const amount = refundOnCancel(payment);
      if (amount === null) {
        log.info({ orderId, status: payment.status, refunded: payment.refundedAmount }, 'nothing to refund');
        return;
      }
      // Transient errors and declines throw: the kit retries, then dead-letters, and a replay
      // of the dead letter completes the refund (the refund must not be dropped silently).
      const refunded = await refundPayment(
        tx,
        payment,
        { refundId: randomUUID(), amount, reason: `order cancelled: ${cancellationReason}` },
        (request) => gateway.refund(request),
        (data) => emit('ecom.payment.refunded.v1', data),
      );
      log.info(
        { orderId, paymentId: payment.paymentId, amount, refunded: refunded.refundedAmount },
        'payment refunded',
      );
    },
  };
}
