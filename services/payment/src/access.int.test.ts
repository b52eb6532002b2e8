import { randomUUID } from 'node:crypto';
import { bearer, describeAccessTable, expectProblem } from '@ecom/kit/testing';
import { describe, expect, it } from 'vitest';
import { paymentService } from './service.js';

const service = describeAccessTable(paymentService);

describe('a customer sees only its own payments', () => {
  it("another customer's payment is 404 and missing from its list; support sees it", async () => {
    const ada = `ada-${randomUUID().slice(0, 8)}`;
    const orderId = randomUUID();
    const charged = await service().app.inject({
      method: 'POST',
      url: '/api/payments',
      headers: await bearer(['service'], 'checkout'),
      payload: { orderId, amount: '12.00', currency: 'EUR', paymentMethod: 'card', customerId: ada },
    });
    expect(charged.statusCode, charged.body).toBe(201);
    const url = `/api/payments/${charged.json().paymentId}`;

    expect((await service().app.inject({ url, headers: await bearer(['customer'], ada) })).json().orderId).toBe(
      orderId,
    );
    const asBob = await bearer(['customer'], `bob-${ada}`);
    expectProblem(await service().app.inject({ url, headers: asBob }), 404);
    expect(
      (await service().app.inject({ url: `/api/payments?orderId=${orderId}`, headers: asBob })).json().items,
    ).toEqual([]);
    const adas = await service().app.inject({
      url: `/api/payments?orderId=${orderId}`,
      headers: await bearer(['customer'], ada),
    });
    expect(adas.json().items).toHaveLength(1);
    expect((await service().app.inject({ url, headers: await bearer(['support'], 'sam') })).statusCode).toBe(200);
  });
});
