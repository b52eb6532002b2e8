import { bearer, describeAccessTable, expectProblem } from '@ecom/kit/testing';
import { describe, expect, it } from 'vitest';
import { notificationService } from './service.js';

const service = describeAccessTable(notificationService, { NOTIFICATION_WEBHOOK_URL: undefined });

describe('a customer reads only its own notifications', () => {
  it('its token names the customer; naming another is refused; support must name one', async () => {
    const asAda = await bearer(['customer'], 'ada');
    expect((await service().app.inject({ url: '/api/notifications', headers: asAda })).statusCode).toBe(200);
    expect((await service().app.inject({ url: '/api/notifications?customerId=ada', headers: asAda })).statusCode).toBe(
      200,
    );
    expectProblem(await service().app.inject({ url: '/api/notifications?customerId=bob', headers: asAda }), 400, [
      '/customerId',
    ]);
    const asSupport = await bearer(['support'], 'sam');
    expectProblem(await service().app.inject({ url: '/api/notifications', headers: asSupport }), 400, ['/customerId']);
    expect(
      (await service().app.inject({ url: '/api/notifications?customerId=bob', headers: asSupport })).statusCode,
    ).toBe(200);
  });
});
