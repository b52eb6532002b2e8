// Event builders for tests: the saga's inputs with valid payloads, so a test names only what it is
// about (the order, its lines, the outcome). Each event is correlated by its order, as in the saga.
import { randomUUID } from 'node:crypto';
import { createEvent, type Event } from '../events/event.js';
import { fromCents } from '../money.js';

const SOURCE = 'test';
const CUSTOMER = 'cust-1';

export interface TestLine {
  productId: string;
  quantity: number;
}

/** OrderCreated with one item per line, each at 1.00 USD; the total is their sum. */
export function orderCreated(
  orderId: string,
  [first, ...rest]: readonly [TestLine, ...TestLine[]],
): Event<'ecom.order.created.v1'> {
  const lines = [first, ...rest];
  const units = lines.reduce((sum, line) => sum + line.quantity, 0);
  return createEvent(
    SOURCE,
    'ecom.order.created.v1',
    {
      orderId,
      customerId: CUSTOMER,
      items: [{ ...first, price: '1.00' }, ...rest.map((line) => ({ ...line, price: '1.00' }))],
      totalAmount: fromCents(BigInt(units) * 100n),
      currency: 'USD',
      paymentMethod: 'card',
      status: 'CREATED',
      orderDate: new Date().toISOString(),
    },
    { correlationId: orderId },
  );
}

export function paymentProcessed(orderId: string, status: 'COMPLETED' | 'FAILED'): Event<'ecom.payment.processed.v1'> {
  return createEvent(
    SOURCE,
    'ecom.payment.processed.v1',
    {
      paymentId: randomUUID(),
      orderId,
      customerId: CUSTOMER,
      amount: '1.00',
      currency: 'USD',
      status,
      paymentMethod: 'card',
      transactionId: status === 'COMPLETED' ? 'tx-1' : null,
      failureReason: status === 'FAILED' ? 'declined' : null,
    },
    { correlationId: orderId },
  );
}

export function orderCancelled(orderId: string): Event<'ecom.order.cancelled.v1'> {
  return createEvent(
    SOURCE,
    'ecom.order.cancelled.v1',
    {
      orderId,
      customerId: CUSTOMER,
      cancellationReason: 'CUSTOMER_REQUEST',
      refundRequired: true,
      totalAmount: '1.00',
      currency: 'USD',
    },
    { correlationId: orderId },
  );
}
