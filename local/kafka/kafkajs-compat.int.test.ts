// kafkajs 2.2.4 (no release since 2023) against the real local Kafka 4.3 broker (local/kafka/kafka.sh).
// Kafka 4.0 removed old protocol versions (KIP-896); kafkajs negotiates the highest version both sides
// know through ApiVersions, so every call below must still find a common version. This test is the
// proof, call by call, for what the services and the operator use.
import { randomUUID } from 'node:crypto';
import {
  type Admin,
  CompressionTypes,
  ConfigResourceTypes,
  type Consumer,
  Kafka,
  type KafkaMessage,
  logLevel,
  Partitioners,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const brokers = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '19092'}`).split(',');
const run = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const topicA = `compat.${run}.multi`; // admin calls: partitions, configs
const topicB = `compat.${run}.single`; // one partition: exact offsets for the consumer group
const topicT = `compat.${run}.txn`; // transactions
const groupId = `compat.${run}.group`;

const kafkaLogs: string[] = [];
const kafka = new Kafka({
  clientId: `kafkajs-compat-${run}`,
  brokers,
  logLevel: logLevel.WARN,
  // Keep the client's own complaints (e.g. protocol errors) for the failure message, not the console.
  logCreator: () => (entry) => {
    kafkaLogs.push(`${entry.namespace} ${entry.log.message} ${JSON.stringify(entry.log.error ?? '')}`);
  },
});

const DEFAULT_MAX_MESSAGE_BYTES = '1048588';

let admin: Admin;
const consumers: Consumer[] = [];

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => {});
  const left = (await admin.listTopics()).filter((t) => t.startsWith(`compat.${run}.`));
  if (left.length > 0) await admin.deleteTopics({ topics: left }).catch(() => {});
  await admin.disconnect();
  if (kafkaLogs.length > 0) console.log(`kafkajs warnings during the run:\n${kafkaLogs.join('\n')}`);
});

async function topicConfig(topic: string, names: string[]): Promise<Record<string, string | null>> {
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }],
  });
  const resource = res.resources[0];
  expect(resource?.errorCode).toBe(0);
  return Object.fromEntries((resource?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
}

/** Collects messages from a consumer until `count` arrived or the deadline passed. */
function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('kafkajs 2.2.4 against the local Kafka 4.3 broker', () => {
  it('admin: createTopics with configs and partitions, fetchTopicMetadata, createPartitions', async () => {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: topicA,
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: [
            { name: 'retention.ms', value: '86400000' },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
        { topic: topicB, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    expect(created).toBe(true);
    // Creating an existing topic is not an error for kafkajs: it answers false.
    expect(await admin.createTopics({ topics: [{ topic: topicB, numPartitions: 1 }] })).toBe(false);

    const meta = await admin.fetchTopicMetadata({ topics: [topicA, topicB] });
    const a = meta.topics.find((t) => t.name === topicA);
    expect(a?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of a?.partitions ?? []) {
      expect(p.leader).toBe(1);
      expect(p.replicas).toEqual([1]);
      expect(p.isr).toEqual([1]);
    }
    expect(meta.topics.find((t) => t.name === topicB)?.partitions).toHaveLength(1);

    await admin.createPartitions({ topicPartitions: [{ topic: topicA, count: 4 }] });
    const after = await admin.fetchTopicMetadata({ topics: [topicA] });
    expect(after.topics[0]?.partitions).toHaveLength(4);

    // Shrinking is refused by the broker (the operator must never try it).
    await expect(admin.createPartitions({ topicPartitions: [{ topic: topicA, count: 2 }] })).rejects.toThrow();

    expect(await admin.listTopics()).toEqual(expect.arrayContaining([topicA, topicB]));
  });

  it('admin: describeConfigs, and alterConfigs REPLACES the whole topic config (not incremental)', async () => {
    expect(await topicConfig(topicA, ['retention.ms', 'cleanup.policy', 'max.message.bytes'])).toEqual({
      'retention.ms': '86400000',
      'cleanup.policy': 'delete',
      'max.message.bytes': '2000000',
    });

    // describeConfigs on the broker resource works too (the operator reads defaults from it).
    const broker = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['auto.create.topics.enable'] }],
    });
    expect(broker.resources[0]?.configEntries[0]?.configValue).toBe('false');

    // kafkajs 2.2.4 has only the legacy AlterConfigs API (key 33), no IncrementalAlterConfigs (key 44):
    // the entries sent become the topic's complete set of dynamic configs; all others revert to defaults.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topicA, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      ],
    });
    expect(await topicConfig(topicA, ['retention.ms', 'max.message.bytes'])).toEqual({
      'retention.ms': '3600000',
      'max.message.bytes': DEFAULT_MAX_MESSAGE_BYTES, // reverted: it was not in the request
    });

    // The workaround: send the full desired set every time (read, merge, write).
    const current = await topicConfig(topicA, ['retention.ms']);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topicA,
          configEntries: [
            { name: 'retention.ms', value: current['retention.ms'] ?? '3600000' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
    });
    expect(await topicConfig(topicA, ['retention.ms', 'max.message.bytes'])).toEqual({
      'retention.ms': '3600000',
      'max.message.bytes': '2000000',
    });

    // validateOnly changes nothing.
    await admin.alterConfigs({
      validateOnly: true,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topicA, configEntries: [{ name: 'retention.ms', value: '1000' }] },
      ],
    });
    expect((await topicConfig(topicA, ['retention.ms']))['retention.ms']).toBe('3600000');
  });

  it('idempotent producer (acks -1, GZIP) sendBatch with headers; fetchTopicOffsets', async () => {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      const msgs = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({
          key: `order-${i % 5}`,
          value: JSON.stringify({ prefix, i, pad: 'x'.repeat(200) }),
          headers: {
            ce_id: `${prefix}-${i}`,
            ce_type: 'ecom.order.created.v1',
            'content-type': 'application/json',
          },
        }));
      const res = await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.GZIP,
        topicMessages: [
          { topic: topicA, messages: msgs(40, 'a') },
          { topic: topicB, messages: msgs(20, 'b') },
        ],
      });
      for (const r of res) expect(r.errorCode).toBe(0);
      expect(res.filter((r) => r.topicName === topicB)).toEqual([
        expect.objectContaining({ partition: 0, baseOffset: '0' }),
      ]);
    } finally {
      await producer.disconnect();
    }

    const offsetsA = await admin.fetchTopicOffsets(topicA);
    expect(offsetsA).toHaveLength(4);
    expect(offsetsA.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(40);
    const offsetsB = await admin.fetchTopicOffsets(topicB);
    expect(offsetsB).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '20' })]);

    // by timestamp (ListOffsets with a time): the first offset at or after "an hour ago" is 0
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topicB, Date.now() - 3_600_000);
    expect(byTime).toEqual([{ partition: 0, offset: '0' }]);
  });

  it('consumer group: eachBatch, autoCommit off, manual commitOffsets; a second consumer resumes there', async () => {
    // Consumer 1 reads from the beginning, handles 10 of the 20 records, commits offset 10, leaves.
    const seen1: KafkaMessage[] = [];
    const c1 = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    consumers.push(c1);
    await c1.connect();
    await c1.subscribe({ topic: topicB, fromBeginning: true });
    let committed = false;
    await c1.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const m of batch.messages) {
          if (!isRunning() || isStale() || committed) break;
          seen1.push(m);
          resolveOffset(m.offset);
          if (seen1.length === 10) {
            await c1.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: String(Number(m.offset) + 1) },
            ]);
            committed = true;
          }
        }
        await heartbeat();
      },
    });
    await waitFor(() => (committed ? true : undefined), 45_000, 'consumer 1 to commit');
    expect(seen1.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    // headers survive GZIP and come back as Buffers; keys too
    expect(seen1[3]?.headers?.ce_id?.toString()).toBe('b-3');
    expect(seen1[3]?.headers?.['content-type']?.toString()).toBe('application/json');
    expect(seen1[3]?.key?.toString()).toBe('order-3');
    expect(JSON.parse(seen1[3]?.value?.toString() ?? '{}')).toMatchObject({ prefix: 'b', i: 3 });

    const groups = await admin.listGroups();
    expect(groups.groups).toEqual(
      expect.arrayContaining([expect.objectContaining({ groupId, protocolType: 'consumer' })]),
    );
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer' });
    expect(described.groups[0]?.members).toHaveLength(1);

    await c1.disconnect(); // autoCommit off: leaving commits nothing beyond offset 10

    expect(await admin.fetchOffsets({ groupId, topics: [topicB] })).toEqual([
      { topic: topicB, partitions: [expect.objectContaining({ partition: 0, offset: '10' })] },
    ]);
    expect((await admin.describeGroups([groupId])).groups[0]?.state).toBe('Empty');

    // Consumer 2, same group: starts at the committed offset 10 (fromBeginning only applies without one).
    const seen2: KafkaMessage[] = [];
    const c2 = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    consumers.push(c2);
    await c2.connect();
    await c2.subscribe({ topic: topicB, fromBeginning: true });
    await c2.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen2.push(...batch.messages);
        await c2.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: batch.lastOffset() }]);
      },
    });
    await waitFor(() => (seen2.length >= 10 ? true : undefined), 45_000, 'consumer 2 to read the rest');
    expect(seen2.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 10)));
    await c2.disconnect();

    // a committed offset of `lastOffset()` (not +1) would re-deliver the last record: kafkajs does
    // not add one for you in commitOffsets.
    expect((await admin.fetchOffsets({ groupId, topics: [topicB] }))[0]?.partitions[0]?.offset).toBe('19');

    await admin.deleteGroups([groupId]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
  });

  it('transactional producer: committed records are read, aborted ones are not (read_committed)', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topicT, numPartitions: 1 }] });
    const producer = kafka.producer({
      transactionalId: `compat.${run}.tx`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      const t1 = await producer.transaction();
      await t1.send({ topic: topicT, acks: -1, messages: [{ key: 'k', value: 'committed' }] });
      await t1.commit();
      const t2 = await producer.transaction();
      await t2.send({ topic: topicT, acks: -1, messages: [{ key: 'k', value: 'aborted' }] });
      await t2.abort();
      const t3 = await producer.transaction();
      await t3.send({ topic: topicT, acks: -1, messages: [{ key: 'k', value: 'last' }] });
      await t3.commit();
    } finally {
      await producer.disconnect();
    }

    const seen: string[] = [];
    const c = kafka.consumer({ groupId: `${groupId}.tx`, readUncommitted: false });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topic: topicT, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? '') });
    await waitFor(() => (seen.includes('last') ? true : undefined), 45_000, 'the committed transactional records');
    expect(seen).toEqual(['committed', 'last']);
    await c.disconnect();
  });

  it('admin: deleteTopics', async () => {
    await admin.deleteTopics({ topics: [topicA, topicB, topicT], timeout: 10_000 });
    const left = await admin.listTopics();
    expect(left).not.toContain(topicA);
    expect(left).not.toContain(topicB);
    expect(left).not.toContain(topicT);
  });
});
