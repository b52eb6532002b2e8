import { randomUUID } from 'node:crypto';
import { bearer, expectAccessRow, expectProblem, startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentAccess } from './routes/access.js';
import { type PaymentConfig, paymentService } from './service.js';

let running: TestService<PaymentConfig>;

beforeAll(async () => {
  running = await startTestService(paymentService, { AUTH_MODE: 'jwt' });
});
afterAll(async () => {
  await running?.stop();
});

describe('payment routes: who may call what (one test per row of the access table)', () => {
  it.each(Object.entries(paymentAccess))('%s: %j only', async (row, roles) => {
    await expectAccessRow(running.app, row, roles);
  });
});

describe('a customer sees only its own payments', () => {
  it("another customer's payment is 404 and missing from its list; support sees it", async () => {
    const ada = `ada-${randomUUID().slice(0, 8)}`;
    const orderId = randomUUID();
    const charged = await running.app.inject({
      method: 'POST',
      url: '/api/payments',
      headers: await bearer(['service'], 'checkout'),
      payload: { orderId, amount: '12.00', currency: 'EUR', paymentMethod: 'card', customerId: ada },
    });
    expect(charged.statusCode, charged.body).toBe(201);
    const url = `/api/payments/${charged.json().paymentId}`;

    expect((await running.app.inject({ url, headers: await bearer(['customer'], ada) })).json().orderId).toBe(orderId);
    const asBob = await bearer(['customer'], `bob-${ada}`);
    expectProblem(await running.app.inject({ url, headers: asBob }), 404);
    expect(
      (await running.app.inject({ url: `/api/payments?orderId=${orderId}`, headers: asBob })).json().items,
    ).toEqual([]);
    const adas = await running.app.inject({
      url: `/api/payments?orderId=${orderId}`,
      headers: await bearer(['customer'], ada),
    });
    expect(adas.json().items).toHaveLength(1);
    expect((await running.app.inject({ url, headers: await bearer(['support'], 'sam') })).statusCode).toBe(200);
  });
});
