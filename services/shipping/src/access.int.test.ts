import { randomUUID } from 'node:crypto';
import { bearer, describeAccessTable, expectProblem } from '@ecom/kit/testing';
import { describe, expect, it } from 'vitest';
import { shippingService } from './service.js';

const service = describeAccessTable(shippingService);

describe('a customer sees only its own shipments', () => {
  it("another customer's shipment is 404 and missing from its list; support sees it", async () => {
    const ada = `ada-${randomUUID().slice(0, 8)}`;
    const orderId = randomUUID();
    const created = await service().app.inject({
      method: 'POST',
      url: '/api/shipments',
      headers: await bearer(['admin'], 'alice'),
      payload: { orderId, customerId: ada },
    });
    expect(created.statusCode, created.body).toBe(201);
    const url = `/api/shipments/${created.json().shipmentId}`;

    expect((await service().app.inject({ url, headers: await bearer(['customer'], ada) })).json().orderId).toBe(
      orderId,
    );
    const asBob = await bearer(['customer'], `bob-${ada}`);
    expectProblem(await service().app.inject({ url, headers: asBob }), 404);
    expect(
      (await service().app.inject({ url: `/api/shipments?orderId=${orderId}`, headers: asBob })).json().items,
    ).toEqual([]);
    const adas = await service().app.inject({
      url: `/api/shipments?orderId=${orderId}`,
      headers: await bearer(['customer'], ada),
    });
    expect(adas.json().items).toHaveLength(1);
    expect((await service().app.inject({ url, headers: await bearer(['support'], 'sam') })).statusCode).toBe(200);
  });
});
