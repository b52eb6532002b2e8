// Many multi-line orders over a few shared products, their payment outcomes and cancellations
// flowing on every partition of ecom.orders and ecom.payments at once, with stock adjusted over
// HTTP meanwhile: the consumer runs several batches in parallel (one per partition, concurrency 3),
// each touching most of the products. PostgreSQL must report no deadlock, and every unit of stock
// must be where the orders' outcomes put it. Runs the inventory service in-process against the real
// broker and PostgreSQL; it stops the service itself, because a backend reports its deadlock count
// to pg_stat_database for certain only when it exits.
import { randomUUID } from 'node:crypto';
import { type Db, type Event, openDb } from '@ecom/kit';
import {
  orderCancelled,
  orderCreated,
  paymentProcessed,
  startTestService,
  type TestLine,
  type TestService,
  testDatabaseUrl,
  testLogger,
} from '@ecom/kit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReservationStatus } from './domain/reservation-state.js';
import { type InventoryConfig, inventoryService } from './service.js';

const PRODUCTS = 6;
const ORDERS = 300;
/** Enough that no order runs out: every outcome below is then independent of processing order. */
const INITIAL_STOCK = 100_000;

/** What happens to an order after OrderCreated, and the reservation status that must result. */
const PLANS = {
  paid: 'COMMITTED',
  declined: 'RELEASED',
  cancelled: 'RELEASED',
  'paid-then-cancelled': 'RELEASED',
  pending: 'HELD',
} as const satisfies Record<string, ReservationStatus>;
type Plan = keyof typeof PLANS;

interface TestOrder {
  orderId: string;
  lines: [TestLine, ...TestLine[]];
  plan: Plan;
  /** Names a product that was never stocked: the reservation fails, whatever the plan. */
  ghost: boolean;
}

let db: Db;
let running: TestService<InventoryConfig> | undefined;

beforeAll(async () => {
  db = await openDb({ url: testDatabaseUrl(), schema: 'inventory', poolSize: 2 }, testLogger());
});

afterAll(async () => {
  await running?.stop();
  await db?.close();
});

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** 2-4 lines over the shared products (now and then the same product twice), 1-3 units each. */
function makeOrders(products: readonly string[]): TestOrder[] {
  const plans = Object.keys(PLANS) as Plan[];
  return Array.from({ length: ORDERS }, (_, i) => {
    const ghost = i % 25 === 0;
    const lines = Array.from({ length: 2 + (i % 3) }, () => ({
      productId: pick(products),
      quantity: 1 + Math.floor(Math.random() * 3),
    }));
    const [first, ...rest] = ghost ? [{ productId: `ghost-${randomUUID()}`, quantity: 1 }, ...lines] : lines;
    if (!first) throw new Error('an order without lines');
    return { orderId: randomUUID(), lines: [first, ...rest], plan: plans[i % plans.length] as Plan, ghost };
  });
}

function eventsOf(order: TestOrder): Event[] {
  const { orderId, lines, plan } = order;
  const created = orderCreated(orderId, lines);
  switch (plan) {
    case 'paid':
      return [created, paymentProcessed(orderId, 'COMPLETED')];
    case 'declined':
      return [created, paymentProcessed(orderId, 'FAILED')];
    case 'cancelled':
      return [created, orderCancelled(orderId)];
    case 'paid-then-cancelled':
      return [created, paymentProcessed(orderId, 'COMPLETED'), orderCancelled(orderId)];
    case 'pending':
      return [created];
  }
}

function expectedStatus(order: TestOrder): ReservationStatus {
  return order.ghost ? 'FAILED' : PLANS[order.plan];
}

/** Sums a counter of the service's registry over every label set (0 when the service has no such metric). */
async function counterTotal(service: TestService<InventoryConfig>, name: string, code?: string): Promise<number> {
  const metric = (await service.deps.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((v) => code === undefined || v.labels.code === code)
    .reduce((sum, v) => sum + v.value, 0);
}

async function deadlocks(): Promise<number> {
  const { rows } = await db.query<{ deadlocks: string }>(
    'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.deadlocks);
}

async function backendsNamed(applicationName: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return Number(rows[0]?.n);
}

async function handledCount(ids: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM inbox WHERE ce_id = ANY($1::text[])', [
    [...ids],
  ]);
  return Number(rows[0]?.n);
}

