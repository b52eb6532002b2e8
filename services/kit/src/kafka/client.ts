// The only module that imports kafkajs: kafkajs has had no release since 2023, so everything the
// kit needs from a Kafka client goes through the small interfaces below and the client can be
// swapped by rewriting this one file.
import type { Admin, Consumer, Kafka as KafkaClient, LogEntry, Producer } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import type { ObservedTopic, TopicAction } from '../topics/types.js';
import type { IncomingRecord, OutgoingRecord } from './records.js';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long the group waits for a silent member (a killed process) before rebalancing without it. */
  sessionTimeoutMs?: number;
}

/** Publishes batches with an idempotent producer, acks=all, gzip; order is kept per partition. */
export interface RecordProducer {
  send(records: OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface FetchedBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  records: IncomingRecord[];
  /** Keeps the group membership alive during long processing. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: stop working on the batch. */
  isActive(): boolean;
  /** Commits `nextOffset` (the offset of the next record to read) for this partition. */
  commit(nextOffset: string): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Batches of different partitions processed at once. */
  concurrency: number;
  onBatch(batch: FetchedBatch): Promise<void>;
  onGroupJoin?(): void;
}

export interface GroupConsumer {
  close(): Promise<void>;
}

/** Topic administration as the topic plan needs it (the operator uses the same interface). */
export interface TopicAdmin {
  brokerCount(): Promise<number>;
  /** Topics that exist, with their topic-level config overrides only. Missing names are absent. */
  describeTopics(names: string[]): Promise<Map<string, ObservedTopic>>;
  apply(action: TopicAction): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** Per partition: high watermark minus the group's committed offset (the whole log when nothing is committed). */
  groupLag(groupId: string, topic: string): Promise<Map<number, number>>;
  close(): Promise<void>;
}

// kafkajs is CommonJS; Node's ESM loader cannot see all of its named exports.
const { Kafka, CompressionTypes, ConfigResourceTypes, logLevel } = kafkajs;

/** kafkajs' DescribeConfigs source for a topic-level override (DYNAMIC_TOPIC_CONFIG). */
const TOPIC_CONFIG_SOURCE = 1;

function kafka({ brokers, clientId, logger }: KafkaOptions): KafkaClient {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        if (level <= logLevel.ERROR) log.error(rest, message);
        else log.warn(rest, message);
      },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

export async function openProducer(options: KafkaOptions): Promise<RecordProducer> {
  // One request in flight is what kafkajs' idempotent producer supports, so callers send batches.
  const producer: Producer = kafka(options).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    async send(records) {
      if (records.length === 0) return;
      const byTopic = new Map<string, OutgoingRecord[]>();
      for (const record of records) byTopic.set(record.topic, [...(byTopic.get(record.topic) ?? []), record]);
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.GZIP,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
        })),
      });
    },
    close: () => producer.disconnect(),
  };
}

export async function startGroupConsumer(options: KafkaOptions & ConsumerOptions): Promise<GroupConsumer> {
  const consumer: Consumer = kafka(options).consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    maxWaitTimeInMs: 100,
  });
  if (options.onGroupJoin) consumer.on(consumer.events.GROUP_JOIN, options.onGroupJoin);
  await consumer.connect();
  await consumer.subscribe({ topics: options.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
      await options.onBatch({
        topic: batch.topic,
        partition: batch.partition,
        highWatermark: batch.highWatermark,
        records: batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ?? null,
          value: m.value ?? null,
          headers: decodeHeaders(m.headers),
          timestamp: m.timestamp,
        })),
        heartbeat,
        isActive: () => isRunning() && !isStale(),
        commit: async (offset) => {
          // resolveOffset moves kafkajs' fetch position past the batch; commitOffsets alone would not.
          resolveOffset((BigInt(offset) - 1n).toString());
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
        },
      });
    },
  });
  return { close: () => consumer.disconnect() };
}

function decodeHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== null)
      out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

export async function openTopicAdmin(options: KafkaOptions): Promise<TopicAdmin> {
  const admin: Admin = kafka(options).admin();
  await admin.connect();
  return {
    async brokerCount() {
      return (await admin.describeCluster()).brokers.length;
    },
    async describeTopics(names) {
      const existing = new Set(await admin.listTopics());
      const present = names.filter((n) => existing.has(n));
      const observed = new Map<string, ObservedTopic>();
      if (present.length === 0) return observed;
      const [metadata, configs] = await Promise.all([
        admin.fetchTopicMetadata({ topics: present }),
        admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
        }),
      ]);
      for (const topic of metadata.topics) {
        const resource = configs.resources.find((r) => r.resourceName === topic.name);
        const config: Record<string, string> = {};
        for (const entry of resource?.configEntries ?? []) {
          if (entry.configSource === TOPIC_CONFIG_SOURCE) config[entry.configName] = entry.configValue;
        }
        observed.set(topic.name, {
          name: topic.name,
          partitions: topic.partitions.length,
          replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
          config,
        });
      }
      return observed;
    },
    async apply(action) {
      switch (action.type) {
        case 'create':
          await admin.createTopics({
            waitForLeaders: true,
            topics: [
              {
                topic: action.topic,
                numPartitions: action.partitions,
                replicationFactor: action.replicationFactor,
                configEntries: Object.entries(action.config).map(([name, value]) => ({ name, value })),
              },
            ],
          });
          return;
        case 'addPartitions':
          await admin.createPartitions({ topicPartitions: [{ topic: action.topic, count: action.to }] });
          return;
        case 'alterConfig':
          // AlterConfigs (not the incremental API) replaces the whole override set, which is what
          // drift correction wants: overrides the spec does not name fall back to the defaults.
          await admin.alterConfigs({
            validateOnly: false,
            resources: [
              {
                type: ConfigResourceTypes.TOPIC,
                name: action.topic,
                configEntries: Object.entries(action.config).map(([name, value]) => ({ name, value })),
              },
            ],
          });
          return;
      }
    },
    async deleteTopic(name) {
      await admin.deleteTopics({ topics: [name] });
    },
    async groupLag(groupId, topic) {
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const committedByPartition = new Map(
        (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
      );
      const lag = new Map<number, number>();
      for (const end of ends) {
        const done = committedByPartition.get(end.partition) ?? -1;
        lag.set(end.partition, Number(end.high) - (done < 0 ? Number(end.low) : done));
      }
      return lag;
    },
    close: () => admin.disconnect(),
  };
}
