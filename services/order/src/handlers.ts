import type { Event, HandlerContext, Handlers, ServiceDeps } from '@ecom/kit';
import type { EventType, PaymentProcessed } from '@ecom/schemas';
import { withAnswersOnly } from './dead-letters/answered.js';
import { orderMetrics } from './metrics.js';
import { lockOrder, recordRefund } from './store.js';
import { applyInput, capturesTotal, type OrderEmitter, type OrderInput } from './workflow.js';

/**
 * The saga inputs the order service consumes. Every handler locks the order row, so outcomes for
 * one order apply one at a time even when they come from different topics (different partitions,
 * processed concurrently). Events for orders this service does not know are logged and skipped:
 * every order exists here before any event about it can be published (outbox after commit), so
 * such an event belongs to another environment or a test, and retrying it would never help.
 * Each handled slice also closes the order dead letters its events answer (dead-letters/answered.ts).
 */
export function orderHandlers(deps: ServiceDeps): Handlers {
  const metrics = orderMetrics(deps.registry);

  const apply = async (
    event: Event<EventType>,
    ctx: HandlerContext,
    orderId: string,
    input: OrderInput,
    reason: string,
  ) => {
    // Events emitted here are caused by the handled event (the kit's default context).
    const emit: OrderEmitter = {
      updated: (data) => ctx.emit('ecom.order.updated.v1', data),
      cancelled: (data) => ctx.emit('ecom.order.cancelled.v1', data),
    };
    const result = await applyInput(ctx.tx, orderId, input, { emit, metrics, reason, onCommit: ctx.onCommit });
    if (result.kind === 'unknown') {
      ctx.log.warn({ orderId, ceType: event.type }, 'event for an unknown order skipped');
      return;
    }
    const { step, order } = result;
    if (input.kind === 'capture' && !capturesTotal(order, input.capture)) {
      // Whatever the order's state: such a capture never confirms it (a CREATED order is cancelled,
      // PAYMENT_AMOUNT_MISMATCH, and the capture refunded); someone should look at who charged it.
      ctx.log.warn(
        {
          orderId,
          expected: `${order.totalAmount} ${order.currency}`,
          captured: `${input.capture.amount} ${input.capture.currency}`,
          status: order.status,
        },
        'payment captured an amount other than the order total',
      );
    }
    if (step.transitions.length > 0) {
      ctx.log.debug({ orderId, transitions: step.transitions.map((t) => `${t.from}>${t.to}`) }, 'order status changed');
    } else if (step.note) {
      ctx.log.debug({ orderId, status: order.status, note: step.note }, 'order event recorded without status change');
    }
  };

  const handlers: Handlers = {
    'ecom.payment.processed.v1': (event, ctx) =>
      apply(event, ctx, event.data.orderId, paymentInput(event.data), 'payment completed and stock reserved'),

    'ecom.inventory.stock-reserved.v1': (event, ctx) =>
      apply(
        event,
        ctx,
        event.data.orderId,
        { kind: 'reservation', status: 'RESERVED' },
        'payment completed and stock reserved',
      ),

    // UNKNOWN_PRODUCT cancels as OUT_OF_STOCK: OrderCancelled's reasons have no finer value.
    'ecom.inventory.reservation-failed.v1': (event, ctx) =>
      apply(
        event,
        ctx,
        event.data.orderId,
        { kind: 'reservation', status: 'FAILED' },
        `reservation failed: ${event.data.reason}`,
      ),

    'ecom.shipment.created.v1': (event, ctx) =>
      apply(
        event,
        ctx,
        event.data.orderId,
        { kind: 'shipped' },
        `shipped with ${event.data.carrier} ${event.data.trackingNumber}`,
      ),

    'ecom.shipment.status-updated.v1': async (event, ctx) => {
      // Only delivery moves the order; the other shipment statuses are the shipment's own business.
      if (event.data.status !== 'DELIVERED') return;
      await apply(event, ctx, event.data.orderId, { kind: 'delivered' }, `delivered at ${event.data.location}`);
    },

    'ecom.payment.refunded.v1': async (event, ctx) => {
      const { data } = event;
      const order = await lockOrder(ctx.tx, data.orderId);
      if (!order) {
        ctx.log.warn({ orderId: data.orderId }, 'refund for an unknown order skipped');
        return;
      }
      if (data.currency !== order.currency) {
        // Recorded anyway: the money did move; the mismatch is for a human to look at.
        ctx.log.error(
          { orderId: data.orderId, refundCurrency: data.currency, orderCurrency: order.currency },
          'refund currency differs from the order currency',
        );
      }
      const added = await recordRefund(ctx.tx, {
        refundId: data.refundId,
        orderId: data.orderId,
        paymentId: data.paymentId,
        amount: data.amount,
        currency: data.currency,
        reason: data.reason,
      });
      ctx.log.info({ orderId: data.orderId, refundId: data.refundId, amount: data.amount, added }, 'refund recorded');
    },
  };
  return withAnswersOnly(handlers);
}

/** A completed payment counts only as the capture it is, checked against the order's total. */
function paymentInput(payment: PaymentProcessed): OrderInput {
  return payment.status === 'COMPLETED'
    ? { kind: 'capture', capture: { amount: payment.amount, currency: payment.currency } }
    : { kind: 'payment', status: 'FAILED' };
}