/** Polls until every event is in the inbox or `timeoutMs` passed; says how many were handled. */
async function waitForHandled(ids: readonly string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const handled = await handledCount(ids);
    if (handled === ids.length || Date.now() > deadline) return handled;
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('runs concurrent batches of multi-product orders and stock adjustments without a deadlock, conserving stock', async () => {
  // Its own application_name, so the test knows when the service's backends have exited.
  const applicationName = `inventory-concurrency-${randomUUID().slice(0, 8)}`;
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('application_name', applicationName);
  const service = await startTestService(inventoryService, { DATABASE_URL: url.toString() });
  running = service;
  const put = (productId: string, quantity: number, operation: 'ADD' | 'SUBTRACT') =>
    service.app.inject({
      method: 'PUT',
      url: `/api/inventory/${productId}`,
      payload: { quantity, operation, reason: operation === 'ADD' ? 'RESTOCK' : 'ADJUSTMENT' },
    });

  const run = randomUUID().slice(0, 8);
  const products = Array.from({ length: PRODUCTS }, (_, i) => `sku-${run}-${i}`);
  for (const p of products) expect((await put(p, INITIAL_STOCK, 'ADD')).statusCode).toBe(201);
  const orders = makeOrders(products);
  const events = orders.flatMap(eventsOf);
  const ids = events.map((e) => e.id);

  const deadlocksBefore = await deadlocks();
  const failedBefore = await counterTotal(service, 'kafka_messages_failed_total');
  await service.publish(...events);

  // Stock adjustments on the same products while the batches run: each PUT locks one product.
  const adjusted = new Map(products.map((p) => [p, 0]));
  const adjustments: number[] = [];
  const creations: number[] = [];
  let processing = true;
  const adjusting = (async () => {
    for (let round = 0; processing; round++) {
      const operation = round % 2 === 0 ? 'ADD' : 'SUBTRACT';
      const quantity = operation === 'ADD' ? 5 : 2;
      const answers = await Promise.all(products.map((p) => put(p, quantity, operation)));
      for (const [i, answer] of answers.entries()) {
        adjustments.push(answer.statusCode);
        const p = products[i] as string;
        if (answer.statusCode === 200) adjusted.set(p, (adjusted.get(p) ?? 0) + (operation === 'ADD' ? 5 : -2));
      }
      // A product created meanwhile takes the catalogue lock that batches share: it waits for them.
      creations.push((await put(`sku-${run}-new-${round}`, 1, 'ADD')).statusCode);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const handled = await waitForHandled(ids, 150_000);
  processing = false;
  await adjusting;
  const failedAttempts = (await counterTotal(service, 'kafka_messages_failed_total')) - failedBefore;
  const transientDeadlocks = await counterTotal(service, 'kafka_batch_transient_retries_total', '40P01');
  expect(await backendsNamed(applicationName)).toBeGreaterThan(0);

  await service.stop();
  running = undefined;
  // An exiting backend flushes its statistics: once all are gone, pg_stat_database counts their deadlocks.
  for (let i = 0; (await backendsNamed(applicationName)) > 0; i++) {
    if (i > 100) throw new Error(`backends of ${applicationName} still there 10 s after the service stopped`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect({
    handled,
    deadlocks: (await deadlocks()) - deadlocksBefore,
    transientDeadlocks,
    failedAttempts,
    adjustments: [...new Set(adjustments)],
    creations: [...new Set(creations)],
  }).toEqual({
    handled: ids.length,
    deadlocks: 0,
    transientDeadlocks: 0,
    failedAttempts: 0,
    adjustments: [200],
    creations: [201],
  });

  // Every reservation ended where its order's outcome puts it.
  const { rows } = await db.query<{ order_id: string; status: ReservationStatus }>(
    'SELECT order_id, status FROM reservations WHERE order_id = ANY($1::uuid[])',
    [orders.map((o) => o.orderId)],
  );
  const statusOf = new Map(rows.map((r) => [r.order_id, r.status]));
  expect(orders.map((o) => [o.orderId, statusOf.get(o.orderId)])).toEqual(
    orders.map((o) => [o.orderId, expectedStatus(o)]),
  );

  // Stock conserved: what is on hand is the initial stock, plus the adjustments, minus what paid
  // orders took; what is reserved is exactly what the pending orders hold.
  const expected = new Map(products.map((p) => [p, { onHand: INITIAL_STOCK + (adjusted.get(p) ?? 0), reserved: 0 }]));
  for (const order of orders) {
    const status = expectedStatus(order);
    for (const line of order.lines) {
      const level = expected.get(line.productId);
      if (!level) continue;
      if (status === 'COMMITTED') level.onHand -= line.quantity;
      if (status === 'HELD') level.reserved += line.quantity;
    }
  }
  const stock = await db.query<{ product_id: string; on_hand: string; reserved: string }>(
    'SELECT product_id, on_hand, reserved FROM products WHERE product_id = ANY($1::text[]) ORDER BY product_id',
    [products],
  );
  expect(
    stock.rows.map((r) => ({ productId: r.product_id, onHand: Number(r.on_hand), reserved: Number(r.reserved) })),
  ).toEqual([...expected].map(([productId, level]) => ({ productId, ...level })));
}, 240_000);
