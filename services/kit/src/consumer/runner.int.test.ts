import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionDb } from '../db/types.js';
import { EventCodec } from '../events/codec.js';
import { createEvent, type Event } from '../events/event.js';
import { faultInjector, parseFaults } from '../faults/faults.js';
import {
  openProducer,
  openTopicAdmin,
  type RecordProducer,
  startGroupConsumer,
  type TopicAdmin,
} from '../kafka/client.js';
import type { OutgoingRecord } from '../kafka/records.js';
import { createKitMetrics, type KitMetrics } from '../metrics.js';
import { OutboxRelay } from '../outbox/relay.js';
import { createTestTopic, eventually, readTopic, testDb, testKafka, testLogger, uniqueName } from '../testing/index.js';
import {
  type BatchHandler,
  type ConsumerOptions,
  type Handlers,
  type RunningConsumer,
  startConsumer,
} from './runner.js';

const codec = new EventCodec();
let db: SessionDb;
let producer: RecordProducer;
let admin: TopicAdmin;
const running: Array<{ close(): Promise<void> } | OutboxRelay> = [];

beforeAll(async () => {
  db = await testDb();
  await db.query('CREATE TABLE test_effects (order_id text NOT NULL, ce_id text NOT NULL)');
  producer = await openProducer(testKafka('test-producer'));
  admin = await openTopicAdmin(testKafka('test-admin'));
});

afterEach(async () => {
  for (const r of running.splice(0)) await (r instanceof OutboxRelay ? r.stop() : r.close());
});

afterAll(async () => {
  await producer.close();
  await admin.close();
  await db.close();
});

function orderCreated(orderId = randomUUID()): Event<'ecom.order.created.v1'> {
  return createEvent(
    'test',
    'ecom.order.created.v1',
    {
      orderId,
      customerId: 'c-1',
      items: [{ productId: 'p-1', quantity: 1, price: '5.00' }],
      totalAmount: '5.00',
      currency: 'EUR',
      paymentMethod: 'card',
      status: 'CREATED',
      orderDate: new Date().toISOString(),
    },
    { correlationId: orderId },
  );
}

interface Harness {
  topic: string;
  group: string;
  metrics: KitMetrics;
  consumer: RunningConsumer;
  publish(records: OutgoingRecord[]): Promise<void>;
  /** Waits until the group committed everything on the topic. */
  caughtUp(): Promise<void>;
}

async function harness(
  handlers: Handlers | BatchHandler,
  extra: Partial<Pick<ConsumerOptions, 'faults' | 'maxBatchRecords' | 'afterBatch' | 'concurrency'>> = {},
  /** The topic's partitions, and records already on it when the consumer starts. */
  topicSetup: { partitions?: number; backlog?: OutgoingRecord[] } = {},
): Promise<Harness> {
  const topic = uniqueName('test.orders');
  const group = uniqueName('group');
  await createTestTopic(topic, topicSetup.partitions);
  if (topicSetup.backlog) await producer.send(topicSetup.backlog.map((r) => ({ ...r, topic })));
  const metrics = createKitMetrics(new Registry());
  const logger = testLogger();
  const relay = new OutboxRelay({ db, producer, metrics, logger, sweepMs: 200 });
  relay.start();
  const consumer = await startConsumer({
    service: 'test',
    groupId: group,
    topics: [topic],
    handlers,
    kafka: testKafka('test-consumer'),
    db,
    codec,
    relay,
    metrics,
    logger,
    maxAttempts: 3,
    retryBaseMs: 20,
    ...extra,
  });
  running.push(consumer, relay);
  return {
    topic,
    group,
    metrics,
    consumer,
    publish: (records) => producer.send(records.map((r) => ({ ...r, topic }))),
    caughtUp: async () => {
      await eventually(async () => {
        const lag = await admin.groupLag(group, topic);
        return [...lag.values()].every((l) => l === 0) ? true : undefined;
      }, `group ${group} to commit everything on ${topic}`);
    },
  };
}

const recordEffect: Handlers = {
  'ecom.order.created.v1': async (event, { tx }) => {
    await tx.query('INSERT INTO test_effects (order_id, ce_id) VALUES ($1, $2)', [event.data.orderId, event.id]);
  },
};

async function effectsOf(orderId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM test_effects WHERE order_id = $1', [
    orderId,
  ]);
  return Number(rows[0]?.n);
}

