import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/types.js';
import { EventCodec } from '../events/codec.js';
import { openProducer, type RecordProducer } from '../kafka/client.js';
import { createKitMetrics } from '../metrics.js';
import { readTopic, testDb, testKafka, testLogger } from '../testing/index.js';
import { OutboxRelay } from './relay.js';
import { outboxBacklog } from './store.js';
import { EventWriter } from './writer.js';

const codec = new EventCodec();
const logger = testLogger();
let db: Db;
let producer: RecordProducer;

beforeAll(async () => {
  db = await testDb();
  producer = await openProducer(testKafka('test-outbox'));
});

afterAll(async () => {
  await producer.close();
  await db.close();
});

/** A producer whose broker is gone: the process died, or the network did, between commit and publish. */
const deadProducer: RecordProducer = {
  send: () => Promise.reject(new Error('connection lost')),
  close: async () => {},
};

function relayWith(p: RecordProducer): OutboxRelay {
  return new OutboxRelay({ db, producer: p, metrics: createKitMetrics(new Registry()), logger, sweepMs: 100 });
}

/** Commits one unit of work per (product, step): stock updates whose quantityChange is the step number. */
async function commitUpdates(writer: EventWriter, products: string[], steps: number): Promise<void> {
  for (let step = 1; step <= steps; step++) {
    await writer.transact(async (_tx, emit) => {
      for (const productId of products) {
        emit(
          'ecom.inventory.updated.v1',
          {
            productId,
            quantityChange: step,
            operation: 'ADD',
            reason: 'RESTOCK',
            quantityOnHand: step,
            available: step,
          },
          { correlationId: productId },
        );
      }
    });
  }
}

function stepsByProduct(records: Awaited<ReturnType<typeof readTopic>>, products: string[]) {
  const steps = new Map<string, number[]>(products.map((p) => [p, []]));
  for (const r of records) {
    const key = r.key?.toString() ?? '';
    if (steps.has(key)) steps.get(key)?.push(JSON.parse(r.value?.toString() ?? '{}').quantityChange);
  }
  return steps;
}

describe('transactional outbox on the real broker and PostgreSQL', () => {
  it('loses nothing when publishing fails after commit: the next relay sweeps it out, in order per key', async () => {
    const products = [1, 2, 3].map((i) => `p-${i}-${randomUUID()}`);
    const crashed = relayWith(deadProducer);
    await commitUpdates(new EventWriter('test', codec, db, crashed), products, 10);
    await crashed.flush();
    expect((await outboxBacklog(db)).rows).toBe(30);

    const restarted = relayWith(producer);
    restarted.start();
    try {
      const records = await readTopic('ecom.inventory', (rs) =>
        [...stepsByProduct(rs, products).values()].every((s) => s.length >= 10),
      );
      const expected = Array.from({ length: 10 }, (_, i) => i + 1);
      for (const [product, steps] of stepsByProduct(records, products)) expect(steps, product).toEqual(expected);
      expect((await outboxBacklog(db)).rows).toBe(0);
    } finally {
      await restarted.stop();
    }
  });

  it('publishes right after commit and keeps per-key order under concurrent writers', async () => {
    const relay = relayWith(producer);
    const writer = new EventWriter('test', codec, db, relay);
    const products = [1, 2, 3, 4].map((i) => `q-${i}-${randomUUID()}`);
    // One writer per product, all at once: rows of different keys interleave in the outbox.
    await Promise.all(products.map((p) => commitUpdates(writer, [p], 15)));
    const records = await readTopic('ecom.inventory', (rs) =>
      [...stepsByProduct(rs, products).values()].every((s) => s.length >= 15),
    );
    const expected = Array.from({ length: 15 }, (_, i) => i + 1);
    for (const [product, steps] of stepsByProduct(records, products)) expect(steps, product).toEqual(expected);
    await relay.stop();
  });

  it('writes nothing when the unit of work fails', async () => {
    const relay = relayWith(producer);
    const writer = new EventWriter('test', codec, db, relay);
    const before = (await outboxBacklog(db)).rows;
    await expect(
      writer.transact(async (_tx, emit) => {
        emit('ecom.inventory.stock-depleted.v1', { productId: 'p-rollback' }, { correlationId: 'p-rollback' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect((await outboxBacklog(db)).rows).toBe(before);
  });
});
