import { randomUUID } from 'node:crypto';
import { bearer, expectAccessRow, expectProblem, startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippingAccess } from './routes/access.js';
import { type ShippingConfig, shippingService } from './service.js';

let running: TestService<ShippingConfig>;

beforeAll(async () => {
  running = await startTestService(shippingService, { AUTH_MODE: 'jwt' });
});
afterAll(async () => {
  await running?.stop();
});

describe('shipping routes: who may call what (one test per row of the access table)', () => {
  it.each(Object.entries(shippingAccess))('%s: %j only', async (row, roles) => {
    await expectAccessRow(running.app, row, roles);
  });
});

describe('a customer sees only its own shipments', () => {
  it("another customer's shipment is 404 and missing from its list; support sees it", async () => {
    const ada = `ada-${randomUUID().slice(0, 8)}`;
    const orderId = randomUUID();
    const created = await running.app.inject({
      method: 'POST',
      url: '/api/shipments',
      headers: await bearer(['admin'], 'alice'),
      payload: { orderId, customerId: ada },
    });
    expect(created.statusCode, created.body).toBe(201);
    const url = `/api/shipments/${created.json().shipmentId}`;

    expect((await running.app.inject({ url, headers: await bearer(['customer'], ada) })).json().orderId).toBe(orderId);
    const asBob = await bearer(['customer'], `bob-${ada}`);
    expectProblem(await running.app.inject({ url, headers: asBob }), 404);
    expect(
      (await running.app.inject({ url: `/api/shipments?orderId=${orderId}`, headers: asBob })).json().items,
    ).toEqual([]);
    const adas = await running.app.inject({
      url: `/api/shipments?orderId=${orderId}`,
      headers: await bearer(['customer'], ada),
    });
    expect(adas.json().items).toHaveLength(1);
    expect((await running.app.inject({ url, headers: await bearer(['support'], 'sam') })).statusCode).toBe(200);
  });
});