async function metricValue(metrics: KitMetrics, name: keyof KitMetrics): Promise<number> {
  const { values } = await metrics[name].get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function deadLettersOf(ceId: string) {
  const records = await readTopic('ecom.dlq', (rs) => rs.some((r) => r.headers.ce_id === ceId));
  return records.filter((r) => r.headers.ce_id === ceId);
}

describe('consumer runner on the real broker and PostgreSQL', () => {
  it('changes state once when the same record is delivered twice (inbox)', async () => {
    const h = await harness(recordEffect);
    const event = orderCreated();
    const record = codec.encode(event);
    await h.publish([record]);
    await h.caughtUp();
    await h.publish([record, record]);
    await h.caughtUp();
    expect(await effectsOf(event.data.orderId)).toBe(1);
    expect(await metricValue(h.metrics, 'duplicates')).toBe(2);
  });

  it('retries a handler that fails twice, then commits its effect once', async () => {
    let calls = 0;
    let committedEffects = 0;
    const h = await harness({
      'ecom.order.created.v1': async (event, ctx) => {
        calls++;
        // Registered on every attempt; only the attempt that commits may run it.
        ctx.onCommit(() => committedEffects++);
        if (calls <= 2) throw new Error(`transient failure ${calls}`);
        await recordEffect['ecom.order.created.v1']?.(event, ctx);
      },
    });
    const event = orderCreated();
    await h.publish([codec.encode(event)]);
    await h.caughtUp();
    expect(calls).toBe(3);
    expect(committedEffects).toBe(1);
    expect(await effectsOf(event.data.orderId)).toBe(1);
    expect(await metricValue(h.metrics, 'retried')).toBe(2);
    expect(await metricValue(h.metrics, 'deadLettered')).toBe(0);
  });

  it('dead-letters a record whose handler always fails, with every error header, and moves on', async () => {
    const poison = orderCreated();
    const next = orderCreated();
    const h = await harness({
      'ecom.order.created.v1': async (event, ctx) => {
        if (event.id === poison.id) throw new TypeError('cannot process this order');
        await recordEffect['ecom.order.created.v1']?.(event, ctx);
      },
    });
    const poisonRecord = codec.encode(poison);
    await h.publish([poisonRecord, codec.encode(next)]);
    await h.caughtUp();
    expect(await effectsOf(next.data.orderId)).toBe(1);
    expect(await effectsOf(poison.data.orderId)).toBe(0);

    const [letter, ...more] = await deadLettersOf(poison.id);
    expect(more).toEqual([]);
    expect(letter?.key?.toString()).toBe(poisonRecord.key);
    expect(letter?.value?.toString()).toBe(poisonRecord.value.toString());
    expect(letter?.headers).toMatchObject({
      ...poisonRecord.headers,
      dlq_original_topic: h.topic,
      dlq_original_partition: '0',
      dlq_original_offset: '0',
      dlq_consumer_group: h.group,
      dlq_error_class: 'TypeError',
      dlq_error_message: 'cannot process this order',
      dlq_attempts: '3',
    });
    expect(letter?.headers.dlq_error_stack).toContain('TypeError: cannot process this order');
    expect(Number(letter?.headers.dlq_original_timestamp)).toBeGreaterThan(0);
    expect(Date.parse(letter?.headers.dlq_failed_at ?? '')).toBeGreaterThan(0);
  });

  it('sends non-JSON and schema-invalid records straight to the dead-letter topic', async () => {
    let calls = 0;
    const h = await harness({
      'ecom.order.created.v1': async (event, ctx) => {
        calls++;
        await recordEffect['ecom.order.created.v1']?.(event, ctx);
      },
    });
    const notJson = codec.encode(orderCreated());
    notJson.value = Buffer.from('this is not json');
    const invalid = codec.encode(orderCreated());
    invalid.value = Buffer.from(JSON.stringify({ orderId: 'not-a-uuid' }));
    const good = orderCreated();
    await h.publish([notJson, invalid, codec.encode(good)]);
    await h.caughtUp();
    expect(calls).toBe(1);
    expect(await effectsOf(good.data.orderId)).toBe(1);

    const [jsonLetter] = await deadLettersOf(notJson.headers.ce_id as string);
    expect(jsonLetter?.headers).toMatchObject({ dlq_error_class: 'InvalidJson', dlq_attempts: '1' });
    expect(jsonLetter?.value?.toString()).toBe('this is not json');
    const [schemaLetter] = await deadLettersOf(invalid.headers.ce_id as string);
    expect(schemaLetter?.headers.dlq_error_class).toBe('SchemaViolation');
    expect(schemaLetter?.headers.dlq_error_message).toContain('/orderId must match format "uuid"');
  });

  it('skips unread the types the group does not handle: even an invalid one is not its dead letter', async () => {
    const h = await harness(recordEffect);
    // A type this group has no handler for, with a payload that would fail its schema: the groups
    // that handle it dead-letter it, this one must not (nor parse it).
    const foreign = codec.encode(orderCreated());
    foreign.headers.ce_type = 'ecom.order.cancelled.v1';
    foreign.value = Buffer.from('not json, and not this group’s business');
    const good = orderCreated();
    await h.publish([foreign, codec.encode(good)]);
    await h.caughtUp();
    expect(await effectsOf(good.data.orderId)).toBe(1);
    expect(await metricValue(h.metrics, 'deadLettered')).toBe(0);
    expect(await metricValue(h.metrics, 'consumed')).toBe(2);
  });

  it('hands a batch handler every new event of a slice in one call, and redoes a failed slice one event per call', async () => {
    const calls: number[] = [];
    const poison = orderCreated();
    const handler: BatchHandler = {
      types: ['ecom.order.created.v1'],
      async handle(events, { tx }) {
        calls.push(events.length);
        if (events.some((e) => e.id === poison.id)) throw new TypeError('cannot process this order');
        for (const event of events as Event<'ecom.order.created.v1'>[]) {
          await tx.query('INSERT INTO test_effects (order_id, ce_id) VALUES ($1, $2)', [event.data.orderId, event.id]);
        }
      },
    };
    const good = Array.from({ length: 4 }, () => orderCreated());
    const h = await harness(handler);
    await h.publish(good.map((e) => codec.encode(e)));
    await h.caughtUp();
    expect(calls).toEqual([4]);
    for (const e of good) expect(await effectsOf(e.data.orderId)).toBe(1);

    calls.length = 0;
    const after = orderCreated();
    await h.publish([codec.encode(good[0] as Event), codec.encode(poison), codec.encode(after)]);
    await h.caughtUp();
    // The slice failed once as a whole (2 new events; the redelivered one was dropped by the inbox),
    // then each event alone: the poison 3 times (maxAttempts), the other once.
    expect(calls).toEqual([2, 1, 1, 1, 1]);
    expect(await effectsOf(after.data.orderId)).toBe(1);
    expect(await effectsOf((good[0] as Event<'ecom.order.created.v1'>).data.orderId)).toBe(1);
    const [letter] = await deadLettersOf(poison.id);
    expect(letter?.headers).toMatchObject({ dlq_error_class: 'TypeError', dlq_attempts: '3' });
  });

  it('handles the slices of one fetch from several partitions in one transaction, each event once', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS test_handled (ce_id text NOT NULL, tx bigint NOT NULL)');
    const events = Array.from({ length: 24 }, () => orderCreated());
    const h = await harness(
      {
        'ecom.order.created.v1': async (event, { tx }) => {
          await tx.query('INSERT INTO test_handled (ce_id, tx) VALUES ($1, txid_current())', [event.id]);
        },
      },
      { concurrency: 3 },
      { partitions: 3, backlog: events.map((e) => codec.encode(e)) },
    );
    await h.caughtUp();
    const { rows } = await db.query<{ ce_id: string; tx: string }>(
      'SELECT ce_id, tx::text FROM test_handled WHERE ce_id = ANY($1)',
      [events.map((e) => e.id)],
    );
    expect(rows.map((r) => r.ce_id).sort()).toEqual(events.map((e) => e.id).sort());
    // The backlog was there before the first fetch, so that fetch returned every partition's batch.
    const perPartition = await admin.groupLag(uniqueName('no-such-group'), h.topic);
    expect([...perPartition.values()].filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
  });

  it('redoes each gathered slice on its own when their shared transaction fails: a poison in one partition holds back no other', async () => {
    const poison = orderCreated();
    const good = Array.from({ length: 23 }, () => orderCreated());
    const h = await harness(
      {
        'ecom.order.created.v1': async (event, { tx }) => {
          if (event.id === poison.id) throw new TypeError('cannot process this order');
          await tx.query('INSERT INTO test_effects (order_id, ce_id) VALUES ($1, $2)', [event.data.orderId, event.id]);
        },
      },
      { concurrency: 3 },
      { partitions: 3, backlog: [...good, poison].map((e) => codec.encode(e)) },
    );
    await h.caughtUp();
    for (const e of good) expect(await effectsOf(e.data.orderId), e.id).toBe(1);
    expect(await effectsOf(poison.data.orderId)).toBe(0);
    const [letter] = await deadLettersOf(poison.id);
    expect(letter?.headers).toMatchObject({ dlq_error_class: 'TypeError', dlq_attempts: '3' });
  });

  it('runs afterBatch once per slice, after its handlers, in its transaction, with the events they handled', async () => {
    const seen: string[][] = [];
    const poison = orderCreated();
    const h = await harness(
      {
        'ecom.order.created.v1': async (event, { tx }) => {
          if (event.id === poison.id) throw new TypeError('cannot process this order');
          await tx.query('INSERT INTO test_effects (order_id, ce_id) VALUES ($1, $2)', [event.data.orderId, event.id]);
        },
      },
      {
        afterBatch: async (events, tx) => {
          // After the handlers and in their transaction: their uncommitted rows are visible.
          const { rows } = await tx.query<{ ce_id: string }>('SELECT ce_id FROM test_effects WHERE ce_id = ANY($1)', [
            events.map((e) => e.id),
          ]);
          seen.push(events.map((e) => e.id));
          await tx.query('INSERT INTO test_effects (order_id, ce_id) SELECT $1, unnest($2::text[])', [
            'after-batch',
            rows.map((r) => r.ce_id),
          ]);
        },
      },
    );
    const good = [orderCreated(), orderCreated(), orderCreated()];
    // An event of a type the group ignores is not among them.
    const ignored = createEvent(
      'test',
      'ecom.order.updated.v1',
      {
        orderId: randomUUID(),
        customerId: 'c-1',
        status: 'CONFIRMED',
        previousStatus: 'CREATED',
        updateReason: 'test',
        totalAmount: '5.00',
        currency: 'EUR',
      },
      { correlationId: randomUUID() },
    );
    await h.publish([...good, ignored].map((e) => codec.encode(e)));
    await h.caughtUp();
    expect(seen).toEqual([good.map((e) => e.id)]);
    const marked = async (ids: string[]) =>
      (
        await db.query<{ ce_id: string }>(
          "SELECT ce_id FROM test_effects WHERE order_id = 'after-batch' AND ce_id = ANY($1)",
          [ids],
        )
      ).rows.map((r) => r.ce_id);
    expect((await marked(good.map((e) => e.id))).sort()).toEqual(good.map((e) => e.id).sort());

    // A failing slice is rolled back and redone one event per transaction: afterBatch sees each
    // good event alone, and never the poison.
    seen.length = 0;
    const next = [orderCreated(), poison, orderCreated()];
    await h.publish(next.map((e) => codec.encode(e)));
    await h.caughtUp();
    const goodNext = [next[0]?.id ?? '', next[2]?.id ?? ''];
    expect(seen).toEqual([[goodNext[0]], [goodNext[1]]]);
    expect((await marked(goodNext)).sort()).toEqual([...goodNext].sort());
  });

  it('emits caused events through the outbox with correlation and causation ids', async () => {
    const h = await harness({
      'ecom.order.created.v1': async (event, { emit }) => {
        emit('ecom.order.updated.v1', {
          orderId: event.data.orderId,
          customerId: event.data.customerId,
          status: 'CONFIRMED',
          previousStatus: 'CREATED',
          updateReason: 'test',
          totalAmount: event.data.totalAmount,
          currency: event.data.currency,
        });
      },
    });
    const cause = orderCreated();
    await h.publish([codec.encode(cause)]);
    const records = await readTopic('ecom.orders', (rs) => rs.some((r) => r.headers.ce_causationid === cause.id));
    const caused = records.find((r) => r.headers.ce_causationid === cause.id);
    expect(caused?.headers).toMatchObject({
      ce_type: 'ecom.order.updated.v1',
      ce_correlationid: cause.data.orderId,
      ce_source: '/ecom/test',
    });
    expect(caused?.key?.toString()).toBe(cause.data.orderId);
  });

  it('waits out transient database errors (a deadlock) without limit and never dead-letters them', async () => {
    let calls = 0;
    const h = await harness({
      'ecom.order.created.v1': async (event, ctx) => {
        calls++;
        // More failures than maxAttempts (3): counted as attempts, this would be dead-lettered.
        if (calls <= 5) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        await recordEffect['ecom.order.created.v1']?.(event, ctx);
      },
    });
    const event = orderCreated();
    await h.publish([codec.encode(event)]);
    await h.caughtUp();
    expect(calls).toBe(6);
    expect(await effectsOf(event.data.orderId)).toBe(1);
    expect(await metricValue(h.metrics, 'transientRetries')).toBe(5);
    expect(await metricValue(h.metrics, 'deadLettered')).toBe(0);
    expect(await metricValue(h.metrics, 'retried')).toBe(0);
  });

  it('sends a dead letter once when the process fails between the dead-letter write and the offset commit', async () => {
    const poison = orderCreated();
    const undecodable = codec.encode(orderCreated());
    undecodable.value = Buffer.from('not json');
    // Every dead-letter write is followed by a failure before the offset commit, so each record
    // is redone; only the dead_letters position record keeps a second letter from being sent.
    const h = await harness(
      {
        'ecom.order.created.v1': async () => {
          throw new TypeError('poison');
        },
      },
      { faults: faultInjector(parseFaults('dlq-write-before-offset-commit:1:fail')) },
    );
    await h.publish([codec.encode(poison), undecodable]);
    await h.caughtUp();
    expect(await deadLettersOf(poison.id)).toHaveLength(1);
    expect(await deadLettersOf(undecodable.headers.ce_id as string)).toHaveLength(1);
    expect(await metricValue(h.metrics, 'transientRetries')).toBeGreaterThanOrEqual(2);
  });

  it('processes a big fetch in slices of maxBatchRecords, each its own transaction and commit', async () => {
    const events = Array.from({ length: 7 }, () => orderCreated());
    const h = await harness(recordEffect, { maxBatchRecords: 2 });
    await h.publish(events.map((e) => codec.encode(e)));
    await h.caughtUp();
    for (const event of events) expect(await effectsOf(event.data.orderId)).toBe(1);
    const { values } = await h.metrics.processing.get();
    const slices = values.find((v) => v.metricName === 'kafka_batch_processing_seconds_count')?.value ?? 0;
    expect(slices).toBeGreaterThanOrEqual(4);
  });

  it('finishes and commits the batch in flight when it is closed (SIGTERM), instead of dropping its offsets', async () => {
    let started!: () => void;
    const handling = new Promise<void>((resolve) => {
      started = resolve;
    });
    const h = await harness({
      'ecom.order.created.v1': async (event, ctx) => {
        started();
        await new Promise((r) => setTimeout(r, 1_500));
        await recordEffect['ecom.order.created.v1']?.(event, ctx);
      },
    });
    const event = orderCreated();
    await h.publish([codec.encode(event)]);
    await handling;
    await h.consumer.close();
    expect(await effectsOf(event.data.orderId)).toBe(1);
    const lag = await admin.groupLag(h.group, h.topic);
    expect([...lag.values()]).toEqual([0]);
  });
});

describe('group consumer health', () => {
  it('goes unhealthy when the consumer stops making progress, and is rebuilt and healthy again', async () => {
    const topic = uniqueName('test.health');
    await createTestTopic(topic);
    let calls = 0;
    const seen: string[] = [];
    const restarts: string[] = [];
    const consumer = await startGroupConsumer({
      ...testKafka('test-health'),
      // The wedged member must leave the group quickly for the rebuilt one to get the partition.
      sessionTimeoutMs: 6_000,
      groupId: uniqueName('group'),
      topics: [topic],
      concurrency: 1,
      stallTimeoutMs: 2_000,
      onRestart: (reason) => restarts.push(reason),
      onBatch: async (batch) => {
        calls++;
        // The first batch hangs, as a consumer wedged on a lost connection does: no fetch, no
        // heartbeat, no commit. Before, /readyz kept saying "joined" while nothing was consumed.
        if (calls === 1) await new Promise(() => {});
        for (const r of batch.records) seen.push(r.offset);
        await batch.commit(String(Number(batch.records.at(-1)?.offset) + 1));
      },
    });
    running.push(consumer);
    await eventually(async () => (consumer.health().ok ? true : undefined), 'consumer joined');
    await producer.send([{ topic, key: 'k', value: Buffer.from('{}'), headers: {} }]);
    await eventually(async () => (consumer.health().ok ? undefined : true), 'health to turn false');
    expect(consumer.health().detail).toMatch(/no fetch and no progress/);
    await eventually(async () => (consumer.health().ok && seen.length === 1 ? true : undefined), 'rebuild', 40_000);
    expect(seen).toEqual(['0']);
    expect(restarts).toEqual(['stalled']);
  }, 60_000);
});
