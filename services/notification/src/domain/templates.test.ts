import { createEvent } from '@ecom/kit';
import { type EventPayloads, type EventType, eventSchema } from '@ecom/schemas';
import { describe, expect, it } from 'vitest';
import { notificationFor } from './templates.js';

const orderId = '6f1c2f3e-8a55-4c1e-9a57-1b2c3d4e5f60';
const customerId = 'cust-1';
const event = <T extends EventType>(type: T, data: EventPayloads[T]) =>
  createEvent('test', type, data, { correlationId: orderId });

const updated = (status: EventPayloads['ecom.order.updated.v1']['status']) =>
  event('ecom.order.updated.v1', {
    orderId,
    customerId,
    status,
    previousStatus: 'CREATED',
    updateReason: 'test',
    totalAmount: '21.00',
    currency: 'EUR',
  });

describe('notificationFor', () => {
  it('tells the customer an order was received, with its total and line count from the payload', () => {
    const n = notificationFor(
      event('ecom.order.created.v1', {
        orderId,
        customerId,
        items: [
          { productId: 'p-1', quantity: 2, price: '10.25' },
          { productId: 'p-2', quantity: 1, price: '0.50' },
        ],
        totalAmount: '21.00',
        currency: 'EUR',
        paymentMethod: 'card',
        status: 'CREATED',
        orderDate: '2025-01-01T00:00:00.000Z',
      }),
    );
    expect(n).toEqual({
      customerId,
      orderId,
      template: 'order-created',
      message: `We received your order ${orderId}: 2 items, total 21.00 EUR.`,
    });
  });

  it('notifies CONFIRMED, SHIPPED and DELIVERED updates, each with its own template', () => {
    expect(notificationFor(updated('CONFIRMED'))?.template).toBe('order-confirmed');
    expect(notificationFor(updated('CONFIRMED'))?.message).toContain('21.00 EUR');
    expect(notificationFor(updated('SHIPPED'))?.template).toBe('order-shipped');
    expect(notificationFor(updated('DELIVERED'))?.template).toBe('order-delivered');
  });

  it('says nothing for updates that are not customer-facing', () => {
    expect(notificationFor(updated('CREATED'))).toBeUndefined();
    // A cancellation is told once, by its OrderCancelled.
    expect(notificationFor(updated('CANCELLED'))).toBeUndefined();
  });

  it('explains a cancellation and mentions the refund only when one is required', () => {
    const cancelled = (refundRequired: boolean) =>
      notificationFor(
        event('ecom.order.cancelled.v1', {
          orderId,
          customerId,
          cancellationReason: 'OUT_OF_STOCK',
          refundRequired,
          totalAmount: '5.00',
          currency: 'USD',
        }),
      );
    expect(cancelled(true)?.message).toBe(
      `Your order ${orderId} was cancelled because some items are out of stock. A refund of 5.00 USD is on its way.`,
    );
    expect(cancelled(false)?.message).not.toContain('refund');
    expect(cancelled(false)?.template).toBe('order-cancelled');
  });

  it('after an amount mismatch, promises back what was charged, not the total', () => {
    const message = notificationFor(
      event('ecom.order.cancelled.v1', {
        orderId,
        customerId,
        cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
        refundRequired: true,
        totalAmount: '5.00',
        currency: 'USD',
      }),
    )?.message;
    expect(message).toBe(
      `Your order ${orderId} was cancelled because the amount charged did not match the order total. The amount charged is being refunded.`,
    );
  });

  it('explains every cancellation reason in words, the saga deadline included', () => {
    const because = (cancellationReason: EventPayloads['ecom.order.cancelled.v1']['cancellationReason']) =>
      notificationFor(
        event('ecom.order.cancelled.v1', {
          orderId,
          customerId,
          cancellationReason,
          refundRequired: false,
          totalAmount: '5.00',
          currency: 'USD',
        }),
      )?.message;
    expect(because('SAGA_TIMEOUT')).toBe(
      `Your order ${orderId} was cancelled because we could not confirm payment and stock in time.`,
    );
    // Every reason the wire contract allows, so a new one is covered here without editing this list.
    const schema = eventSchema('ecom.order.cancelled.v1') as {
      properties: { cancellationReason: { enum: EventPayloads['ecom.order.cancelled.v1']['cancellationReason'][] } };
    };
    const reasons = schema.properties.cancellationReason.enum;
    expect(reasons).toContain('PAYMENT_AMOUNT_MISMATCH');
    const messages = reasons.map(because);
    expect(messages.every((m) => m && !m.includes('undefined'))).toBe(true);
    expect(new Set(messages).size).toBe(reasons.length);
  });

  it('notifies refunds and shipments', () => {
    const refund = notificationFor(
      event('ecom.payment.refunded.v1', {
        refundId: '0b6c4b1e-1111-4c1e-9a57-1b2c3d4e5f60',
        paymentId: '0b6c4b1e-2222-4c1e-9a57-1b2c3d4e5f60',
        orderId,
        customerId,
        amount: '5.00',
        currency: 'USD',
        reason: 'ORDER_CANCELLED',
      }),
    );
    expect(refund).toMatchObject({ template: 'payment-refunded', message: expect.stringContaining('5.00 USD') });

    const shipment = notificationFor(
      event('ecom.shipment.created.v1', {
        shipmentId: '0b6c4b1e-3333-4c1e-9a57-1b2c3d4e5f60',
        orderId,
        customerId,
        carrier: 'DHL',
        trackingNumber: 'TRK123',
        estimatedDelivery: '2025-01-05',
      }),
    );
    expect(shipment?.template).toBe('shipment-created');
    expect(shipment?.message).toContain('TRK123');

    const status = notificationFor(
      event('ecom.shipment.status-updated.v1', {
        shipmentId: '0b6c4b1e-3333-4c1e-9a57-1b2c3d4e5f60',
        orderId,
        customerId,
        status: 'OUT_FOR_DELIVERY',
        location: 'Berlin',
        timestamp: '2025-01-04T08:00:00.000Z',
      }),
    );
    expect(status).toMatchObject({
      customerId,
      orderId,
      template: 'shipment-out-for-delivery',
      message: `Your shipment for order ${orderId} is out for delivery (Berlin).`,
    });
  });

  it('ignores events that never concern the customer', () => {
    const payment = event('ecom.payment.processed.v1', {
      paymentId: '0b6c4b1e-2222-4c1e-9a57-1b2c3d4e5f60',
      orderId,
      customerId,
      amount: '5.00',
      currency: 'USD',
      status: 'COMPLETED',
      paymentMethod: 'card',
      transactionId: 'tx-1',
      failureReason: null,
    });
    expect(notificationFor(payment)).toBeUndefined();
  });

  it('is deterministic: the same event always gives the same notification', () => {
    const e = updated('SHIPPED');
    expect(notificationFor(e)).toEqual(notificationFor(e));
  });
});
