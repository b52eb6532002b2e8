// A dependency goes away under load and comes back: PostgreSQL stopped (fast shutdown, as
// `pg_ctl stop -m fast`) for 20 s, then the Kafka broker SIGKILLed and restarted. Clients keep
// retrying with their Idempotency-Keys. Afterwards nothing is lost, doubled or dead-lettered.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWebhookSink, type WebhookSink } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../local/src/repo.js';
import { type LoadResult, runLoad } from '../support/load.js';
import { newId } from '../support/platform.js';
import { settleAndCheck, stockProducts, supervisedStack } from '../support/reliability.js';
import type { Stack } from '../support/stack.js';

let sink: WebhookSink;
let stack: Stack;

beforeAll(async () => {
  sink = await startWebhookSink();
  // A service that gives up during an outage is restarted, as a kubelet would.
  stack = supervisedStack(sink);
  await stack.start();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
});

/**
 * Runs a local/ script on the one-machine stack itself: without the DATABASE_URL and
 * KAFKA_BROKERS the global setup exported, which would make the scripts leave everything alone.
 */
function sh(script: string, ...args: string[]): string {
  const { DATABASE_URL: _db, KAFKA_BROKERS: _kafka, ...env } = process.env;
  return execFileSync('bash', [repoPath(script), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim();
}

/** The pid in the first line of a server's pid file. */
function serverPid(file: string): number {
  return Number(readFileSync(repoPath(file), 'utf8').split('\n')[0]);
}

/** Runs the load with `outage` happening 2 s into it, then checks every invariant. */
async function underLoad(outage: () => Promise<void>): Promise<LoadResult> {
  const run = newId('o');
  const seeded = await stockProducts(run, 9, 40);
  const products = Object.keys(seeded);
  const loading = runLoad({ run, orders: 160, concurrency: 6, products, customers: 20, retryForMs: 180_000 });
  await sleep(2_000);
  await outage();
  const load = await loading;
  const orders = await settleAndCheck(stack, load, seeded, sink);
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
    const before = serverPid('.local/postgres/data/postmaster.pid');
    const load = await underLoad(async () => {
      sh('local/postgres/postgres.sh', 'stop');
      await sleep(20_000);
      sh('local/postgres/postgres.sh', 'start');
    });
    // The outage happened: a new server process, and clients saw their requests fail meanwhile.
    expect(serverPid('.local/postgres/data/postmaster.pid')).not.toBe(before);
    expect(load.failedAttempts).toBeGreaterThan(0);
    expect(load.accepted.size).toBeGreaterThan(100);
  }, 900_000);

  it('the Kafka broker SIGKILLed and restarted: same', async () => {
    if (process.env.KAFKA_BROKERS !== sh('local/kafka/kafka.sh', 'brokers')) {
      throw new Error('this test kills the local broker of local/kafka; KAFKA_BROKERS points elsewhere');
    }
    const before = serverPid('.local/kafka/kafka.pid');
    const load = await underLoad(async () => {
      process.kill(before, 'SIGKILL');
      await sleep(5_000);
      sh('local/kafka/kafka.sh', 'start');
    });
    expect(serverPid('.local/kafka/kafka.pid')).not.toBe(before);
    expect(load.accepted.size).toBeGreaterThan(100);
  }, 900_000);
});
