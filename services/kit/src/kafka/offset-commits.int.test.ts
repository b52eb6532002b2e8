import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTopic, eventually, testKafka, testLogger, uniqueName } from '../testing/index.js';
import {
  type GroupConsumer,
  openProducer,
  openTopicAdmin,
  type RecordProducer,
  startGroupConsumer,
  type TopicAdmin,
} from './client.js';

// How a consumer's offset commits are batched (KAFKA_COMMIT_INTERVAL_MS), on the real broker.
const PARTITIONS = 3;
let producer: RecordProducer;
let admin: TopicAdmin;

beforeAll(async () => {
  producer = await openProducer(testKafka('commits-producer'));
  admin = await openTopicAdmin(testKafka('commits-admin'));
});

afterAll(async () => {
  await producer.close();
  await admin.close();
});

interface Run {
  topic: string;
  group: string;
  consumer: GroupConsumer;
  /** Sends `count` records (spread over the partitions by key) and waits until the consumer handled them all. */
  send(count: number): Promise<void>;
  lag(): Promise<number>;
}

async function consume(commitIntervalMs: number): Promise<Run> {
  const topic = uniqueName('test.commits');
  const group = uniqueName('group');
  await createTestTopic(topic, PARTITIONS);
  let handled = 0;
  const consumer = await startGroupConsumer({
    ...testKafka('commits-consumer'),
    commitIntervalMs,
    groupId: group,
    topics: [topic],
    concurrency: PARTITIONS,
    logger: testLogger(),
    onBatch: async (batch) => {
      const last = batch.records.at(-1);
      if (!last) return;
      handled += batch.records.length;
      await batch.commit((BigInt(last.offset) + 1n).toString());
    },
  });
  let sent = 0;
  const lag = async () => [...(await admin.groupLag(group, topic)).values()].reduce((a, b) => a + b, 0);
  return {
    topic,
    group,
    consumer,
    lag,
    async send(count) {
      const records = Array.from({ length: count }, (_, i) => ({
        topic,
        key: `k-${sent + i}`,
        value: Buffer.from('x'),
        headers: {},
      }));
      sent += count;
      await producer.send(records);
      await eventually(async () => (handled >= sent ? true : undefined), `the consumer to handle ${sent} records`);
    },
  };
}

describe('offset commits', () => {
  it('holds progress back until the interval is over, and close() commits every partition it holds', async () => {
    const run = await consume(60_000);
    try {
      // The first slice commits at once (nothing was committed before); it starts the interval.
      await run.send(1);
      await eventually(async () => ((await run.lag()) === 0 ? true : undefined), 'the first commit');
      await run.send(12);
      // Handled, not committed: all twelve still count as lag.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await run.lag()).toBe(12);
    } finally {
      await run.consumer.close();
    }
    expect(await run.lag()).toBe(0);
  });

  it('commits the last slice of a partition gone quiet within the interval, with no batch after it', async () => {
    const run = await consume(400);
    try {
      await run.send(1);
      await run.send(9);
      // Without the sweep nothing commits the second send's slices: no batch comes after them.
      await eventually(
        async () => ((await run.lag()) === 0 ? true : undefined),
        'the quiet partitions committed',
        10_000,
      );
    } finally {
      await run.consumer.close();
    }
  });

  it('commits after every batch with an interval of 0', async () => {
    const run = await consume(0);
    try {
      await run.send(1);
      await run.send(9);
      // No sweep runs at 0: only the batches' own commits can have brought the lag to 0.
      await eventually(async () => ((await run.lag()) === 0 ? true : undefined), 'every batch committed', 5_000);
    } finally {
      await run.consumer.close();
    }
  });
});
