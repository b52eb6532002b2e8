// The inventory service in-process against the real broker and PostgreSQL. Topics are shared with
// other tests, so every test uses its own product and order ids and filters what it reads by key.
import { randomUUID } from 'node:crypto';
import type { IncomingRecord, Queryable } from '@ecom/kit';
import {
  eventually,
  expectProblem,
  orderCancelled,
  orderCreated,
  payloadOf,
  paymentProcessed,
  readKeyEvents,
  readTopic,
  recordsOfKey,
  startTestService,
  type TestService,
} from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockBatchRows } from './batch-locks.js';
import { type InventoryConfig, inventoryService } from './service.js';
import { lockOrders, lockProducts } from './store.js';

let running: TestService<InventoryConfig>;

beforeAll(async () => {
  running = await startTestService(inventoryService, { INVENTORY_LOW_STOCK_THRESHOLD: '10' });
});

afterAll(async () => {
  await running?.stop();
});

function product(): string {
  return `sku-${randomUUID().slice(0, 12)}`;
}

function inventoryEvents(key: string, type: string, count = 1): Promise<IncomingRecord[]> {
  return readKeyEvents('ecom.inventory', key, type, count);
}

async function stock(productId: string) {
  const res = await running.app.inject({ method: 'GET', url: `/api/inventory/${productId}` });
  return { status: res.statusCode, body: res.json() };
}

async function put(productId: string, body: unknown) {
  return running.app.inject({ method: 'PUT', url: `/api/inventory/${productId}`, payload: body as object });
}

