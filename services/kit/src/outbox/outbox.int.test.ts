import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionDb } from '../db/types.js';
import { EventCodec } from '../events/codec.js';
import { openProducer, type RecordProducer } from '../kafka/client.js';
import { createKitMetrics } from '../metrics.js';
import { payloadOf, readTopic, recordsOfKey, testDb, testKafka, testLogger } from '../testing/index.js';
import { OutboxRelay } from './relay.js';
import { outboxBacklog } from './store.js';
import { EventWriter } from './writer.js';

const codec = new EventCodec();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = testLogger();
let db: SessionDb;
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
  health: () => ({ ok: false, detail: 'connection lost' }),
  close: async () => {},
};

function relayWith(p: RecordProducer): OutboxRelay {
  return new OutboxRelay({ db, producer: p, metrics: createKitMetrics(new Registry()), logger, sweepMs: 100 });
}

/**
 * Commits one unit of work per (product, step): stock updates whose quantityChange is the step
 * number; `afterStep` runs after each step's commit.
 */
async function commitUpdates(
  writer: EventWriter,
  products: string[],
  steps: number,
  afterStep: () => Promise<void> = async () => {},
): Promise<void> {
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
    await afterStep();
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
      // The last batch's rows are deleted by the next read: the sweep's, at the latest.
      await expect.poll(async () => (await outboxBacklog(db)).rows).toBe(0);
    } finally {
      await restarted.stop();
    }
  });

  it('publishes each key in commit order when concurrent transactions of that key race, through two relays', async () => {
    // Commit order made observable: each transaction takes the next number of its key under the
    // key's row lock, which it holds until it commits, so numbers are handed out in commit order.
    // The random pauses make transactions start, lock and commit in different orders.
    await db.query('CREATE TABLE IF NOT EXISTS key_seq (key text PRIMARY KEY, n int NOT NULL)');
    const products = [1, 2].map((i) => `r-${i}-${randomUUID()}`);
    const customers = [1, 2].map((i) => `c-${i}-${randomUUID()}`);
    for (const key of [...products, ...customers]) await db.query('INSERT INTO key_seq VALUES ($1, 0)', [key]);
    // Two replicas' relays on one schema, each kicked by its own writer's commits and sweeping.
    const relays = [relayWith(producer), relayWith(producer)];
    for (const relay of relays) relay.start();
    const writers = relays.map((relay) => new EventWriter('test', codec, db, relay));
    const writerFor = (i: number) => writers[i % writers.length] as EventWriter;
    const perKey = 12;
    const pause = () => sleep(Math.floor(Math.random() * 6));
    const commit = (key: string, i: number) =>
      writerFor(i).transact(async (tx, emit) => {
        await pause();
        const { rows } = await tx.query<{ n: number }>('UPDATE key_seq SET n = n + 1 WHERE key = $1 RETURNING n', [
          key,
        ]);
        const n = Number(rows[0]?.n);
        await pause();
        if (products.includes(key)) {
          emit(
            'ecom.inventory.updated.v1',
            { productId: key, quantityChange: n, operation: 'ADD', reason: 'RESTOCK', quantityOnHand: n, available: n },
            { correlationId: key },
          );
        } else {
          emit(
            'ecom.notification.sent.v1',
            {
              notificationId: randomUUID(),
              customerId: key,
              orderId: null,
              channel: 'LOG',
              template: 'outbox-order-test',
              message: String(n),
              sourceEventId: `${key}-${n}`,
            },
            { correlationId: key },
          );
        }
      });
    try {
      await Promise.all(
        [...products, ...customers].flatMap((key) => Array.from({ length: perKey }, (_, i) => commit(key, i))),
      );
      const expected = Array.from({ length: perKey }, (_, i) => i + 1);
      const inventory = await readTopic('ecom.inventory', (rs) =>
        [...stepsByProduct(rs, products).values()].every((s) => s.length >= perKey),
      );
      for (const [product, steps] of stepsByProduct(inventory, products)) expect(steps, product).toEqual(expected);
      const notifications = await readTopic('ecom.notifications', (rs) =>
        customers.every((c) => recordsOfKey(rs, c).length >= perKey),
      );
      for (const customer of customers) {
        const published = recordsOfKey(notifications, customer).map((r) =>
          Number(payloadOf<{ message: string }>(r).message),
        );
        expect(published, customer).toEqual(expected);
      }
    } finally {
      for (const relay of relays) await relay.stop();
    }
  });

  it('holds no transaction open while Kafka is called', async () => {
    let sending!: () => void;
    const sendStarted = new Promise<void>((resolve) => {
      sending = resolve;
    });
    let finish!: () => void;
    const slowProducer: RecordProducer = {
      async send(records) {
        sending();
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        await producer.send(records);
      },
      health: () => ({ ok: true }),
      close: async () => {},
    };
    const relay = relayWith(slowProducer);
    const productId = `p-slow-${randomUUID()}`;
    await commitUpdates(new EventWriter('test', codec, db, relay), [productId], 1);
    await sendStarted;
    try {
      const { rows } = await db.query<{ state: string }>(
        "SELECT state FROM pg_stat_activity WHERE application_name = $1 AND state LIKE 'idle in transaction%'",
        [`ecom-${db.schema}`],
      );
      expect(rows).toEqual([]);
    } finally {
      finish();
      await relay.stop();
    }
    const records = await readTopic(
      'ecom.inventory',
      (rs) => stepsByProduct(rs, [productId]).get(productId)?.length === 1,
    );
    expect(stepsByProduct(records, [productId]).get(productId)).toEqual([1]);
  });

  it('goes on publishing after the connection holding the relay lock is killed', async () => {
    const relay = relayWith(producer);
    relay.start();
    const writer = new EventWriter('test', codec, db, relay);
    const [first, second] = [`p-lock-1-${randomUUID()}`, `p-lock-2-${randomUUID()}`];
    try {
      await commitUpdates(writer, [first], 1);
      await readTopic('ecom.inventory', (rs) => (stepsByProduct(rs, [first]).get(first)?.length ?? 0) >= 1);
      const killed = await db.query<{ killed: boolean }>(
        `SELECT pg_terminate_backend(l.pid) AS killed FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
        [`ecom-${db.schema}`],
      );
      expect(killed.rows).toEqual([{ killed: true }]);
      await commitUpdates(writer, [second], 1);
      const records = await readTopic(
        'ecom.inventory',
        (rs) => (stepsByProduct(rs, [second]).get(second)?.length ?? 0) >= 1,
      );
      expect(stepsByProduct(records, [second]).get(second)).toEqual([1]);
      await expect.poll(async () => (await outboxBacklog(db)).rows).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  it('publishes each row once although its DELETE waits for the next read, and leaves none behind at shutdown', async () => {
    const relay = relayWith(producer); // not started: no sweep, only the writer's kicks and these flushes
    const writer = new EventWriter('test', codec, db, relay);
    const productId = `p-once-${randomUUID()}`;
    const rowsOfProduct = async () =>
      Number(
        (await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE key = $1', [productId])).rows[0]?.n,
      );
    try {
      // Each flush publishes the new row in the same statement that deletes the previous batch's.
      await commitUpdates(writer, [productId], 3, () => relay.flush());
      const records = await readTopic(
        'ecom.inventory',
        (rs) => (stepsByProduct(rs, [productId]).get(productId)?.length ?? 0) >= 3,
      );
      expect(stepsByProduct(records, [productId]).get(productId)).toEqual([1, 2, 3]);
    } finally {
      await relay.stop();
    }
    expect(await rowsOfProduct()).toBe(0);
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
