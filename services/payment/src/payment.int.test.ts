import { randomUUID } from 'node:crypto';
import { createEvent, EventCodec, type IncomingRecord } from '@ecom/kit';
import { eventually, expectProblem, readTopic, startTestService, type TestService } from '@ecom/kit/testing';
import type { OrderCreated } from '@ecom/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChargeRequest, PaymentGateway, RefundRequest } from './gateway/gateway.js';
import { SimulatedGateway } from './gateway/simulated.js';
import { createPaymentService, type PaymentConfig, paymentService } from './service.js';
import type { Payment } from './store.js';

const codec = new EventCodec();
let running: TestService<PaymentConfig>;

beforeAll(async () => {
  running = await startTestService(paymentService, { PAYMENT_DECLINE_ABOVE: '5000.00' });
});

afterAll(async () => {
  await running?.stop();
});

function orderCreated(over: Partial<OrderCreated> = {}): OrderCreated {
  return {
    orderId: randomUUID(),
    customerId: `cust-${randomUUID().slice(0, 8)}`,
    items: [{ productId: 'p-1', quantity: 1, price: '42.50' }],
    totalAmount: '42.50',
    currency: 'EUR',
    paymentMethod: 'card',
    status: 'CREATED',
    orderDate: new Date().toISOString(),
    ...over,
  };
}

/**
 * A reader may be handed the same record twice (delivery to its throwaway group is at least
 * once): keep one per partition and offset, so counts measure what was published.
 */
