import { expectAccessRow, startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { analyticsAccess } from './routes/access.js';
import { analyticsService } from './service.js';

let running: TestService;

beforeAll(async () => {
  running = await startTestService(analyticsService, { AUTH_MODE: 'jwt' });
});
afterAll(async () => {
  await running?.stop();
});

describe('analytics routes: who may call what (one test per row of the access table)', () => {
  it.each(Object.entries(analyticsAccess))('%s: %j only', async (row, roles) => {
    await expectAccessRow(running.app, row, roles);
  });
});