describe('bad input', () => {
  it('rejects every malformed request with a problem naming the field, and writes nothing', async () => {
    const id = product();
    const cases: { url: string; method: 'PUT' | 'GET'; body?: unknown; field: string }[] = [
      {
        method: 'PUT',
        url: `/api/inventory/${id}`,
        body: { quantity: 0, operation: 'ADD', reason: 'RESTOCK' },
        field: '/quantity',
      },
      {
        method: 'PUT',
        url: `/api/inventory/${id}`,
        body: { quantity: 1.5, operation: 'ADD', reason: 'RESTOCK' },
        field: '/quantity',
      },
      {
        method: 'PUT',
        url: `/api/inventory/${id}`,
        body: { quantity: '3', operation: 'ADD', reason: 'RESTOCK' },
        field: '/quantity',
      },
      {
        method: 'PUT',
        url: `/api/inventory/${id}`,
        body: { quantity: 1, operation: 'MULTIPLY', reason: 'RESTOCK' },
        field: '/operation',
      },
      { method: 'PUT', url: `/api/inventory/${id}`, body: { quantity: 1, operation: 'ADD' }, field: '/reason' },
      {
        method: 'PUT',
        url: `/api/inventory/${id}`,
        body: { quantity: 1, operation: 'ADD', reason: 'GIFT' },
        field: '/reason',
      },
      {
        method: 'PUT',
        url: `/api/inventory/${id}`,
        body: { quantity: 1, operation: 'ADD', reason: 'RESTOCK', x: 1 },
        field: '/x',
      },
      { method: 'GET', url: '/api/inventory?limit=0', field: '/limit' },
      { method: 'GET', url: '/api/inventory?limit=501', field: '/limit' },
      { method: 'GET', url: '/api/inventory?lowStock=maybe', field: '/lowStock' },
      { method: 'GET', url: '/api/inventory?colour=red', field: '/colour' },
    ];
    for (const c of cases) {
      const res = await running.app.inject({
        method: c.method,
        url: c.url,
        ...(c.body ? { payload: c.body as object } : {}),
      });
      expectProblem(res, 400, [c.field], `${c.method} ${c.url} ${JSON.stringify(c.body)}`);
    }
    expect((await stock(id)).status).toBe(404);

    // A productId longer than the schema's 100 characters is a 400 naming the param.
    const long = 'p'.repeat(101);
    for (const method of ['PUT', 'GET'] as const) {
      const res = await running.app.inject({
        method,
        url: `/api/inventory/${long}`,
        ...(method === 'PUT' ? { payload: { quantity: 1, operation: 'ADD', reason: 'RESTOCK' } } : {}),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain('/productId');
    }
    expect((await stock(long.slice(0, 100))).status).toBe(404);
  });

  it('answers 404 for SUBTRACT on an unknown product and 409 below reserved or zero, changing nothing', async () => {
    const id = product();
    const unknown = await put(id, { quantity: 1, operation: 'SUBTRACT', reason: 'ADJUSTMENT' });
    expect(unknown.statusCode).toBe(404);
    expect((await stock(id)).status).toBe(404);

    expect((await put(id, { quantity: 3, operation: 'ADD', reason: 'RESTOCK' })).statusCode).toBe(201);
    const below = await put(id, { quantity: 4, operation: 'SUBTRACT', reason: 'ADJUSTMENT' });
    expect(below.statusCode).toBe(409);
    expect(below.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(below.json().detail).toMatch(/below zero/);
    expect((await stock(id)).body).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

    // Reserve 2 through an order, then subtracting 2 of the 3 would eat into the reservation.
    const orderId = randomUUID();
    const created = orderCreated(orderId, [{ productId: id, quantity: 2 }]);
    await running.publish(created);
    await running.handled(created);
    const intoReserved = await put(id, { quantity: 2, operation: 'SUBTRACT', reason: 'ADJUSTMENT' });
    expect(intoReserved.statusCode).toBe(409);
    expect(intoReserved.json().detail).toMatch(/below the 2 reserved units/);
    expect((await stock(id)).body).toMatchObject({ onHand: 3, reserved: 2, available: 1 });
  });
});

describe('PUT /api/inventory/:productId', () => {
  it('creates on the first ADD, adjusts afterwards, emits InventoryUpdated and the stock-level events', async () => {
    const id = product();
    const first = await put(id, { quantity: 12, operation: 'ADD', reason: 'RESTOCK' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ productId: id, onHand: 12, reserved: 0, available: 12 });

    const down = await put(id, { quantity: 5, operation: 'SUBTRACT', reason: 'ADJUSTMENT' });
    expect(down.statusCode).toBe(200);
    expect(down.json()).toMatchObject({ onHand: 7, available: 7 });
    const low = await running.app.inject({ method: 'GET', url: '/api/inventory?lowStock=true&limit=500' });
    expect(low.json().items.map((p: { productId: string }) => p.productId)).toContain(id);

    await put(id, { quantity: 7, operation: 'SUBTRACT', reason: 'ADJUSTMENT' });
    await put(id, { quantity: 20, operation: 'ADD', reason: 'RESTOCK' });

    const records = await inventoryEvents(id, 'ecom.inventory.stock-level-normalized.v1');
    expect(records.map((r) => r.headers.ce_type)).toEqual([
      'ecom.inventory.updated.v1',
      'ecom.inventory.updated.v1',
      'ecom.inventory.stock-level-warning.v1',
      'ecom.inventory.updated.v1',
      'ecom.inventory.stock-depleted.v1',
      'ecom.inventory.updated.v1',
      'ecom.inventory.stock-level-normalized.v1',
    ]);
    expect(payloadOf(records[0] as IncomingRecord)).toEqual({
      productId: id,
      quantityChange: 12,
      operation: 'ADD',
      reason: 'RESTOCK',
      quantityOnHand: 12,
      available: 12,
    });
    expect(payloadOf(records[2] as IncomingRecord)).toEqual({ productId: id, available: 7, threshold: 10 });
    expect(records[0]?.headers.ce_correlationid).toBe(id);
  });
});

describe('the reservation saga', () => {
  it('reserves on OrderCreated (StockReserved) and commits on PaymentProcessed COMPLETED', async () => {
    const [a, b] = [product(), product()];
    await put(a, { quantity: 20, operation: 'ADD', reason: 'RESTOCK' });
    await put(b, { quantity: 5, operation: 'ADD', reason: 'RESTOCK' });
    const orderId = randomUUID();
    const created = orderCreated(orderId, [
      { productId: b, quantity: 2 },
      { productId: a, quantity: 3 },
      { productId: b, quantity: 1 },
    ]);
    await running.publish(created);

    const reserved = await inventoryEvents(orderId, 'ecom.inventory.stock-reserved.v1');
    const payload = payloadOf<{ reservationId: string; items: unknown[] }>(reserved[0] as IncomingRecord);
    expect(payload.items).toEqual(
      [
        { productId: a, quantity: 3 },
        { productId: b, quantity: 3 },
      ].sort((x, y) => (x.productId < y.productId ? -1 : 1)),
    );
    expect(reserved[0]?.headers.ce_causationid).toBe(created.id);
    expect((await stock(a)).body).toMatchObject({ onHand: 20, reserved: 3, available: 17 });
    expect((await stock(b)).body).toMatchObject({ onHand: 5, reserved: 3, available: 2 });

    const paid = paymentProcessed(orderId, 'COMPLETED');
    await running.publish(paid);
    await running.handled(paid);
    expect((await stock(a)).body).toMatchObject({ onHand: 17, reserved: 0, available: 17 });
    expect((await stock(b)).body).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    // Committing took the goods off the shelf: InventoryUpdated SUBTRACT ORDER for the product.
    const updates = await inventoryEvents(b, 'ecom.inventory.updated.v1', 2);
    expect(payloadOf(recordsOfKey(updates, b, 'ecom.inventory.updated.v1')[1] as IncomingRecord)).toMatchObject({
      operation: 'SUBTRACT',
      reason: 'ORDER',
      quantityChange: 3,
      quantityOnHand: 2,
    });
  });

  it('gives the last unit to exactly one of two concurrent orders', async () => {
    const id = product();
    await put(id, { quantity: 1, operation: 'ADD', reason: 'RESTOCK' });
    const orders = [randomUUID(), randomUUID()];
    const events = orders.map((o) => orderCreated(o, [{ productId: id, quantity: 1 }]));
    await running.publish(...events);
    await running.handled(...events);

    const outcomes = await readTopic('ecom.inventory', (rs) =>
      orders.every((o) =>
        recordsOfKey(rs, o).some((r) =>
          ['ecom.inventory.stock-reserved.v1', 'ecom.inventory.reservation-failed.v1'].includes(
            r.headers.ce_type ?? '',
          ),
        ),
      ),
    );
    const types = orders.flatMap((o) => recordsOfKey(outcomes, o).map((r) => r.headers.ce_type)).sort();
    expect(types).toEqual(['ecom.inventory.reservation-failed.v1', 'ecom.inventory.stock-reserved.v1']);
    const failed = orders
      .flatMap((o) => recordsOfKey(outcomes, o))
      .find((r) => r.headers.ce_type === 'ecom.inventory.reservation-failed.v1');
    expect(payloadOf(failed as IncomingRecord)).toMatchObject({
      reason: 'OUT_OF_STOCK',
      items: [{ productId: id, requested: 1, available: 0 }],
    });
    expect((await stock(id)).body).toMatchObject({ onHand: 1, reserved: 1, available: 0 });
  });

  it('reserves once for a redelivered OrderCreated and releases on PaymentProcessed FAILED', async () => {
    const id = product();
    await put(id, { quantity: 10, operation: 'ADD', reason: 'RESTOCK' });
    const orderId = randomUUID();
    const created = orderCreated(orderId, [{ productId: id, quantity: 4 }]);
    // The same record twice (a redelivery: same ce_id) and the same order again under a new ce_id.
    const again = orderCreated(orderId, [{ productId: id, quantity: 4 }]);
    await running.publish(created, created, again);
    await running.handled(created, again);
    expect((await stock(id)).body).toMatchObject({ onHand: 10, reserved: 4, available: 6 });

    const failed = paymentProcessed(orderId, 'FAILED');
    await running.publish(failed);
    const records = await inventoryEvents(orderId, 'ecom.inventory.stock-released.v1');
    expect(records.map((r) => r.headers.ce_type)).toEqual([
      'ecom.inventory.stock-reserved.v1',
      'ecom.inventory.stock-released.v1',
    ]);
    const released = payloadOf<{ reason: string; items: unknown[]; reservationId: string }>(
      records[1] as IncomingRecord,
    );
    expect(released).toMatchObject({ orderId, reason: 'PAYMENT_FAILED', items: [{ productId: id, quantity: 4 }] });
    expect(released.reservationId).toBe(
      payloadOf<{ reservationId: string }>(records[0] as IncomingRecord).reservationId,
    );
    expect((await stock(id)).body).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
  });

  it('applies a payment outcome that arrived before the order, at reservation time', async () => {
    const id = product();
    await put(id, { quantity: 10, operation: 'ADD', reason: 'RESTOCK' });
    const orderId = randomUUID();
    const paid = paymentProcessed(orderId, 'COMPLETED');
    await running.publish(paid);
    await running.handled(paid);
    expect((await stock(id)).body).toMatchObject({ onHand: 10, reserved: 0 });

    const created = orderCreated(orderId, [{ productId: id, quantity: 2 }]);
    await running.publish(created);
    await running.handled(created);
    expect((await stock(id)).body).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
  });

  it('puts committed goods back on OrderCancelled, once', async () => {
    const id = product();
    await put(id, { quantity: 10, operation: 'ADD', reason: 'RESTOCK' });
    const orderId = randomUUID();
    const created = orderCreated(orderId, [{ productId: id, quantity: 3 }]);
    const paid = paymentProcessed(orderId, 'COMPLETED');
    await running.publish(created);
    await running.handled(created);
    await running.publish(paid);
    await running.handled(paid);
    expect((await stock(id)).body).toMatchObject({ onHand: 7, reserved: 0 });

    const cancelled = orderCancelled(orderId);
    const cancelledAgain = orderCancelled(orderId);
    await running.publish(cancelled, cancelledAgain);
    await running.handled(cancelled, cancelledAgain);
    expect((await stock(id)).body).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    const records = await inventoryEvents(orderId, 'ecom.inventory.stock-released.v1');
    expect(recordsOfKey(records, orderId, 'ecom.inventory.stock-released.v1')).toHaveLength(1);
    expect(
      payloadOf(recordsOfKey(records, orderId, 'ecom.inventory.stock-released.v1')[0] as IncomingRecord),
    ).toMatchObject({
      reason: 'ORDER_CANCELLED',
    });
  });

  it('fails the reservation of an unknown product (ReservationFailed UNKNOWN_PRODUCT)', async () => {
    const orderId = randomUUID();
    const ghost = product();
    await running.publish(orderCreated(orderId, [{ productId: ghost, quantity: 1 }]));
    const records = await inventoryEvents(orderId, 'ecom.inventory.reservation-failed.v1');
    expect(payloadOf(records[0] as IncomingRecord)).toEqual({
      orderId,
      reason: 'UNKNOWN_PRODUCT',
      items: [{ productId: ghost, requested: 1, available: 0 }],
    });
    expect((await stock(ghost)).status).toBe(404);
  });
});

describe('the locks a consumer batch takes before its handlers run', () => {
  /** Whether `lock`, run by another transaction, has to wait (it gives up after 200 ms: 55P03). */
  async function blockedElsewhere(lock: (tx: Queryable) => Promise<unknown>): Promise<boolean> {
    try {
      await running.deps.db.transaction(async (tx) => {
        await tx.query("SET LOCAL lock_timeout = '200ms'");
        await lock(tx);
      });
      return false;
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') return true;
      throw error;
    }
  }
  const orderBlocked = (orderId: string) => blockedElsewhere((tx) => lockOrders(tx, [orderId]));
  const productBlocked = (productId: string) => blockedElsewhere((tx) => lockProducts(tx, [productId]));

  /** Runs the hook in a transaction left open until the returned release() is called. */
  async function holdBatchLocks(...events: Parameters<typeof lockBatchRows>[0]) {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const done = running.deps.db.transaction(async (tx) => {
      await lockBatchRows(events, tx);
      locked();
      await released;
    });
    await Promise.race([ready, done]);
    return {
      release: async () => {
        release();
        await done;
      },
    };
  }

  it("holds every order row (created if missing) and every product of the batch's lines and reservations", async () => {
    const [lineProduct, reservedProduct, other] = [product(), product(), product()];
    for (const p of [lineProduct, reservedProduct, other])
      await put(p, { quantity: 5, operation: 'ADD', reason: 'RESTOCK' });
    const reservedOrder = randomUUID();
    const reserving = orderCreated(reservedOrder, [{ productId: reservedProduct, quantity: 1 }]);
    await running.publish(reserving);
    await running.handled(reserving);

    const newOrder = randomUUID();
    const batch = await holdBatchLocks(
      orderCreated(newOrder, [{ productId: lineProduct, quantity: 1 }]),
      orderCancelled(reservedOrder),
    );
    try {
      expect({
        newOrder: await orderBlocked(newOrder),
        reservedOrder: await orderBlocked(reservedOrder),
        lineProduct: await productBlocked(lineProduct),
        reservedProduct: await productBlocked(reservedProduct),
        other: await productBlocked(other),
      }).toEqual({ newOrder: true, reservedOrder: true, lineProduct: true, reservedProduct: true, other: false });
    } finally {
      await batch.release();
    }
    expect(await orderBlocked(newOrder)).toBe(false);
  });

  it('creates a product only between batches, so the products a batch locked cannot grow under it', async () => {
    const created = product();
    const batch = await holdBatchLocks(orderCreated(randomUUID(), [{ productId: created, quantity: 1 }]));
    let answered = false;
    const creating = put(created, { quantity: 3, operation: 'ADD', reason: 'RESTOCK' }).finally(() => {
      answered = true;
    });
    try {
      await eventually(async () => {
        const { rows } = await running.deps.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        return Number(rows[0]?.n) > 0 ? true : undefined;
      }, 'the product creation to wait for the catalogue lock');
      expect(answered).toBe(false);
    } finally {
      await batch.release();
    }
    expect((await creating).statusCode).toBe(201);
    expect((await stock(created)).body).toMatchObject({ onHand: 3, reserved: 0 });
  });
});
