import { expectAccessRow, startTestService, type TestService } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { inventoryAccess } from './routes/access.js';
import { inventoryService } from './service.js';

let running: TestService;

beforeAll(async () => {
  running = await startTestService(inventoryService, { AUTH_MODE: 'jwt' });
});
afterAll(async () => {
  await running?.stop();
});

describe('inventory routes: who may call what (one test per row of the access table)', () => {
  it.each(Object.entries(inventoryAccess))('%s: %j only', async (row, roles) => {
    await expectAccessRow(running.app, row, roles);
  });
});
