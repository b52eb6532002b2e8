import { randomUUID } from 'node:crypto';
import type { Handlers } from '@ecom/kit';
import { type ChargePayload, scheduleRefundOnCancel } from './effects.js';
import { claimPayment, lockPayment, markCancelled, markCancelledIfPending, type PaymentClaim } from './store.js';
import { chargeKey, chargeRequest } from './workflow.js';

/**
 * OrderCreated → claim the order's one payment (PENDING) and schedule its charge; the kit calls
 * the gateway after commit and records PaymentProcessed (effects.ts). OrderCancelled → refund what
 * is left of a completed payment, or, while the charge is in flight, remember the cancel so the
 * charge's outcome refunds at once. The kit's inbox drops redelivered events; the unique order_id
 * and the effect keys make duplicates with new ce_ids harmless too.
 */
export function paymentHandlers(): Handlers {
  return {
    'ecom.order.created.v1': async (event, { tx, schedule, log }) => {
      const order = event.data;
      const claim: PaymentClaim = {
        paymentId: randomUUID(),
        orderId: order.orderId,
        customerId: order.customerId,
        amount: order.totalAmount,
        currency: order.currency,
        paymentMethod: order.paymentMethod,
        source: 'ORDER_CREATED',
      };
      if (!(await claimPayment(tx, claim))) {
        log.info({ orderId: order.orderId }, 'order already has a payment; not charging again');
        return;
      }
      const payload: ChargePayload = { paymentId: claim.paymentId, request: chargeRequest(claim) };
      await schedule('charge', chargeKey(order.orderId), payload);
    },

    'ecom.order.cancelled.v1': async (event, { tx, schedule, log }) => {
      const { orderId, cancellationReason } = event.data;
      if (await markCancelledIfPending(tx, orderId, cancellationReason)) {
        log.info({ orderId }, 'order cancelled while its charge is in flight; refunded when it completes');
        return;
      }
      const payment = await lockPayment(tx, { orderId });
      if (!payment) {
        // OrderCreated precedes OrderCancelled on the same partition, so this means the charge
        // never happened (e.g. its OrderCreated was dead-lettered): there is nothing to give back.
        log.warn({ orderId }, 'order cancelled without a payment; nothing to refund');
        return;
      }
      if (payment.status === 'PENDING') {
        // A payment claimed and committed after the UPDATE above looked: the same, under the lock.
        await markCancelled(tx, payment.paymentId, cancellationReason);
        log.info({ orderId }, 'order cancelled while its charge is in flight; refunded when it completes');
        return;
      }
      if (!(await scheduleRefundOnCancel(schedule, payment, cancellationReason))) {
        log.info({ orderId, status: payment.status, refunded: payment.refundedAmount }, 'nothing to refund');
      }
    },
  };
}
