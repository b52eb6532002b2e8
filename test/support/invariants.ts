// The invariants of ARCHITECTURE section 4, checked by reading every service's API: every order
// settled; money charged minus refunded equals the total for live orders and zero for cancelled
// ones; stock conserved and never negative; each customer notification sent once. The rules live
// in saga-invariants.ts (pure) and the reading in saga-state.ts, shared with `npm run loadtest`.
import { type IncomingRecord, openTopicAdmin } from '@ecom/kit';
import { readTopic, testKafka } from '@ecom/kit/testing';
import { expect } from 'vitest';
import type { Order } from './platform.js';
import { findViolations } from './saga-invariants.js';
import { readSagaState, type Scenario } from './saga-state.js';
import { baseUrl } from './stack.js';

export type { Scenario } from './saga-state.js';

export async function checkInvariants(scenario: Scenario): Promise<Order[]> {
  const { state, orders } = await readSagaState<Order>(scenario, baseUrl);
  expect(findViolations(state)).toEqual([]);
  return orders;
}

/** Every record on the topic now (read to its current end). */
export async function readWholeTopic(topic: string): Promise<IncomingRecord[]> {
  const admin = await openTopicAdmin(testKafka('e2e-topic-size'));
  let total = 0;
  try {
    // A group that never committed: its lag is each partition's whole log.
    for (const n of (await admin.groupLag(`nobody-${Date.now()}`, topic)).values()) total += n;
  } finally {
    await admin.close();
  }
  // The offsets count transaction markers (and aborted records) too, which no reader gets: a
  // topic whose tail is such records is read whole once nothing more arrives for 15 s.
  return readTopic(topic, (records) => records.length >= total, 60_000, { idleMs: 15_000 });
}

const allDeadLetters = () => readWholeTopic('ecom.dlq');

/**
 * Dead letters of these flows (by ce_id, key or correlation id) that are not one of `poison`:
 * a healthy event must never be dead-lettered, whatever crashed or went down meanwhile.
 */
export async function healthyDeadLetters(orderIds: Iterable<string>, poison: string[] = []): Promise<string[]> {
  const ours = new Set(orderIds);
  return (await allDeadLetters())
    .filter((r) => ours.has(String(r.key)) || ours.has(r.headers.ce_correlationid ?? ''))
    .filter((r) => !poison.includes(r.headers.ce_id ?? ''))
    .map((r) => `${r.headers.dlq_consumer_group}: ${r.headers.ce_type} ${r.key} (${r.headers.dlq_error_message})`);
}

/**
 * The consumer groups that dead-lettered each of these ce_ids, sorted. A dead-lettering is a
 * (group, failure time) pair: the relay may publish the same letter twice after a crash (at least
 * once, identical headers; replay drops the copy), but a second dead-lettering has its own time.
 */
export async function deadLetterGroups(ceIds: string[]): Promise<Record<string, string[]>> {
  const letters = await allDeadLetters();
  return Object.fromEntries(
    ceIds.map((id) => {
      const times = new Map<string, string>();
      for (const r of letters.filter((l) => l.headers.ce_id === id)) {
        times.set(`${r.headers.dlq_consumer_group}@${r.headers.dlq_failed_at}`, r.headers.dlq_consumer_group ?? '');
      }
      return [id, [...times.values()].sort()];
    }),
  );
}
