// POST /api/orders with an Idempotency-Key when the process fails right after the order
// committed: the retry must replay that order, never create a second one (issue 8, item 4).
import { randomUUID } from 'node:crypto';
import { startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OrderConfig, orderService } from './service.js';
import type { Order } from './store.js';

let running: TestService<OrderConfig>;

beforeAll(async () => {
  // Every unit of work that emits fails right after its COMMIT, before anything is answered:
  // the window in which a stored-after-commit response used to be lost.
  running = await startTestService(orderService, { ECOM_FAULTS: 'after-db-commit-before-publish:1:fail' });
});

afterAll(async () => {
  await running?.stop();
});

it('a POST that failed after its order committed is replayed on retry, and the order exists once', async () => {
  const customerId = `cust-${randomUUID().slice(0, 8)}`;
  const send = () =>
    running.app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { 'idempotency-key': `k-${customerId}` },
      payload: { customerId, items: [{ productId: 'p-1', quantity: 1, price: '4.00' }] },
    });
  const failed = await send();
  expect(failed.statusCode).toBeGreaterThanOrEqual(500);

  const retry = await send();
  expect(retry.statusCode).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  const replayed = retry.json() as Order;
  expect(retry.headers.location).toBe(`/api/orders/${replayed.orderId}`);
  const { rows } = await running.deps.db.query<{ order_id: string }>(
    'SELECT order_id FROM orders WHERE customer_id = $1',
    [customerId],
  );
  expect(rows.map((r) => r.order_id)).toEqual([replayed.orderId]);
  expect(replayed).toMatchObject({ customerId, status: 'CREATED', totalAmount: '4.00' });
});
