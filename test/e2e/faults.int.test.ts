// Aimed fault injection: for each named fault point of the kit, the services that pass it run
// with the fault armed (a SIGKILL at exactly that window) while careful clients place a few
// hundred mixed orders; the stack restarts what crashes, as a kubelet would. Afterwards every
// invariant must hold: nothing lost, nothing doubled, nothing dead-lettered that was healthy.
import { randomUUID } from 'node:crypto';
import { type FaultPoint, type OutgoingRecord, openProducer, type RecordProducer } from '@ecom/kit';
import { startWebhookSink, testKafka, type WebhookSink } from '@ecom/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants, deadLetterGroups, readWholeTopic } from '../support/invariants.js';
import { runLoad } from '../support/load.js';
import { getOrder, newId, paymentsOf, quiesce, stockOf } from '../support/platform.js';
import { settleAndCheck, stockProducts, supervisedStack } from '../support/reliability.js';
import { groupsHandling } from '../support/services.js';
import { SERVICES, type ServiceName, type Stack } from '../support/stack.js';

/** Crashes per service before its restarts come up unarmed, so every run ends. */
const CRASH_BUDGET = 3;
const ALL = Object.keys(SERVICES) as ServiceName[];
/** Faults a run must see before it counts; the load goes on (up to 600 orders) until they fired. */
const MIN_FAULTS = 2;

/** Each point, the services whose code passes it, and a rate that makes it fire early and often. */
const POINTS: Array<{ point: FaultPoint; rate: number; services: ServiceName[] }> = [
  { point: 'after-db-commit-before-publish', rate: 0.01, services: ALL },
  { point: 'after-publish-before-outbox-delete', rate: 0.02, services: ALL },
  { point: 'after-db-commit-before-offset-commit', rate: 0.03, services: ALL },
  { point: 'handler-mid-batch', rate: 0.05, services: ALL },
  { point: 'before-external-call', rate: 0.03, services: ['payment', 'notification'] },
  { point: 'after-external-call', rate: 0.03, services: ['payment', 'notification'] },
  {
    point: 'dlq-write-before-offset-commit',
    rate: 0.5,
    services: groupsHandling('ecom.order.created.v1') as ServiceName[],
  },
];

let sink: WebhookSink;
let stack: Stack;
let producer: RecordProducer;
const armed = new Set<ServiceName>();

beforeAll(async () => {
  sink = await startWebhookSink();
  producer = await openProducer(testKafka('faults-poison'));
  stack = supervisedStack(sink, {
    envAfterCrash: (_name, crashes) => (crashes >= CRASH_BUDGET ? { ECOM_FAULTS: '' } : undefined),
  });
  await stack.start();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await producer?.close();
  await sink?.close();
});

/** Schema-invalid OrderCreated records: every group consuming ecom.orders dead-letters each once. */
async function producePoison(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await producer.send(
    ids.map((id) => ({
      topic: 'ecom.orders',
      key: id,
      value: Buffer.from(JSON.stringify({ orderId: 'not-a-uuid' })),
      headers: {
        ce_specversion: '1.0',
        ce_id: id,
        ce_source: '/ecom/test',
        ce_type: 'ecom.order.created.v1',
        ce_time: new Date().toISOString(),
        ce_subject: id,
        'content-type': 'application/json',
      },
    })),
  );
  return ids;
}

async function arm(services: ServiceName[], spec: string): Promise<void> {
  for (const name of services) {
    stack.setEnv(name, { ECOM_FAULTS: spec });
    armed.add(name);
  }
  stack.resetCrashes();
  await Promise.all(services.map((name) => stack.restart(name)));
}

async function disarm(): Promise<void> {
  const names = [...armed];
  armed.clear();
  for (const name of names) stack.setEnv(name, { ECOM_FAULTS: '' });
  await Promise.all(names.map((name) => stack.restart(name)));
}

describe('aimed fault injection: a crash at each named window loses nothing and doubles nothing', () => {
  // Also after a failed run, so the next one starts unarmed.
  afterEach(disarm, 120_000);

  for (const { point, rate, services } of POINTS) {
    it(`${point} (SIGKILL at rate ${rate} in ${services.join(', ')})`, async () => {
      const run = newId('f');
      const seeded = await stockProducts(run, 9, 40);
      await arm(services, `${point}:${rate}`);
      const poison = await producePoison(point === 'dlq-write-before-offset-commit' ? 6 : 2);
      const load = await runLoad({
        run,
        orders: 200,
        concurrency: 8,
        products: Object.keys(seeded),
        customers: 25,
        extend: { done: () => stack.faultCount() >= MIN_FAULTS, maxOrders: 600 },
      });
      const orders = await settleAndCheck(stack, load, seeded, sink, poison);

      // The run proved something only if the fault fired, and the workload had every outcome.
      expect(stack.faultCount(), `too few faults fired at ${point}:\n${stack.outputs(10)}`).toBeGreaterThanOrEqual(
        MIN_FAULTS,
      );
      expect(orders.some((o) => o.cancellationReason === 'PAYMENT_FAILED')).toBe(true);
      expect(orders.some((o) => o.cancellationReason === 'OUT_OF_STOCK')).toBe(true);
      expect(orders.some((o) => o.status === 'SHIPPED')).toBe(true);

      // Each poison OrderCreated is dead-lettered once per group that handles the type.
      const groups = await deadLetterGroups(poison);
      for (const id of poison) expect(groups[id]).toEqual(groupsHandling('ecom.order.created.v1'));
    }, 600_000);
  }
});

describe('duplicate delivery and reordering', () => {
  it('every record of a finished run delivered again, in reverse order across keys, changes nothing', async () => {
    const run = newId('d');
    const seeded = await stockProducts(run, 6, 30);
    const load = await runLoad({ run, orders: 60, concurrency: 6, products: Object.keys(seeded), customers: 10 });
    const before = await settleAndCheck(stack, load, seeded, sink);
    const snapshot = async () => ({
      orders: (await Promise.all(before.map((o) => getOrder(o.orderId)))).map((o) => [o.status, o.refundedAmount]),
      payments: await Promise.all(before.map((o) => paymentsOf(o.orderId))),
      stock: await Promise.all(Object.keys(seeded).map(stockOf)),
      sent: [...sink.accepted.values()].reduce((sum, n) => sum + n, 0),
    });
    const first = await snapshot();

    const ids = new Set(before.map((o) => o.orderId));
    const again: OutgoingRecord[] = [];
    for (const topic of ['ecom.orders', 'ecom.payments', 'ecom.inventory', 'ecom.shipments']) {
      for (const r of await readWholeTopic(topic)) {
        if (!ids.has(r.headers.ce_correlationid ?? '')) continue;
        again.push({ topic, key: r.key?.toString() ?? null, value: r.value ?? Buffer.alloc(0), headers: r.headers });
      }
    }
    expect(again.length).toBeGreaterThan(before.length * 5);
    await producer.send(again.reverse());
    await quiesce(120_000);
    expect(await snapshot()).toEqual(first);
    await checkInvariants({ orderIds: [...load.accepted.values()], seeded, customers: load.customers, sink });
  }, 600_000);
});
