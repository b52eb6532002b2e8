import { bearer, expectAccessRow, expectProblem, startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationAccess } from './routes/access.js';
import { notificationService } from './service.js';

let running: TestService;

beforeAll(async () => {
  running = await startTestService(notificationService, { AUTH_MODE: 'jwt', NOTIFICATION_WEBHOOK_URL: undefined });
});
afterAll(async () => {
  await running?.stop();
});

describe('notification routes: who may call what (one test per row of the access table)', () => {
  it.each(Object.entries(notificationAccess))('%s: %j only', async (row, roles) => {
    await expectAccessRow(running.app, row, roles);
  });
});

describe('a customer reads only its own notifications', () => {
  it('its token names the customer; naming another is refused; support must name one', async () => {
    const asAda = await bearer(['customer'], 'ada');
    expect((await running.app.inject({ url: '/api/notifications', headers: asAda })).statusCode).toBe(200);
    expect((await running.app.inject({ url: '/api/notifications?customerId=ada', headers: asAda })).statusCode).toBe(
      200,
    );
    expectProblem(await running.app.inject({ url: '/api/notifications?customerId=bob', headers: asAda }), 400, [
      '/customerId',
    ]);
    const asSupport = await bearer(['support'], 'sam');
    expectProblem(await running.app.inject({ url: '/api/notifications', headers: asSupport }), 400, ['/customerId']);
    expect(
      (await running.app.inject({ url: '/api/notifications?customerId=bob', headers: asSupport })).statusCode,
    ).toBe(200);
  });
});