function distinct(records: IncomingRecord[]): IncomingRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const id = `${r.partition}:${r.offset}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const ofOrder = (orderId: string, type: string) => (r: IncomingRecord) =>
  r.headers.ce_subject !== undefined && r.headers.ce_type === type && JSON.parse(String(r.value)).orderId === orderId;

async function paymentsOf(orderId: string): Promise<Payment[]> {
  return ((await running.app.inject(`/api/payments?orderId=${orderId}`)).json() as { items: Payment[] }).items;
}

const charge = (payload: object) => running.app.inject({ method: 'POST', url: '/api/payments', payload });
const refund = (paymentId: string, payload: object) =>
  running.app.inject({ method: 'POST', url: `/api/payments/${paymentId}/refund`, payload });

describe('payment API: bad input is a problem naming the field and writes nothing', () => {
  it('POST /api/payments', async () => {
    const orderId = randomUUID();
    const good = { orderId, amount: '10.00', currency: 'USD', paymentMethod: 'card' };
    const cases: Array<[object, string]> = [
      [{ ...good, orderId: 'x' }, '/orderId'],
      [{ ...good, amount: '-1' }, '/amount'],
      [{ ...good, amount: 10 }, '/amount'],
      [{ ...good, amount: '1.234' }, '/amount'],
      [{ ...good, currency: 'dollars' }, '/currency'],
      [{ orderId, amount: '1', currency: 'USD' }, '/paymentMethod'],
      [{ ...good, tip: '1' }, '/tip'],
    ];
    for (const [payload, field] of cases) expectProblem(await charge(payload), 400, [field]);
    expect(await paymentsOf(orderId)).toEqual([]);
  });

  it('refund, GET and list', async () => {
    const created = await charge({ orderId: randomUUID(), amount: '30.00', currency: 'USD', paymentMethod: 'card' });
    const payment = created.json() as Payment;
    expectProblem(await refund(payment.paymentId, {}), 400, ['/reason']);
    expectProblem(await refund(payment.paymentId, { reason: 'r', amount: '0' }), 400, ['/amount']);
    expectProblem(await refund(payment.paymentId, { reason: 'r', amount: '30.01' }), 400, ['/amount']);
    expectProblem(await refund(payment.paymentId, { reason: 'r', amount: 'lots' }), 400, ['/amount']);
    expectProblem(await refund('nope', { reason: 'r' }), 400, ['/paymentId']);
    expectProblem(await refund(randomUUID(), { reason: 'r' }), 404);
    expectProblem(await running.app.inject('/api/payments/nope'), 400, ['/paymentId']);
    expectProblem(await running.app.inject(`/api/payments/${randomUUID()}`), 404);
    expectProblem(await running.app.inject('/api/payments?orderId=nope'), 400, ['/orderId']);
    expectProblem(await running.app.inject('/api/payments?limit=501'), 400, ['/limit']);
    expect((await running.app.inject(`/api/payments/${payment.paymentId}`)).json()).toEqual(payment);
  });
});

describe('payment API flows', () => {
  it('charges manually once per order, refunds partially then fully, then refuses', async () => {
    const orderId = randomUUID();
    const res = await charge({ orderId, amount: '30', currency: 'USD', paymentMethod: 'card', customerId: 'c-1' });
    expect(res.statusCode, res.body).toBe(201);
    const payment = res.json() as Payment;
    expect(res.headers.location).toBe(`/api/payments/${payment.paymentId}`);
    expect(payment).toMatchObject({
      orderId,
      customerId: 'c-1',
      amount: '30.00',
      status: 'COMPLETED',
      refundedAmount: '0.00',
      source: 'API',
      failureReason: null,
      refunds: [],
    });
    expect(payment.transactionId).toMatch(/^sim_ch_/);
    expectProblem(await charge({ orderId, amount: '30', currency: 'USD', paymentMethod: 'card' }), 409);

    const part = await refund(payment.paymentId, { reason: 'damaged', amount: '10.5' });
    expect(part.statusCode, part.body).toBe(200);
    expect(part.json()).toMatchObject({ refundedAmount: '10.50', refunds: [{ amount: '10.50', reason: 'damaged' }] });
    const rest = await refund(payment.paymentId, { reason: 'returned' });
    expect(rest.json()).toMatchObject({ refundedAmount: '30.00' });
    expect((rest.json() as Payment).refunds.map((r) => r.amount)).toEqual(['10.50', '19.50']);
    expectProblem(await refund(payment.paymentId, { reason: 'again' }), 409);

    const records = distinct(
      await readTopic(
        'ecom.payments',
        (rs) => distinct(rs).filter(ofOrder(orderId, 'ecom.payment.refunded.v1')).length >= 2,
      ),
    );
    expect(records.filter(ofOrder(orderId, 'ecom.payment.processed.v1'))).toHaveLength(1);
    const refunded = records.filter(ofOrder(orderId, 'ecom.payment.refunded.v1')).map((r) => codec.decode(r));
    expect(refunded.map((e) => e.correlationId)).toEqual([orderId, orderId]);
  });

  it('a declined manual charge is stored FAILED and cannot be refunded', async () => {
    const res = await charge({ orderId: randomUUID(), amount: '5', currency: 'USD', paymentMethod: 'card_declined' });
    expect(res.statusCode).toBe(201);
    const payment = res.json() as Payment;
    expect(payment).toMatchObject({ status: 'FAILED', transactionId: null });
    expectProblem(await refund(payment.paymentId, { reason: 'r' }), 409);
    const above = await charge({ orderId: randomUUID(), amount: '5000.01', currency: 'USD', paymentMethod: 'card' });
    expect(above.json()).toMatchObject({ status: 'FAILED' });
  });
});

describe('payment in the saga', () => {
  it('charges an OrderCreated once, even redelivered, and refunds it on OrderCancelled', async () => {
    const order = orderCreated();
    const created = createEvent('test', 'ecom.order.created.v1', order, { correlationId: order.orderId });
    // The same record twice (a redelivery, same ce_id), then a duplicate with a new ce_id.
    await running.publish(created, created);
    await running.publish(createEvent('test', 'ecom.order.created.v1', order, { correlationId: order.orderId }));
    // Same key, same partition: handled after the duplicates, so its refund marks them done.
    await running.publish(
      createEvent(
        'test',
        'ecom.order.cancelled.v1',
        {
          orderId: order.orderId,
          customerId: order.customerId,
          cancellationReason: 'OUT_OF_STOCK',
          refundRequired: true,
          totalAmount: order.totalAmount,
          currency: order.currency,
        },
        { correlationId: order.orderId },
      ),
    );
    const records = distinct(
      await readTopic('ecom.payments', (rs) => rs.some(ofOrder(order.orderId, 'ecom.payment.refunded.v1'))),
    );
    const processed = records.filter(ofOrder(order.orderId, 'ecom.payment.processed.v1')).map((r) => codec.decode(r));
    expect(processed).toHaveLength(1);
    expect(processed[0]?.data).toMatchObject({
      orderId: order.orderId,
      customerId: order.customerId,
      amount: '42.50',
      currency: 'EUR',
      status: 'COMPLETED',
      failureReason: null,
    });
    expect(processed[0]?.causationId).toBe(created.id);
    expect(processed[0]?.correlationId).toBe(order.orderId);
    const refunded = records.filter(ofOrder(order.orderId, 'ecom.payment.refunded.v1')).map((r) => codec.decode(r));
    expect(refunded).toHaveLength(1);
    expect(refunded[0]?.data).toMatchObject({
      amount: '42.50',
      currency: 'EUR',
      reason: 'order cancelled: OUT_OF_STOCK',
    });

    const stored = await paymentsOf(order.orderId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ source: 'ORDER_CREATED', status: 'COMPLETED', refundedAmount: '42.50' });
  });

  it('declines card_declined and amounts above the limit', async () => {
    const declined = orderCreated({ paymentMethod: 'card_declined' });
    const tooMuch = orderCreated({
      totalAmount: '6000.00',
      items: [{ productId: 'p', quantity: 1, price: '6000.00' }],
    });
    for (const order of [declined, tooMuch]) {
      await running.publish(createEvent('test', 'ecom.order.created.v1', order, { correlationId: order.orderId }));
    }
    const records = distinct(
      await readTopic('ecom.payments', (rs) =>
        [declined, tooMuch].every((o) => rs.some(ofOrder(o.orderId, 'ecom.payment.processed.v1'))),
      ),
    );
    for (const order of [declined, tooMuch]) {
      const event = codec.decode(records.find(ofOrder(order.orderId, 'ecom.payment.processed.v1')) as IncomingRecord);
      expect(event.data).toMatchObject({ status: 'FAILED', transactionId: null });
    }
    const [payment] = await paymentsOf(declined.orderId);
    expect(payment).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/declined/) });
  });
});

describe('transient gateway failures', () => {
  it('are retried with the same idempotency key, then recorded FAILED at the last attempt', async () => {
    // A second payment service of its own (group and schema) whose gateway always times out: the
    // kit's effect runner calls it CONSUMER_MAX_ATTEMPTS times, outside any transaction, then the
    // charge is recorded FAILED so the order is cancelled rather than left waiting.
    const flaky = new CountingGateway(
      new SimulatedGateway({ declineAbove: '10000.00', latencyMs: 0, transientFailureRate: 1 }),
    );
    const service = { ...createPaymentService(() => flaky), name: 'payment-flaky', schema: 'payments_flaky' };
    const other = await startTestService(service, { CONSUMER_RETRY_BASE_MS: '10' });
    try {
      const order = orderCreated();
      const event = createEvent('test', 'ecom.order.created.v1', order, { correlationId: order.orderId });
      await other.publish(event);
      await other.handled(event);
      const max = other.deps.config.consumerMaxAttempts;
      const [payment] = (
        (await other.app.inject(`/api/payments?orderId=${order.orderId}`)).json() as { items: Payment[] }
      ).items;
      expect(payment).toMatchObject({
        status: 'FAILED',
        failureReason: expect.stringContaining(`payment gateway unavailable after ${max} attempts`),
      });
      expect(flaky.calls.filter((key) => key === `charge:${order.orderId}`)).toHaveLength(max);
    } finally {
      await other.stop();
    }
  });
});

describe('a cancellation while the charge is in flight', () => {
  it('is remembered on the PENDING payment, and the charge that completes afterwards is refunded at once', async () => {
    const gated = new GatedGateway(
      new SimulatedGateway({ declineAbove: '10000.00', latencyMs: 0, transientFailureRate: 0 }),
    );
    const service = { ...createPaymentService(() => gated), name: 'payment-gated', schema: 'payments_gated' };
    const other = await startTestService(service);
    try {
      const order = orderCreated();
      const created = createEvent('test', 'ecom.order.created.v1', order, { correlationId: order.orderId });
      await other.publish(created);
      await gated.called;
      const cancelled = createEvent(
        'test',
        'ecom.order.cancelled.v1',
        {
          orderId: order.orderId,
          customerId: order.customerId,
          cancellationReason: 'CUSTOMER_REQUEST',
          refundRequired: false,
          totalAmount: order.totalAmount,
          currency: order.currency,
        },
        { correlationId: order.orderId },
      );
      await other.publish(cancelled);
      await eventually(async () => {
        const { rows } = await other.deps.db.query<{ status: string; cancel_reason: string | null }>(
          'SELECT status, cancel_reason FROM payments WHERE order_id = $1',
          [order.orderId],
        );
        return rows[0]?.cancel_reason ? rows[0] : undefined;
      }, 'the cancellation to be stored on the payment').then((row) =>
        expect(row).toEqual({ status: 'PENDING', cancel_reason: 'CUSTOMER_REQUEST' }),
      );
      gated.open();
      await other.handled(created, cancelled);
      await eventually(async () => {
        const [payment] = (
          (await other.app.inject(`/api/payments?orderId=${order.orderId}`)).json() as { items: Payment[] }
        ).items;
        return payment?.refundedAmount === '42.50' ? payment : undefined;
      }, 'the completed charge to be refunded').then((payment) =>
        expect(payment).toMatchObject({ status: 'COMPLETED', refunds: [{ amount: '42.50' }] }),
      );
    } finally {
      gated.open();
      await other.stop();
    }
  });
});

/** Holds every charge until open() is called; `called` resolves at the first charge. */
class GatedGateway implements PaymentGateway {
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  private reached: () => void = () => undefined;
  readonly called = new Promise<void>((resolve) => {
    this.reached = resolve;
  });
  constructor(private readonly inner: PaymentGateway) {}
  async charge(request: ChargeRequest) {
    this.reached();
    await this.gate;
    return this.inner.charge(request);
  }
  refund(request: RefundRequest) {
    return this.inner.refund(request);
  }
  open(): void {
    this.release();
  }
}

/** Records the idempotency key of every call that reaches the gateway. */
class CountingGateway implements PaymentGateway {
  readonly calls: string[] = [];
  constructor(private readonly inner: PaymentGateway) {}
  charge(request: ChargeRequest) {
    this.calls.push(request.idempotencyKey);
    return this.inner.charge(request);
  }
  refund(request: RefundRequest) {
    this.calls.push(request.idempotencyKey);
    return this.inner.refund(request);
  }
}
