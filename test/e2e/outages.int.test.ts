// A dependency goes away under load and comes back: PostgreSQL stopped (fast shutdown, as
// `pg_ctl stop -m fast`) for 20 s, then the Kafka broker SIGKILLed and restarted. Clients keep
// retrying with their Idempotency-Keys. Afterwards nothing is lost, doubled or dead-lettered.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWebhookSink, type WebhookSink } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../local/src/repo.js';
import { checkInvariants, healthyDeadLetters } from '../support/invariants.js';
import { type LoadResult, runLoad } from '../support/load.js';
import { newId, orderReaches, quiesce, SETTLED, seedStock } from '../support/platform.js';
import { SERVICES, type ServiceName, Stack } from '../support/stack.js';

let sink: WebhookSink;
let stack: Stack;

beforeAll(async () => {
  sink = await startWebhookSink();
  const common = { EFFECT_LEASE_MS: '3000', CONSUMER_RETRY_BASE_MS: '50' };
  stack = new Stack(
    Object.fromEntries(
      (Object.keys(SERVICES) as ServiceName[]).map((name) => [
        name,
        name === 'notification' ? { ...common, NOTIFICATION_WEBHOOK_URL: sink.url } : common,
      ]),
    ),
    // A service that gives up during an outage is restarted, as a kubelet would.
    { restartCrashed: true },
  );
  await stack.start();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

function sh(script: string, ...args: string[]): void {
  execFileSync('bash', [repoPath(script), ...args], { stdio: 'inherit' });
}

/** Runs the load with `outage` happening 2 s into it, then checks every invariant. */
async function underLoad(outage: () => Promise<void>): Promise<LoadResult> {
  const run = newId('o');
  const products = Array.from({ length: 9 }, (_, i) => `${run}-p${i}`);
  const seeded: Record<string, number> = {};
  for (const product of products) {
    await seedStock(product, 40);
    seeded[product] = 40;
  }
  const loading = runLoad({ run, orders: 160, concurrency: 6, products, customers: 20, retryForMs: 180_000 });
  await sleep(2_000);
  await outage();
  const load = await loading;
  await stack.allReady(120_000);
  for (const orderId of load.accepted.values()) await orderReaches(orderId, SETTLED, 180_000);
  await quiesce(180_000);
  const orders = await checkInvariants({
    orderIds: [...load.accepted.values()],
    seeded,
    customers: load.customers,
    maxOrdersPerCustomer: load.keysByCustomer,
    sink,
  });
  expect(load.replayMismatches).toEqual([]);
  expect(await healthyDeadLetters(orders.map((o) => o.orderId))).toEqual([]);
  expect(orders.some((o) => o.status === 'SHIPPED')).toBe(true);
  return load;
}

describe('outages of a dependency under load', () => {
  it('PostgreSQL stopped for 20 s: nothing dead-lettered, nothing lost, all orders complete after it returns', async () => {
    if (
      process.env.DATABASE_URL !==
      execFileSync('bash', [repoPath('local/postgres/postgres.sh'), 'url'])
        .toString()
        .trim()
    ) {
      throw new Error('this test stops the local PostgreSQL of local/postgres; DATABASE_URL points elsewhere');
    }
    const load = await underLoad(async () => {
      sh('local/postgres/postgres.sh', 'stop');
      await sleep(20_000);
      sh('local/postgres/postgres.sh', 'start');
    });
    expect(load.accepted.size).toBeGreaterThan(100);
  }, 900_000);

  it('the Kafka broker SIGKILLed and restarted: same', async () => {
    const load = await underLoad(async () => {
      const pid = Number(readFileSync(repoPath('.local/kafka/kafka.pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');
      await sleep(5_000);
      sh('local/kafka/kafka.sh', 'start');
    });
    expect(load.accepted.size).toBeGreaterThan(100);
  }, 900_000);
});
