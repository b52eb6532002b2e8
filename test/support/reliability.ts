// Shared by the fault-injection and outage tests: a supervised stack whose notification service
// posts to a real webhook sink, stocked products, and the settle-then-check sequence after a run.

import type { WebhookSink } from '@ecom/kit/testing';
import { expect } from 'vitest';
import { checkInvariants, healthyDeadLetters } from './invariants.js';
import type { LoadResult } from './load.js';
import { type Order, orderReaches, quiesce, SETTLED, seedStock } from './platform.js';
import { SERVICES, type ServiceName, Stack, type StackOptions } from './stack.js';

/** The six services, restarted when they crash, the notification service posting to `sink`. */
export function supervisedStack(sink: WebhookSink, options: Omit<StackOptions, 'restartCrashed'> = {}): Stack {
  return new Stack(
    Object.fromEntries(
      (Object.keys(SERVICES) as ServiceName[]).map((name) => [
        name,
        name === 'notification' ? { NOTIFICATION_WEBHOOK_URL: sink.url } : {},
      ]),
    ),
    { ...options, restartCrashed: true },
  );
}

/** `count` fresh products with `units` each; returns what was seeded. */
export async function stockProducts(run: string, count: number, units: number): Promise<Record<string, number>> {
  const seeded: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    await seedStock(`${run}-p${i}`, units);
    seeded[`${run}-p${i}`] = units;
  }
  return seeded;
}

/**
 * After a run: every accepted order settles, nothing is left to do anywhere, every invariant
 * holds over every order of the run's customers, a retried POST always answered its first
 * order, and no healthy event was dead-lettered (only `poison` may be).
 */
export async function settleAndCheck(
  stack: Stack,
  load: LoadResult,
  seeded: Record<string, number>,
  sink: WebhookSink,
  poison: string[] = [],
): Promise<Order[]> {
  await stack.allReady(120_000);
  for (const orderId of load.accepted.values()) await orderReaches(orderId, SETTLED, 180_000);
  await quiesce(180_000);
  // A fault may have fired while settling; the checker reads every service, so all must be up.
  await stack.allReady(120_000);
  const orders = await checkInvariants({
    orderIds: [...load.accepted.values()],
    seeded,
    customers: load.customers,
    maxOrdersPerCustomer: load.keysByCustomer,
    sink,
  });
  expect(load.replayMismatches).toEqual([]);
  expect(
    await healthyDeadLetters(
      orders.map((o) => o.orderId),
      poison,
    ),
  ).toEqual([]);
  return orders;
}
