// A batch the broker wrote but whose acknowledgement never arrived (the broker was killed right
// after writing it): kafkajs rolls its sequence numbers back, so its next batch reuses sequences
// the broker holds. Of the lost batch's size, the broker takes it for a duplicate and drops it;
// of another size, it refuses it with OUT_OF_ORDER_SEQUENCE_NUMBER, and every batch after it (CI's
// Kafka-restart outage test hit this: the order service's outbox stopped publishing for good). The
// kit's producer starts a new session after a failed send instead. The lost acknowledgement is
// made here by letting kafkajs' real produce request reach the broker and then failing it, as a
// dropped connection does.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestTopic, readTopic, testKafka, uniqueName } from '../testing/index.js';
import { openProducer } from './client.js';
import type { OutgoingRecord } from './records.js';

type Produce = (...args: unknown[]) => Promise<unknown>;
const { prototype: broker } = createRequire(import.meta.url)('kafkajs/src/broker/index.js') as {
  prototype: { produce: Produce };
};
const produce = broker.produce;

/** The next produce request is written by the broker, but the client sees it fail. */
function loseNextAcknowledgement(): void {
  broker.produce = async function (this: unknown, ...args: unknown[]) {
    broker.produce = produce;
    await produce.apply(this, args);
    throw new kafkajs.KafkaJSNonRetriableError('connection lost before the acknowledgement (test fault)');
  };
}

afterEach(() => {
  broker.produce = produce;
});

const records = (topic: string, batch: string, n: number): OutgoingRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    topic,
    key: 'order-1',
    value: Buffer.from(`${batch}-${i}`),
    headers: { ce_id: `${batch}-${i}` },
  }));

describe('the idempotent producer after a lost acknowledgement', () => {
  it.each([
    ['of the lost batch size', 2],
    ['of another size', 5],
  ])('the next batch, %s, is written after the one the broker holds, and health recovers', async (_, size) => {
    const topic = uniqueName('producer-session');
    await createTestTopic(topic, 1);
    const producer = await openProducer(testKafka('test-producer-session'));
    try {
      await producer.send(records(topic, 'a', 3));
      loseNextAcknowledgement();
      await expect(producer.send(records(topic, 'b', 2))).rejects.toThrow(/acknowledgement/);
      expect(producer.health().ok).toBe(false);

      await producer.send(records(topic, 'c', size));
      await producer.send(records(topic, 'd', 1));
      expect(producer.health()).toEqual({ ok: true });
    } finally {
      await producer.close();
    }

    const read = await readTopic(topic, (r) => r.some((x) => x.headers.ce_id === 'd-0'));
    // One partition, one key: the log is in send order, and b is there once, from the first session.
    expect(read.map((r) => r.value?.toString())).toEqual([
      ...['a-0', 'a-1', 'a-2', 'b-0', 'b-1'],
      ...Array.from({ length: size }, (_, i) => `c-${i}`),
      'd-0',
    ]);
  });

  it('refuses to send once closed', async () => {
    const producer = await openProducer(testKafka('test-producer-closed'));
    await producer.close();
    await expect(producer.send(records(uniqueName('closed'), 'a', 1))).rejects.toThrow(/closed/);
  });
});
