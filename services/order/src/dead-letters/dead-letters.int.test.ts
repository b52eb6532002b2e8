// Dead letters tied to the saga, against the real broker and PostgreSQL: the order service reads
// ecom.dlq, says on the order which of its events are dead-lettered, lists stuck orders, and closes
// a dead letter when the event's answer arrives.
import { randomUUID } from 'node:crypto';
import {
  createEvent,
  deadLetter,
  type Event,
  EventCodec,
  type OutgoingRecord,
  openProducer,
  type RecordProducer,
} from '@ecom/kit';
import { eventually, startTestService, type TestService, testKafka } from '@ecom/kit/testing';
import type { EventPayloads, EventType } from '@ecom/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrderConfig, orderService } from '../service.js';
import type { Order } from '../store.js';
import type { OrderDeadLetter } from './store.js';

const codec = new EventCodec();
let running: TestService<OrderConfig>;
let producer: RecordProducer;

beforeAll(async () => {
  running = await startTestService(orderService);
  producer = await openProducer(testKafka('order-dead-letters-test'));
});

afterAll(async () => {
  await producer?.close();
  await running?.stop();
});

type WithDeadLetters = Order & { deadLetters: OrderDeadLetter[] };

async function placeOrder(): Promise<Order> {
  const res = await running.app.inject({
    method: 'POST',
    url: '/api/orders',
    payload: {
      customerId: `dl-${randomUUID().slice(0, 8)}`,
      items: [{ productId: 'p-1', quantity: 1, price: '5.00' }],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Order;
}

const get = async (orderId: string) => (await running.app.inject(`/api/orders/${orderId}`)).json() as WithDeadLetters;
const stuck = async (value: boolean) =>
  ((await running.app.inject(`/api/orders?stuck=${value}&limit=500`)).json() as { items: WithDeadLetters[] }).items;

/** An event of an order's flow as another service would have published it. */
function flowEvent<T extends EventType>(
  service: string,
  type: T,
  data: EventPayloads[T],
  orderId: string,
  causationId?: string,
) {
  return createEvent(service, type, data, { correlationId: orderId, ...(causationId ? { causationId } : {}) });
}

/** Writes the dead letter the kit's runner writes when `group` fails `event`, plus extra headers. */
async function deadLetterOf(event: Event, group: string, extra: Record<string, string> = {}): Promise<void> {
  const original = codec.encode(event);
  const letter: OutgoingRecord = deadLetter(
    {
      topic: original.topic,
      partition: 0,
      offset: '42',
      key: original.key === null ? null : Buffer.from(original.key),
      value: original.value,
      headers: original.headers,
      timestamp: String(Date.now()),
    },
    { group, errorClass: 'TypeError', message: 'boom', attempts: 3, failedAt: new Date() },
  );
  await producer.send([{ ...letter, headers: { ...letter.headers, ...extra } }]);
}

async function deadLettersReach(orderId: string, count: number): Promise<WithDeadLetters> {
  return eventually(async () => {
    const order = await get(orderId);
    return order.deadLetters.length === count ? order : undefined;
  }, `order ${orderId} with ${count} open dead letter(s)`);
}

const created = (order: Order) =>
  flowEvent(
    'order',
    'ecom.order.created.v1',
    {
      orderId: order.orderId,
      customerId: order.customerId,
      items: [{ productId: 'p-1', quantity: 1, price: '5.00' }],
      totalAmount: '5.00',
      currency: 'USD',
      paymentMethod: 'card',
      status: 'CREATED',
      orderDate: order.createdAt,
    },
    order.orderId,
  );

describe('order dead letters', () => {
  it('an order whose OrderCreated payment dead-lettered shows it and is listed as stuck, until payment answers it', async () => {
    const order = await placeOrder();
    expect((await get(order.orderId)).deadLetters).toEqual([]);
    const event = created(order);
    await deadLetterOf(event, 'payment');

    const shown = await deadLettersReach(order.orderId, 1);
    expect(shown.deadLetters[0]).toEqual({
      topic: 'ecom.dlq',
      partition: expect.any(Number),
      offset: expect.stringMatching(/^\d+$/),
      errorClass: 'TypeError',
      consumerGroup: 'payment',
      originalTopic: 'ecom.orders',
      ceType: 'ecom.order.created.v1',
      failedAt: expect.any(String),
    });
    expect((await stuck(true)).map((o) => o.orderId)).toContain(order.orderId);
    expect((await stuck(false)).map((o) => o.orderId)).not.toContain(order.orderId);
    const listed = (await stuck(true)).find((o) => o.orderId === order.orderId);
    expect(listed?.deadLetters).toEqual(shown.deadLetters);

    // An answer from another group changes nothing; payment's answer (caused by the event) closes it.
    const reserved = flowEvent(
      'inventory',
      'ecom.inventory.stock-reserved.v1',
      reservedData(order),
      order.orderId,
      event.id,
    );
    await running.publish(reserved);
    await running.handled(reserved);
    expect((await get(order.orderId)).deadLetters).toHaveLength(1);
    const processed = flowEvent(
      'payment',
      'ecom.payment.processed.v1',
      {
        paymentId: randomUUID(),
        orderId: order.orderId,
        customerId: order.customerId,
        amount: '5.00',
        currency: 'USD',
        status: 'COMPLETED',
        paymentMethod: 'card',
        transactionId: 'tx-1',
        failureReason: null,
      },
      order.orderId,
      event.id,
    );
    await running.publish(processed);
    await running.handled(processed);
    const after = await get(order.orderId);
    expect(after.deadLetters).toEqual([]);
    expect(after.status).toBe('CONFIRMED');
    expect((await stuck(true)).map((o) => o.orderId)).not.toContain(order.orderId);
  });

  it('a replay that failed again: the older dead letter closes, the new one is the open one', async () => {
    const order = await placeOrder();
    await deadLetterOf(created(order), 'inventory');
    const [first] = (await deadLettersReach(order.orderId, 1)).deadLetters;
    if (!first) throw new Error('no dead letter');
    await deadLetterOf(created(order), 'inventory', {
      ecom_replayed_from: `${first.topic}/${first.partition}/${first.offset}`,
    });
    const later = await eventually(async () => {
      const o = await get(order.orderId);
      return o.deadLetters.length === 1 && o.deadLetters[0]?.offset !== first.offset ? o : undefined;
    }, 'the new dead letter replacing the first');
    expect(later.deadLetters[0]).toMatchObject({ consumerGroup: 'inventory' });
  });

  it('an event this service dead-lettered itself closes when it is handled at last (a replay)', async () => {
    const order = await placeOrder();
    const reserved = flowEvent('inventory', 'ecom.inventory.stock-reserved.v1', reservedData(order), order.orderId);
    await deadLetterOf(reserved, 'order');
    await deadLettersReach(order.orderId, 1);
    await running.publish(reserved);
    await running.handled(reserved);
    const after = await get(order.orderId);
    expect(after.deadLetters).toEqual([]);
    expect(after.reservationStatus).toBe('RESERVED');
  });

  it('dead letters of orders it does not know are passed over, not stuck on', async () => {
    const order = await placeOrder();
    // Unknown orders on (most likely) every partition, ahead of the letter of a known one.
    for (let i = 0; i < 6; i++) {
      const unknown = randomUUID();
      await deadLetterOf(
        flowEvent('inventory', 'ecom.inventory.stock-reserved.v1', reservedData({ orderId: unknown }), unknown),
        'order',
      );
    }
    await deadLetterOf(created(order), 'analytics');
    const shown = await deadLettersReach(order.orderId, 1);
    expect(shown.deadLetters.map((d) => d.consumerGroup)).toEqual(['analytics']);
  });
});

function reservedData(order: { orderId: string }): EventPayloads['ecom.inventory.stock-reserved.v1'] {
  return { orderId: order.orderId, reservationId: randomUUID(), items: [{ productId: 'p-1', quantity: 1 }] };
}
