// Every codec through the real broker: what the kit produces with each KAFKA_COMPRESSION is accepted
// (the broker decompresses each batch to validate it) and read back, and a consumer reads batches
// that the Java client compressed (the broker's own producer perf tool), whatever the kit writes.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestTopic, readTopic, testKafka, uniqueName } from '../testing/index.js';
import { openProducer } from './client.js';
import { COMPRESSIONS } from './tuning.js';

const kafkaSh = fileURLToPath(new URL('../../../../local/kafka/kafka.sh', import.meta.url));

describe('record-batch compression through the broker', () => {
  it.each(COMPRESSIONS)('%s: every record the kit produced is read back with its key, value and headers', async (c) => {
    const topic = uniqueName(`compression-${c}`);
    await createTestTopic(topic, 2);
    const producer = await openProducer({ ...testKafka('test-compression'), compression: c });
    const sent = Array.from({ length: 300 }, (_, i) => ({
      topic,
      key: `order-${i % 7}`,
      value: Buffer.from(JSON.stringify({ i, note: 'ecom order created '.repeat(5) })),
      headers: { ce_id: `id-${i}`, ce_type: 'ecom.order.created.v1' },
    }));
    try {
      await producer.send(sent.slice(0, 150));
      await producer.send(sent.slice(150));
    } finally {
      await producer.close();
    }
    const read = await readTopic(topic, (records) => records.length >= sent.length);
    const byId = new Map(read.map((r) => [r.headers.ce_id, r]));
    expect(byId.size).toBe(sent.length);
    for (const s of sent) {
      const r = byId.get(s.headers.ce_id);
      expect(r?.key?.toString()).toBe(s.key);
      expect(r?.value?.toString()).toBe(s.value.toString());
      expect(r?.headers.ce_type).toBe('ecom.order.created.v1');
    }
  });

  it.each(['snappy', 'lz4', 'zstd'])('reads %s batches that the Java client compressed', async (c) => {
    const topic = uniqueName(`java-${c}`);
    await createTestTopic(topic, 1);
    execFileSync(
      'bash',
      [
        kafkaSh,
        'run-class',
        'org.apache.kafka.tools.ProducerPerformance',
        ...['--topic', topic, '--num-records', '500', '--record-size', '600', '--throughput', '-1'],
        ...['--producer-props', `bootstrap.servers=${testKafka().brokers.join(',')}`, `compression.type=${c}`],
        ...['batch.size=65536', 'linger.ms=20'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
    const read = await readTopic(topic, (records) => records.length >= 500);
    expect(read).toHaveLength(500);
    expect(read.every((r) => r.value?.length === 600)).toBe(true);
  });
});
