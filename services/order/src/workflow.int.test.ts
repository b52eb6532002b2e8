// applyInput on the real PostgreSQL: an input that changes the order is one conditional UPDATE;
// everything else (no-ops, refusals, unknown orders, a state changed by a concurrent transaction)
// takes the lock-and-decide path and ends exactly where decide says.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { migrate, type Queryable, type SessionDb } from '@ecom/kit';
import { testDb } from '@ecom/kit/testing';
import type { OrderCancelled, OrderUpdated } from '@ecom/schemas';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SagaInput } from './domain/saga.js';
import { orderMetrics } from './metrics.js';
import { findOrder, insertOrder } from './store.js';
import { type Applied, applyInput, type OrderInput } from './workflow.js';

let db: SessionDb;
const metrics = orderMetrics(new Registry());

beforeAll(async () => {
  db = await testDb();
  await migrate(db, {
    schema: db.schema,
    sources: [
      { name: 'kit', dir: fileURLToPath(new URL('../../kit/migrations/', import.meta.url)) },
      { name: 'order', dir: fileURLToPath(new URL('../migrations/', import.meta.url)) },
    ],
  });
});

afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS "${db.schema}" CASCADE`);
  await db?.close();
});

/** The statements a unit of work ran, by their first words. */
function counting(tx: Queryable): { tx: Queryable; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    tx: {
      query: (text, params) => {
        statements.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
        return tx.query(text, params);
      },
    },
  };
}

async function newOrder(): Promise<string> {
  const orderId = randomUUID();
  await insertOrder(db, {
    orderId,
    customerId: 'c-1',
    items: [{ productId: 'p-1', quantity: 1, price: '2.50' }],
    totalAmount: '2.50',
    currency: 'EUR',
    paymentMethod: 'card',
  });
  return orderId;
}

interface Outcome {
  applied: Applied;
  statements: string[];
  events: Array<OrderUpdated | OrderCancelled>;
}

async function apply(orderId: string, input: OrderInput, beforeCommit?: () => Promise<void>): Promise<Outcome> {
  const events: Array<OrderUpdated | OrderCancelled> = [];
  return db.transaction(async (raw) => {
    const { tx, statements } = counting(raw);
    const applied = await applyInput(tx, orderId, input, {
      emit: { updated: (data) => events.push(data), cancelled: (data) => events.push(data) },
      metrics,
      reason: 'test',
      onCommit: () => undefined,
    });
    await beforeCommit?.();
    return { applied, statements, events };
  });
}

/** A capture of the order's total (newOrder's 2.50 EUR, spelled as a client may spell it). */
const paid: OrderInput = { kind: 'capture', capture: { amount: '2.5', currency: 'EUR' } };
const reserved: SagaInput = { kind: 'reservation', status: 'RESERVED' };

describe('applyInput', () => {
  it('applies an input that changes the order in one statement, stamping the status it enters', async () => {
    const orderId = await newOrder();
    const first = await apply(orderId, paid);
    expect(first.statements).toEqual(['UPDATE orders']);
    expect(first.events).toEqual([]);
    const second = await apply(orderId, reserved);
    expect(second.statements).toEqual(['UPDATE orders']);
    expect(second.events).toMatchObject([{ orderId, status: 'CONFIRMED', previousStatus: 'CREATED' }]);
    const order = await findOrder(db, orderId);
    expect(order).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'COMPLETED', reservationStatus: 'RESERVED' });
    expect(order?.confirmedAt).not.toBeNull();
    expect(second.applied).toMatchObject({ kind: 'applied', order: { confirmedAt: order?.confirmedAt } });
  });

  it('writes nothing for a duplicate outcome, and refuses a request the state does not allow', async () => {
    const orderId = await newOrder();
    await apply(orderId, paid);
    const before = await findOrder(db, orderId);
    const duplicate = await apply(orderId, paid);
    expect(duplicate.statements).toEqual(['UPDATE orders', 'SELECT order_id,']);
    expect(duplicate.applied).toMatchObject({ kind: 'applied', step: { note: 'duplicate payment outcome COMPLETED' } });
    expect(duplicate.events).toEqual([]);
    expect((await findOrder(db, orderId))?.updatedAt).toBe(before?.updatedAt);

    const refused = await apply(orderId, { kind: 'manual', to: 'DELIVERED' });
    expect(refused.applied).toMatchObject({
      kind: 'applied',
      step: { rejected: expect.stringMatching(/CREATED to DELIVERED/) },
    });
    expect((await findOrder(db, orderId))?.status).toBe('CREATED');
  });

  it('cancels on a capture of another amount or currency, refund required, never confirming', async () => {
    for (const capture of [
      { amount: '0.01', currency: 'EUR' },
      { amount: '2.51', currency: 'EUR' },
      { amount: '2.50', currency: 'USD' },
    ]) {
      const orderId = await newOrder();
      await apply(orderId, reserved);
      // The guarded UPDATE matches nothing; the order is locked and the capture decided in code.
      const wrong = await apply(orderId, { kind: 'capture', capture });
      expect(wrong.statements, JSON.stringify(capture)).toEqual(['UPDATE orders', 'SELECT order_id,', 'UPDATE orders']);
      expect(wrong.events).toEqual([
        {
          orderId,
          customerId: 'c-1',
          totalAmount: '2.50',
          currency: 'EUR',
          cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
          refundRequired: true,
        },
      ]);
      expect(await findOrder(db, orderId)).toMatchObject({
        status: 'CANCELLED',
        paymentStatus: 'COMPLETED',
        reservationStatus: 'RESERVED',
        cancellationReason: 'PAYMENT_AMOUNT_MISMATCH',
        confirmedAt: null,
      });
      // The right amount afterwards is a duplicate payment outcome: the order stays cancelled.
      expect((await apply(orderId, paid)).events).toEqual([]);
      expect((await findOrder(db, orderId))?.status).toBe('CANCELLED');
    }
  });

  it('says an order is unknown', async () => {
    expect((await apply(randomUUID(), paid)).applied).toEqual({ kind: 'unknown' });
  });

  it('moves an order in a state the table does not list, deciding in code', async () => {
    const orderId = await newOrder();
    // CONFIRMED with a cancellation reason: nothing writes it, so no table row matches it.
    await db.query(
      `UPDATE orders SET status = 'CONFIRMED', payment_status = 'COMPLETED', reservation_status = 'RESERVED',
         cancellation_reason = 'PAYMENT_FAILED' WHERE order_id = $1`,
      [orderId],
    );
    const shipped = await apply(orderId, { kind: 'shipped' });
    expect(shipped.statements).toEqual(['UPDATE orders', 'SELECT order_id,', 'UPDATE orders']);
    expect(shipped.events).toMatchObject([{ status: 'SHIPPED', previousStatus: 'CONFIRMED' }]);
    const order = await findOrder(db, orderId);
    expect(order?.status).toBe('SHIPPED');
    expect(order?.shippedAt).not.toBeNull();
  });

  it('joins two outcomes applied by concurrent transactions exactly once, whichever commits first', async () => {
    for (const [first, second] of [
      [paid, reserved],
      [reserved, paid],
    ] as const) {
      const orderId = await newOrder();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // The first holds the row (its UPDATE applied) until the second is waiting for it.
      const one = apply(orderId, first, () => held);
      await new Promise((r) => setTimeout(r, 100));
      const two = apply(orderId, second);
      await new Promise((r) => setTimeout(r, 200));
      release();
      const results = await Promise.all([one, two]);
      // The second's UPDATE re-checked the changed row, matched nothing, and decided in code.
      expect(results[1].statements).toEqual(['UPDATE orders', 'SELECT order_id,', 'UPDATE orders']);
      expect(results.flatMap((r) => r.events)).toMatchObject([{ status: 'CONFIRMED', previousStatus: 'CREATED' }]);
      expect(await findOrder(db, orderId)).toMatchObject({
        status: 'CONFIRMED',
        paymentStatus: 'COMPLETED',
        reservationStatus: 'RESERVED',
      });
    }
  });
});
