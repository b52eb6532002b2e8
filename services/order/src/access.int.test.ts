import { randomUUID } from 'node:crypto';
import { bearer, describeAccessTable, expectProblem } from '@ecom/kit/testing';
import { describe, expect, it } from 'vitest';
import { orderService } from './service.js';

const service = describeAccessTable(orderService);

const items = [{ productId: 'p-1', quantity: 1, price: '3.00' }];
const someone = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function place(headers: Record<string, string>, payload: Record<string, unknown> = { items }) {
  return service().app.inject({ method: 'POST', url: '/api/orders', headers, payload });
}

describe('a customer acts only on its own orders', () => {
  it("places its order under its token's subject, and refuses to name another customer", async () => {
    const ada = someone('ada');
    const placed = await place(await bearer(['customer'], ada));
    expect(placed.statusCode, placed.body).toBe(201);
    expect(placed.json().customerId).toBe(ada);

    const forBob = await place(await bearer(['customer'], ada), { customerId: someone('bob'), items });
    expectProblem(forBob, 400, ['/customerId']);
    // The same id as its own subject is no impersonation.
    expect((await place(await bearer(['customer'], ada), { customerId: ada, items })).statusCode).toBe(201);
  });

  it('a checkout (service) names the customer, and must', async () => {
    const carol = someone('carol');
    const placed = await place(await bearer(['service'], 'checkout'), { customerId: carol, items });
    expect(placed.json().customerId).toBe(carol);
    expectProblem(await place(await bearer(['service'], 'checkout')), 400, ['/customerId']);
  });

  it("another customer's order is 404 to read and to cancel, and missing from its list; support sees it", async () => {
    const ada = someone('ada');
    const bob = someone('bob');
    const order = (await place(await bearer(['customer'], ada))).json() as { orderId: string };
    const url = `/api/orders/${order.orderId}`;
    const asBob = await bearer(['customer'], bob);

    const read = await service().app.inject({ url, headers: asBob });
    expectProblem(read, 404);
    // Word for word the answer for an id that does not exist: nothing tells bob the order is there.
    const missing = await service().app.inject({ url: `/api/orders/${randomUUID()}`, headers: asBob });
    expect(read.json().detail.replace(order.orderId, 'ID')).toBe(missing.json().detail.replace(/[0-9a-f-]{36}/, 'ID'));
    expectProblem(await service().app.inject({ method: 'DELETE', url, headers: asBob }), 404);
    const bobsList = await service().app.inject({ url: '/api/orders', headers: asBob });
    expect(bobsList.json().items).toEqual([]);
    expectProblem(await service().app.inject({ url: `/api/orders?customerId=${ada}`, headers: asBob }), 400, [
      '/customerId',
    ]);

    expect((await service().app.inject({ url, headers: await bearer(['customer'], ada) })).statusCode).toBe(200);
    expect((await service().app.inject({ url, headers: await bearer(['support'], 'sam') })).statusCode).toBe(200);
    const adas = await service().app.inject({
      url: `/api/orders?customerId=${ada}`,
      headers: await bearer(['support'], 'sam'),
    });
    expect(adas.json().items.map((o: { orderId: string }) => o.orderId)).toEqual([order.orderId]);
    // Still CREATED: bob's DELETE changed nothing; ada's own cancels.
    const cancelled = await service().app.inject({ method: 'DELETE', url, headers: await bearer(['customer'], ada) });
    expect(cancelled.json().status).toBe('CANCELLED');
  });

  it('an Idempotency-Key is scoped per caller: the same key from two customers places two orders', async () => {
    const key = `k-${randomUUID()}`;
    const ada = someone('ada');
    const bob = someone('bob');
    const first = await place({ ...(await bearer(['customer'], ada)), 'idempotency-key': key });
    const other = await place({ ...(await bearer(['customer'], bob)), 'idempotency-key': key });
    const replay = await place({ ...(await bearer(['customer'], ada)), 'idempotency-key': key });
    expect([first.statusCode, other.statusCode]).toEqual([201, 201]);
    expect(other.json().orderId).not.toBe(first.json().orderId);
    expect(other.json().customerId).toBe(bob);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().orderId).toBe(first.json().orderId);
  });
});
