import type { Event } from '@ecom/kit';
import type { EventType, OrderCancelled, ShipmentStatusUpdated } from '@ecom/schemas';

/** What a customer is told about one event: which template, and the text built from the payload. */
export interface NotificationContent {
  customerId: string;
  orderId: string;
  template: string;
  message: string;
}

/** The event types that can notify a customer; every other type never does. */
export const CUSTOMER_FACING_TYPES = [
  'ecom.order.created.v1',
  'ecom.order.updated.v1',
  'ecom.order.cancelled.v1',
  'ecom.payment.refunded.v1',
  'ecom.shipment.created.v1',
  'ecom.shipment.status-updated.v1',
] as const satisfies readonly EventType[];

export type CustomerFacingType = (typeof CUSTOMER_FACING_TYPES)[number];

/** NotificationSent.message is at most 2000 characters; the payload fields are bounded, but stay safe. */
const MAX_MESSAGE = 2000;

const CANCELLATION_REASONS: Record<OrderCancelled['cancellationReason'], string> = {
  PAYMENT_FAILED: 'the payment did not go through',
  OUT_OF_STOCK: 'some items are out of stock',
  CUSTOMER_REQUEST: 'you asked us to',
  SAGA_TIMEOUT: 'we could not confirm payment and stock in time',
  PAYMENT_AMOUNT_MISMATCH: 'the amount charged did not match the order total',
};

const SHIPMENT_STATUSES: Record<ShipmentStatusUpdated['status'], string> = {
  CREATED: 'being prepared',
  PICKED_UP: 'picked up by the carrier',
  IN_TRANSIT: 'in transit',
  OUT_FOR_DELIVERY: 'out for delivery',
  DELIVERED: 'delivered',
  RETURNED: 'returned to us',
};

function content(customerId: string, orderId: string, template: string, message: string): NotificationContent {
  return { customerId, orderId, template, message: message.slice(0, MAX_MESSAGE) };
}

/**
 * The notification an event gives, or undefined when it is not customer-facing (an OrderUpdated
 * to CREATED or CANCELLED: a cancellation is told by its own OrderCancelled). Pure: same event,
 * same notification, so a redelivery can never produce a different text.
 */
export function notificationFor(event: Event): NotificationContent | undefined {
  switch (event.type) {
    case 'ecom.order.created.v1': {
      const d = (event as Event<'ecom.order.created.v1'>).data;
      const lines = d.items.length;
      return content(
        d.customerId,
        d.orderId,
        'order-created',
        `We received your order ${d.orderId}: ${lines} item${lines === 1 ? '' : 's'}, total ${d.totalAmount} ${d.currency}.`,
      );
    }
    case 'ecom.order.updated.v1': {
      const d = (event as Event<'ecom.order.updated.v1'>).data;
      switch (d.status) {
        case 'CONFIRMED':
          return content(
            d.customerId,
            d.orderId,
            'order-confirmed',
            `Your order ${d.orderId} is confirmed: payment of ${d.totalAmount} ${d.currency} received and items reserved.`,
          );
        case 'SHIPPED':
          return content(d.customerId, d.orderId, 'order-shipped', `Your order ${d.orderId} has shipped.`);
        case 'DELIVERED':
          return content(d.customerId, d.orderId, 'order-delivered', `Your order ${d.orderId} was delivered.`);
        default:
          return undefined;
      }
    }
    case 'ecom.order.cancelled.v1': {
      const d = (event as Event<'ecom.order.cancelled.v1'>).data;
      // After a mismatch the refund is what was charged, not the total; PaymentRefunded tells the amount.
      const refund = !d.refundRequired
        ? ''
        : d.cancellationReason === 'PAYMENT_AMOUNT_MISMATCH'
          ? ' The amount charged is being refunded.'
          : ` A refund of ${d.totalAmount} ${d.currency} is on its way.`;
      return content(
        d.customerId,
        d.orderId,
        'order-cancelled',
        `Your order ${d.orderId} was cancelled because ${CANCELLATION_REASONS[d.cancellationReason]}.${refund}`,
      );
    }
    case 'ecom.payment.refunded.v1': {
      const d = (event as Event<'ecom.payment.refunded.v1'>).data;
      return content(
        d.customerId,
        d.orderId,
        'payment-refunded',
        `We refunded ${d.amount} ${d.currency} for your order ${d.orderId}.`,
      );
    }
    case 'ecom.shipment.created.v1': {
      const d = (event as Event<'ecom.shipment.created.v1'>).data;
      return content(
        d.customerId,
        d.orderId,
        'shipment-created',
        `Your order ${d.orderId} ships with ${d.carrier}, tracking number ${d.trackingNumber}; estimated delivery ${d.estimatedDelivery}.`,
      );
    }
    case 'ecom.shipment.status-updated.v1': {
      const d = (event as Event<'ecom.shipment.status-updated.v1'>).data;
      return content(
        d.customerId,
        d.orderId,
        `shipment-${d.status.toLowerCase().replaceAll('_', '-')}`,
        `Your shipment for order ${d.orderId} is ${SHIPMENT_STATUSES[d.status]} (${d.location}).`,
      );
    }
    default:
      return undefined;
  }
}
