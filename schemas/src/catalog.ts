import type { EventPayloads } from './generated.js';

export type EventType = keyof EventPayloads;

export interface EventRoute<T extends EventType = EventType> {
  /** The topic the event is published to. */
  topic: string;
  /** The payload field whose value is the record key (gives per-entity ordering). */
  key: keyof EventPayloads[T] & string;
  /** The payload field whose value is `ce_subject`, the entity the event is about. */
  subject: keyof EventPayloads[T] & string;
}

/** Where every event type goes and which payload fields give its key and subject (ARCHITECTURE section 4). */
export const EVENT_CATALOG: { [T in EventType]: EventRoute<T> } = {
  'ecom.order.created.v1': { topic: 'ecom.orders', key: 'orderId', subject: 'orderId' },
  'ecom.order.updated.v1': { topic: 'ecom.orders', key: 'orderId', subject: 'orderId' },
  'ecom.order.cancelled.v1': { topic: 'ecom.orders', key: 'orderId', subject: 'orderId' },
  'ecom.payment.processed.v1': { topic: 'ecom.payments', key: 'orderId', subject: 'paymentId' },
  'ecom.payment.refunded.v1': { topic: 'ecom.payments', key: 'orderId', subject: 'refundId' },
  'ecom.inventory.stock-reserved.v1': { topic: 'ecom.inventory', key: 'orderId', subject: 'orderId' },
  'ecom.inventory.reservation-failed.v1': { topic: 'ecom.inventory', key: 'orderId', subject: 'orderId' },
  'ecom.inventory.stock-released.v1': { topic: 'ecom.inventory', key: 'orderId', subject: 'orderId' },
  'ecom.inventory.updated.v1': { topic: 'ecom.inventory', key: 'productId', subject: 'productId' },
  'ecom.inventory.stock-level-warning.v1': { topic: 'ecom.inventory', key: 'productId', subject: 'productId' },
  'ecom.inventory.stock-depleted.v1': { topic: 'ecom.inventory', key: 'productId', subject: 'productId' },
  'ecom.inventory.stock-level-normalized.v1': { topic: 'ecom.inventory', key: 'productId', subject: 'productId' },
  'ecom.shipment.created.v1': { topic: 'ecom.shipments', key: 'orderId', subject: 'shipmentId' },
  'ecom.shipment.status-updated.v1': { topic: 'ecom.shipments', key: 'orderId', subject: 'shipmentId' },
  'ecom.notification.sent.v1': { topic: 'ecom.notifications', key: 'customerId', subject: 'notificationId' },
};

export const DLQ_TOPIC = 'ecom.dlq';

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CATALOG, type);
}
