// The only module that imports kafkajs: kafkajs has had no release since 2023, so everything the
// kit needs from a Kafka client goes through the small interfaces below and the client can be
// swapped by rewriting this one file.
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AclEntry,
  AclOperationTypes as AclOperation,
  Admin,
  CompressionTypes as CompressionType,
  Consumer,
  Kafka as KafkaClient,
  KafkaConfig,
  KafkaMessage,
  LogEntry,
  Producer,
  SASLOptions,
} from 'kafkajs';
import kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import type { ObservedTopic, TopicAction } from '../topics/types.js';
import type { KafkaAcl, KafkaOperation } from './acls.js';
import { CODECS } from './codecs.js';
import { byTopic, type PartitionOffset, PendingOffsets } from './pending-offsets.js';
import type { IncomingRecord, OutgoingRecord } from './records.js';
import { type KafkaSecurity, PLAINTEXT } from './security.js';
import {
  type Compression,
  DEFAULT_COMMIT_INTERVAL_MS,
  DEFAULT_COMPRESSION,
  DEFAULT_FETCH,
  type FetchTuning,
} from './tuning.js';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long the group waits for a silent member (a killed process) before rebalancing without it. */
  sessionTimeoutMs?: number;
  /** Codec of produced batches (default DEFAULT_COMPRESSION); consumers read every codec regardless. */
  compression?: Compression;
  /** Consumers' fetch settings; unset fields keep DEFAULT_FETCH. */
  fetch?: Partial<FetchTuning>;
  /** How often consumers commit their offsets (default DEFAULT_COMMIT_INTERVAL_MS; 0: every batch). */
  commitIntervalMs?: number;
  /** TLS and SASL (default plaintext); from a config: kafkaSecurity(config). */
  security?: KafkaSecurity;
}

/** What /readyz reports for one Kafka client: fine, or why not. */
export interface Health {
  ok: boolean;
  detail?: string;
}

/** Publishes batches with an idempotent producer, acks=all, the configured codec; order is kept per partition. */
export interface RecordProducer {
  send(records: OutgoingRecord[]): Promise<void>;
  /** Not ok while the last send failed (broker unreachable, not authorized, ...). */
  health(): Health;
  close(): Promise<void>;
}

export interface FetchedBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  records: IncomingRecord[];
  /** Keeps the group membership alive during long processing. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: start no new work. */
  isActive(): boolean;
  /** True once the partition belongs to another member: do not even commit what is done. */
  isRevoked(): boolean;
  /**
   * Marks the partition done up to `nextOffset` (the offset of the next record to read). The group
   * commit happens now when the commit interval has passed (or the consumer is stopping), else with
   * the next one, together with the other partitions' progress.
   */
  commit(nextOffset: string): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Batches of different partitions processed at once. */
  concurrency: number;
  onBatch(batch: FetchedBatch): Promise<void>;
  onGroupJoin?(): void;
  /** Called when the consumer is rebuilt: `crash` (kafkajs gave up) or `stalled` (no fetch, no work). */
  onRestart?(reason: 'crash' | 'stalled'): void;
  /** No fetch and no batch activity for this long while joined means stuck: rebuild. Default 60 s. */
  stallTimeoutMs?: number;
}

export interface GroupConsumer {
  /** Joined and making progress; false after a crash until the rebuilt consumer joins again. */
  health(): Health;
  /** Lets the batch in progress finish (it commits what it completed), then leaves the group. */
  close(): Promise<void>;
}

/** Where a consumer group stands on one partition: the log's bounds and the group's committed offset. */
export interface GroupPartitionOffsets {
  topic: string;
  partition: number;
  /** Offset of the oldest record still in the log (retention moves it). */
  logStart: number;
  /** Offset the next produced record will get (the high watermark). */
  logEnd: number;
  /** The group's committed offset (the next record it will read); absent when it has none. */
  committed?: number;
}

/** A consumer group's state and offsets, as lag autoscaling reads them. */
export interface GroupOffsets {
  /** The coordinator's state of the group: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, ... */
  state: string;
  /** Every partition of the topics asked for, or of every topic the group has offsets for when none were named. */
  partitions: GroupPartitionOffsets[];
  /** Named topics that do not exist. */
  missingTopics: string[];
}

/** A position in a partition: the record at `offset`, or the first one after it. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
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
  /** The group's state and, per partition of `topics` (empty: every topic it has offsets for), log bounds and committed offset. */
  groupOffsets(groupId: string, topics: readonly string[]): Promise<GroupOffsets>;
  /**
   * Timestamp (epoch ms) of the record at each position, keyed `topic/partition`. A position with no
   * record (at the log end, or deleted by retention meanwhile) is absent.
   */
  recordTimestamps(positions: readonly RecordPosition[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

// kafkajs is CommonJS; Node's ESM loader cannot see all of its named exports.
const {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  CompressionCodecs,
  CompressionTypes,
  ConfigResourceTypes,
  logLevel,
  ResourcePatternTypes,
} = kafkajs;

const COMPRESSION_TYPES: Record<Compression, CompressionType> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
// kafkajs' codec registry is global to the process and has only gzip: every reader (consumers, the
// replay, the admin's timestamp lookups) must decode whatever another producer wrote.
for (const [name, codec] of Object.entries(CODECS)) {
  CompressionCodecs[COMPRESSION_TYPES[name as Compression] as keyof typeof CompressionCodecs] = () => codec;
}

/** kafkajs' DescribeConfigs source for a topic-level override (DYNAMIC_TOPIC_CONFIG). */
const TOPIC_CONFIG_SOURCE = 1;

/** kafkajs' share of KafkaSecurity: every client (producer, consumer, admin, ...) is built with it. */
function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (security.protocol === 'plaintext') return {};
  // The host name is checked against the broker's certificate (Node's default): no rejectUnauthorized.
  const ssl = security.tls;
  if (security.protocol === 'ssl') return { ssl };
  const { mechanism, username, password } = security.sasl;
  // kafkajs types each mechanism's options apart; all of ours take a username and a password.
  return { ssl, sasl: { mechanism, username, password } as SASLOptions };
}

function kafka({ brokers, clientId, logger, security = PLAINTEXT }: KafkaOptions): KafkaClient {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    ...kafkajsSecurity(security),
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

/** A connected idempotent kafkajs producer; one that failed to connect is disconnected again. */
async function connectedProducer(options: KafkaOptions): Promise<Producer> {
  // One request in flight is what kafkajs' idempotent producer supports, so callers send batches.
  const producer = kafka(options).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  try {
    await producer.connect();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    throw error;
  }
  return producer;
}

/**
 * A failed send ends the producer session: the next send connects a new one (a new producer id,
 * sequences from 0), as the Java client bumps its epoch since KIP-360. kafkajs keeps the session
 * and rolls its sequence numbers back, which is wrong when the broker wrote the batch and only the
 * acknowledgement was lost (a broker killed mid-request): the next batch reuses sequences the
 * broker holds, so it is dropped as a duplicate when it has the lost batch's size, and refused
 * with OUT_OF_ORDER_SEQUENCE_NUMBER, then and forever, when not. A new session writes again what
 * the old one may have written; consumers' inboxes drop those duplicates.
 */
export async function openProducer(options: KafkaOptions): Promise<RecordProducer> {
  const compression = COMPRESSION_TYPES[options.compression ?? DEFAULT_COMPRESSION];
  // The current session; undefined after a failure, until the next send connects another.
  let session: Promise<Producer> | undefined = Promise.resolve(await connectedProducer(options));
  let lastError: string | undefined;
  let closed = false;

  const end = (failed: Promise<Producer>) => {
    if (session === failed) session = undefined;
    void failed.then((p) => p.disconnect()).catch(() => undefined);
  };

  return {
    async send(records) {
      if (records.length === 0) return;
      if (closed) throw new Error(`producer ${options.clientId} is closed`);
      const byTopic = new Map<string, OutgoingRecord[]>();
      for (const record of records) {
        const list = byTopic.get(record.topic);
        if (list) list.push(record);
        else byTopic.set(record.topic, [record]);
      }
      session ??= connectedProducer(options);
      const current = session;
      try {
        await (await current).sendBatch({
          acks: -1,
          compression,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
          })),
        });
        lastError = undefined;
      } catch (error) {
        end(current);
        lastError = `last send failed: ${(error as Error).message}`;
        throw error;
      }
    },
    health: () => (lastError ? { ok: false, detail: lastError } : { ok: true }),
    async close() {
      closed = true;
      const last = session;
      session = undefined;
      await (await last?.catch(() => undefined))?.disconnect();
    },
  };
}

/** A kafkajs consumer of `groupId` with the kit's session and fetch settings. */
function groupConsumer(options: KafkaOptions & { groupId: string }): Consumer {
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  const fetch = { ...DEFAULT_FETCH, ...options.fetch };
  return kafka(options).consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout,
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
    minBytes: fetch.minBytes,
    maxWaitTimeInMs: fetch.maxWaitTimeInMs,
    maxBytesPerPartition: fetch.maxBytesPerPartition,
    maxBytes: fetch.maxBytes,
  });
}

/** How often the consumer supervisor looks for a stall. */
const WATCHDOG_MS = 5_000;
/** How long a rebuild waits for the old consumer to leave before starting the new one anyway. */
const DISCONNECT_TIMEOUT_MS = 10_000;

/**
 * A group consumer that stays alive: kafkajs restarts itself after retriable errors, but after a
 * non-retriable crash (or a fetch loop that went quiet) it consumes nothing while looking
 * connected. This rebuilds it with backoff and reports health honestly in the meantime.
 */
export async function startGroupConsumer(options: KafkaOptions & ConsumerOptions): Promise<GroupConsumer> {
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const commitIntervalMs = options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
  const pending = new PendingOffsets();
  let lastCommit = 0;
  let current: Consumer | undefined;
  let joined = false;
  let closing = false;
  let lastActivity = Date.now();
  let problem: string | undefined = 'not joined to its group yet';
  let rebuilding: Promise<void> | undefined;
  const touch = () => {
    lastActivity = Date.now();
  };
  /** Commits every partition's pending offset in one request; a failed one is kept for the next. */
  const commitPending = async (send: (offsets: PartitionOffset[]) => Promise<void>) => {
    const offsets = pending.take();
    if (offsets.length === 0) return;
    lastCommit = Date.now();
    try {
      await send(offsets);
    } catch (error) {
      pending.restore(offsets);
      throw error;
    }
  };
  // Between batches (a partition gone quiet) nothing else would commit its last slice.
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    const consumer = current;
    if (sweeping || closing || !consumer || pending.size === 0 || Date.now() - lastCommit < commitIntervalMs) return;
    sweeping = commitPending((offsets) => consumer.commitOffsets(offsets))
      .catch((error) =>
        options.logger.debug({ err: error, groupId: options.groupId }, 'offset commit failed; retried with the next'),
      )
      .finally(() => {
        sweeping = undefined;
      });
  };

  const build = async (): Promise<Consumer> => {
    const consumer: Consumer = groupConsumer(options);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // A new generation reads on from the group's committed offsets; what was pending is redelivered.
      pending.clear();
      joined = true;
      problem = undefined;
      touch();
      options.onGroupJoin?.();
    });
    consumer.on(consumer.events.FETCH_START, touch);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      joined = false;
      problem = `consumer crashed: ${payload.error?.message ?? 'unknown error'}`;
      // restart=true: kafkajs rebuilds the consumer itself; otherwise it is dead and we rebuild it.
      if (!payload.restart) void rebuild('crash');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.concurrency,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }) => {
        touch();
        await options.onBatch({
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: batch.highWatermark,
          records: batch.messages.map((m) => incoming(batch.topic, batch.partition, m)),
          heartbeat: async () => {
            touch();
            await heartbeat();
          },
          isActive: () => isRunning() && !isStale(),
          isRevoked: () => isStale(),
          commit: async (offset) => {
            touch();
            // resolveOffset moves kafkajs' fetch position past the batch; a commit alone would not.
            resolveOffset((BigInt(offset) - 1n).toString());
            pending.set(batch.topic, batch.partition, offset);
            if (!closing && Date.now() - lastCommit < commitIntervalMs) return;
            // Not consumer.commitOffsets: it silently does nothing once the consumer is stopping,
            // which would drop the offsets of the batch a SIGTERM lets finish.
            await commitPending((offsets) => commitOffsetsIfNecessary({ topics: byTopic(offsets) }));
          },
        });
      },
    });
    return consumer;
  };

  const rebuild = (reason: 'crash' | 'stalled'): Promise<void> => {
    rebuilding ??= (async () => {
      options.onRestart?.(reason);
      options.logger.error({ reason, groupId: options.groupId }, 'rebuilding the Kafka consumer');
      joined = false;
      // A stalled consumer may never finish its batch, and kafkajs' disconnect waits for it.
      const old = current;
      current = undefined;
      await Promise.race([old?.disconnect().catch(() => undefined), sleep(DISCONNECT_TIMEOUT_MS)]);
      for (let attempt = 1; !closing; attempt++) {
        try {
          touch();
          current = await build();
          return;
        } catch (error) {
          problem = `consumer cannot start: ${(error as Error).message}`;
          await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
        }
      }
    })().finally(() => {
      rebuilding = undefined;
    });
    return rebuilding;
  };

  current = await build();
  // Twice per interval, so a quiet partition's last slice is committed within 1.5 intervals.
  const committer = commitIntervalMs > 0 ? setInterval(sweep, Math.max(10, commitIntervalMs / 2)) : undefined;
  committer?.unref();
  const watchdog = setInterval(
    () => {
      if (!closing && joined && Date.now() - lastActivity > stallTimeoutMs) {
        problem = `no fetch and no progress for ${Math.round((Date.now() - lastActivity) / 1000)} s`;
        void rebuild('stalled');
      }
    },
    Math.min(WATCHDOG_MS, stallTimeoutMs / 2),
  );
  watchdog.unref();

  return {
    health: () => (joined && !problem ? { ok: true } : { ok: false, detail: problem ?? 'not joined' }),
    async close() {
      closing = true;
      clearInterval(watchdog);
      clearInterval(committer);
      joined = false;
      problem = 'stopping';
      await rebuilding;
      await sweeping;
      // While the consumer still runs: batches that finish during the disconnect commit their own.
      const consumer = current;
      await commitPending(async (offsets) => {
        await consumer?.commitOffsets(offsets);
      }).catch((error) =>
        options.logger.warn(
          { err: error, groupId: options.groupId },
          'final offset commit failed; the next member redoes those records',
        ),
      );
      await current?.disconnect();
    },
  };
}

/** Polls metadata until every partition of a new topic has a leader (up to 30 s). */
async function waitForLeaders(admin: Admin, topic: string, partitions: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const led = topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (led >= partitions) return;
    } catch (error) {
      // Metadata of a topic created a moment ago may not have reached this broker yet.
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic}: partitions have no leader after 30 s`);
    await sleep(100);
  }
}

function incoming(topic: string, partition: number, m: KafkaMessage): IncomingRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers: decodeHeaders(m.headers),
    timestamp: m.timestamp,
  };
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
  const client = kafka(options);
  const admin: Admin = client.admin();
  await admin.connect();
  /** For recordTimestamps, connected on first use. */
  let records: Promise<InternalCluster> | undefined;
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
          // Not kafkajs' waitForLeaders: on a broker that just started, its metadata poll can
          // fail with UNKNOWN_TOPIC_OR_PARTITION as an unhandled rejection. We poll ourselves.
          await admin.createTopics({
            waitForLeaders: false,
            topics: [
              {
                topic: action.topic,
                numPartitions: action.partitions,
                replicationFactor: action.replicationFactor,
                configEntries: Object.entries(action.config).map(([name, value]) => ({ name, value })),
              },
            ],
          });
          await waitForLeaders(admin, action.topic, action.partitions);
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
    async groupOffsets(groupId, topics) {
      const existing = new Set(await admin.listTopics());
      const named = topics.filter((t) => existing.has(t));
      const [described, committed] = await Promise.all([
        admin.describeGroups([groupId]),
        // No topics named: every topic the group has offsets for (an empty list asks for all).
        topics.length === 0 || named.length > 0
          ? admin.fetchOffsets({ groupId, topics: topics.length === 0 ? [] : named })
          : Promise.resolve([]),
      ]);
      const offsets = new Map<string, number>();
      for (const t of committed) {
        for (const p of t.partitions)
          if (Number(p.offset) >= 0) offsets.set(`${t.topic}/${p.partition}`, Number(p.offset));
      }
      const measured =
        topics.length > 0
          ? named
          : committed
              .filter((t) => existing.has(t.topic) && t.partitions.some((p) => Number(p.offset) >= 0))
              .map((t) => t.topic);
      const ends = await Promise.all(
        measured.map(async (topic) => ({ topic, ends: await admin.fetchTopicOffsets(topic) })),
      );
      const partitions = ends.flatMap(({ topic, ends: list }) =>
        list
          .map((end) => {
            const done = offsets.get(`${topic}/${end.partition}`);
            return {
              topic,
              partition: end.partition,
              logStart: Number(end.low),
              logEnd: Number(end.high),
              ...(done !== undefined ? { committed: done } : {}),
            };
          })
          .sort((a, b) => a.partition - b.partition),
      );
      return {
        state: described.groups[0]?.state ?? 'Unknown',
        partitions,
        missingTopics: topics.filter((t) => !existing.has(t)),
      };
    },
    async recordTimestamps(positions) {
      if (positions.length === 0) return new Map();
      records ??= connectInternalCluster(client).catch((error: unknown) => {
        records = undefined;
        throw error;
      });
      return firstRecordTimestamps(await records, positions);
    },
    async close() {
      const cluster = await records?.catch(() => undefined);
      await cluster?.disconnect();
      await admin.disconnect();
    },
  };
}

/**
 * The parts of kafkajs' internal Cluster that reading one record at an offset needs. kafkajs has no
 * public call for that: its consumer must join a group first (a rebalance, and a group left behind
 * per read). Its client builds such a Cluster (brokers, metadata, connections, auth) for every
 * admin, producer and consumer; recordTimestamps borrows that factory to send one Fetch per
 * partition leader. kafkajs is frozen at 2.2.4 (no release since 2023), so the internal stays put.
 */
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(node: { nodeId: string }): Promise<{ fetch(request: FetchRequest): Promise<FetchResponse> }>;
}

interface FetchRequest {
  isolationLevel: number;
  maxWaitTime: number;
  minBytes: number;
  maxBytes: number;
  topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
}

interface FetchResponse {
  responses: {
    topicName: string;
    partitions: { partition: number; messages: { offset: string; timestamp: string; isControlRecord?: boolean }[] }[];
  }[];
}

/** kafkajs' READ_COMMITTED, what its consumers read with. */
const READ_COMMITTED = 1;

async function connectInternalCluster(client: KafkaClient): Promise<InternalCluster> {
  const factory = Object.getOwnPropertySymbols(client).find((s) => s.description === 'private:Kafka:createCluster');
  const create = factory ? (client as unknown as Record<symbol, unknown>)[factory] : undefined;
  if (typeof create !== 'function') throw new Error('kafkajs has no cluster factory on its client (internals changed)');
  const cluster = create({ allowAutoTopicCreation: false }) as InternalCluster;
  await cluster.connect();
  return cluster;
}

async function firstRecordTimestamps(
  cluster: InternalCluster,
  positions: readonly RecordPosition[],
): Promise<Map<string, number>> {
  await cluster.addMultipleTargetTopics([...new Set(positions.map((p) => p.topic))]);
  const byLeader = new Map<string, RecordPosition[]>();
  for (const p of positions) {
    for (const nodeId of Object.keys(cluster.findLeaderForPartitions(p.topic, [p.partition]))) {
      byLeader.set(nodeId, [...(byLeader.get(nodeId) ?? []), p]);
    }
  }
  const found = new Map<string, number>();
  await Promise.all(
    [...byLeader].map(async ([nodeId, list]) => {
      let pending = list;
      // A partition whose records retention deleted meanwhile fails the whole Fetch: drop it and ask again.
      while (pending.length > 0) {
        const broker = await cluster.findBroker({ nodeId });
        try {
          const topics = [...new Set(pending.map((p) => p.topic))].map((topic) => ({
            topic,
            partitions: pending
              .filter((p) => p.topic === topic)
              .map((p) => ({ partition: p.partition, fetchOffset: String(p.offset), maxBytes: 64 * 1024 })),
          }));
          // The broker returns at least the first record batch, even when it is larger than maxBytes.
          const { responses } = await broker.fetch({
            isolationLevel: READ_COMMITTED,
            maxWaitTime: 0,
            minBytes: 0,
            maxBytes: 1024 * 1024,
            topics,
          });
          for (const { topicName, partitions } of responses) {
            for (const { partition, messages } of partitions) {
              const wanted = pending.find((p) => p.topic === topicName && p.partition === partition)?.offset ?? 0;
              // A fetch starts at the batch holding the offset: skip earlier records and transaction markers.
              const record = messages.find((m) => !m.isControlRecord && Number(m.offset) >= wanted);
              if (record) found.set(`${topicName}/${partition}`, Number(record.timestamp));
            }
          }
          return;
        } catch (error) {
          const { name, topic, partition } = error as { name?: string; topic?: string; partition?: number };
          if (name !== 'KafkaJSOffsetOutOfRange') throw error;
          pending = pending.filter((p) => !(p.topic === topic && p.partition === partition));
        }
      }
    }),
  );
  return found;
}

// --- Replay: offsets with their metadata, reading offset ranges, fenced offset commits ------------
// The dead-letter replay reads a topic as a consumer group; after producing each chunk it commits
// the group's offsets with metadata carrying its counts, so a restarted replay resumes where the
// last commit left it and the operator reads the counts back.

/** A partition's log start (`low`) and log end (`high`: the offset the next record gets). */
export interface PartitionBounds {
  partition: number;
  low: string;
  high: string;
}

/** A group's committed offset on one partition ('-1' when it has none) and the metadata committed with it. */
export interface CommittedOffset {
  partition: number;
  offset: string;
  metadata: string | null;
}

/** Read-only offset queries: a topic's bounds, offsets by time, a group's commits with metadata. */
export interface OffsetReader {
  /** Every partition of the topic, in partition order; empty when the topic does not exist. */
  bounds(topic: string): Promise<PartitionBounds[]>;
  /** Per partition: the first offset whose record timestamp is at or after `timestampMs` (the log end when none is). */
  offsetsAtTime(topic: string, timestampMs: number): Promise<Map<number, string>>;
  /** The group's commits on every partition of the topic, in partition order. */
  committed(groupId: string, topic: string): Promise<CommittedOffset[]>;
  close(): Promise<void>;
}

export async function openOffsetReader(options: KafkaOptions): Promise<OffsetReader> {
  const admin: Admin = kafka(options).admin();
  await admin.connect();
  const byPartition = (a: { partition: number }, b: { partition: number }) => a.partition - b.partition;
  return {
    async bounds(topic) {
      if (!(await admin.listTopics()).includes(topic)) return [];
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map(({ partition, low, high }) => ({ partition, low, high })).sort(byPartition);
    },
    async offsetsAtTime(topic, timestampMs) {
      const found = await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs);
      return new Map(found.map(({ partition, offset }) => [partition, offset]));
    },
    async committed(groupId, topic) {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (entry?.partitions ?? [])
        .map(({ partition, offset, metadata }) => ({ partition, offset, metadata: metadata ?? null }))
        .sort(byPartition);
    },
    close: () => admin.disconnect(),
  };
}

/** A group's offsets to commit: the next offset to read per partition, with metadata. */
export interface GroupCommit {
  groupId: string;
  topic: string;
  partitions: { partition: number; offset: string; metadata: string }[];
}

/** Commits a group's offsets with metadata, fenced: one committer per id at a time. */
export interface OffsetCommitter {
  commit(offsets: GroupCommit): Promise<void>;
  close(): Promise<void>;
}

/**
 * Commits offsets through Kafka transactions that hold nothing but the offsets: the only way to
 * commit them with metadata whether or not the committer is a member of the group, and fenced:
 * connecting with a transactional id fences any older committer that has it (a replay pod presumed
 * dead but still running), so its late commits fail instead of moving the group back. The records
 * themselves are produced outside the transaction: transaction markers on data topics would stay
 * behind the last record as a lag of one for consumers that commit only past records (kafkajs').
 */
export async function openOffsetCommitter(
  options: KafkaOptions & { transactionalId: string },
): Promise<OffsetCommitter> {
  const producer: Producer = kafka(options).producer({
    transactionalId: options.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const attempt = async (offsets: GroupCommit) => {
    const transaction = await producer.transaction();
    try {
      // kafkajs' types omit the metadata, but its TxnOffsetCommit request sends it per partition.
      await transaction.sendOffsets({
        consumerGroupId: offsets.groupId,
        topics: [{ topic: offsets.topic, partitions: offsets.partitions }],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  };
  return {
    async commit(offsets) {
      // kafkajs gives up on a TxnOffsetCommit answered NOT_COORDINATOR (it looks for another error
      // name), which a group coordinator that is still loading answers: try the transaction again.
      for (let tries = 1; ; tries++) {
        try {
          await attempt(offsets);
          return;
        } catch (error) {
          if (!(error as { retriable?: boolean }).retriable || tries >= COMMIT_TRIES) throw error;
          await new Promise((r) => setTimeout(r, 200 * 2 ** tries));
        }
      }
    },
    close: () => producer.disconnect(),
  };
}

/** Attempts of one offset commit that fails with a retriable error. */
const COMMIT_TRIES = 5;

/** One partition to read: from the group's committed offset `from` up to `to` (exclusive). */
export interface OffsetRange {
  partition: number;
  from: string;
  to: string;
}

export interface RangeBatch {
  partition: number;
  /** Records in offset order, all inside the partition's range. */
  records: IncomingRecord[];
  /** Keeps the group membership alive while a batch takes long (rate limiting). */
  heartbeat(): Promise<void>;
}

export interface RangeReadOptions {
  groupId: string;
  topic: string;
  ranges: OffsetRange[];
  /** Handles a batch and commits its progress (e.g. in a transaction). Returning false ends the read. */
  onBatch(batch: RangeBatch): Promise<boolean>;
}

/**
 * Reads `ranges` of `topic` as the only member of `groupId` and resolves once every partition
 * reached the end of its range or `onBatch` returned false; rejects with the first error. Reading
 * starts at the group's committed offsets (a consumer group always does), so the caller commits
 * each `from` beforehand; a reader started again after a crash resumes at the last commit. Records
 * at or past a range's end are never handed out, and the partition is paused there.
 */
export async function readRanges(options: KafkaOptions & RangeReadOptions): Promise<void> {
  const ends = new Map(options.ranges.map((r) => [r.partition, BigInt(r.to)]));
  const positions = new Map(options.ranges.map((r) => [r.partition, BigInt(r.from)]));
  const unfinished = () => [...ends].filter(([p, end]) => (positions.get(p) ?? end) < end);
  if (unfinished().length === 0) return;

  const consumer: Consumer = groupConsumer(options);
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  /** Moves a partition's position past `lastOffset`; pauses it at its end; resolves when all are there. */
  const advance = (partition: number, lastOffset: string) => {
    const end = ends.get(partition);
    if (end === undefined) return;
    const next = BigInt(lastOffset) + 1n;
    positions.set(partition, next < end ? next : end);
    if (next >= end) consumer.pause([{ topic: options.topic, partitions: [partition] }]);
    if (unfinished().length === 0) settle?.resolve();
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) settle?.reject(payload.error);
  });
  // A batch of transaction markers (or aborted records) only never reaches eachBatch; kafkajs
  // still reports how far it got, so a range ending in markers is finished too.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === options.topic && payload.batchSize === 0) advance(payload.partition, payload.lastOffset);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
        const end = ends.get(batch.partition);
        const position = positions.get(batch.partition);
        // A partition added after the ranges were planned is not part of this read.
        if (end === undefined || position === undefined || position >= end) return;
        const records = batch.messages
          .filter((m) => BigInt(m.offset) >= position && BigInt(m.offset) < end)
          .map((m) => incoming(batch.topic, batch.partition, m));
        try {
          if (records.length > 0 && !(await options.onBatch({ partition: batch.partition, records, heartbeat }))) {
            settle?.resolve();
            return;
          }
        } catch (error) {
          settle?.reject(error);
          return;
        }
        // lastOffset counts transaction markers at the batch's end, which messages leave out.
        resolveOffset(batch.lastOffset());
        advance(batch.partition, batch.lastOffset());
      },
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
}

const ACL_RESOURCE_TYPES = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
} as const;
const ACL_OPERATIONS: Record<KafkaOperation, AclOperation> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Alter: AclOperationTypes.ALTER,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};

/** One kafkajs ALLOW entry per operation of each Strimzi-shaped ACL, from any host. */
function aclEntries(principal: string, acls: readonly KafkaAcl[]): AclEntry[] {
  return acls.flatMap(({ resource, operations }) =>
    operations.map((operation) => ({
      resourceType: ACL_RESOURCE_TYPES[resource.type],
      // The cluster resource has one name in Kafka; Strimzi leaves it out.
      resourceName: resource.type === 'cluster' ? 'kafka-cluster' : (resource.name ?? ''),
      resourcePatternType:
        resource.patternType === 'prefix' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal,
      host: '*',
      operation: ACL_OPERATIONS[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

const aclKey = (a: AclEntry) =>
  [a.resourceType, a.resourcePatternType, a.resourceName, a.host, a.operation, a.permissionType].join('\u0000');

/**
 * Makes `principal`'s ACLs exactly `acls` (as Strimzi's User Operator does for a KafkaUser): the
 * missing ones are created, any other ACL of the principal is deleted, so a permission dropped from
 * a definition is also gone from the broker. Needs a client allowed to Alter the cluster (a super user).
 */
export async function applyPrincipalAcls(
  options: KafkaOptions,
  principal: string,
  acls: readonly KafkaAcl[],
): Promise<{ created: number; deleted: number }> {
  const wanted = new Map(aclEntries(principal, acls).map((entry) => [aclKey(entry), entry]));
  const admin: Admin = kafka(options).admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const present = resources.flatMap(({ acls: entries, ...resource }) =>
      entries.map((acl): AclEntry => ({ ...resource, ...acl })),
    );
    const presentKeys = new Set(present.map(aclKey));
    const create = [...wanted].filter(([key]) => !presentKeys.has(key)).map(([, entry]) => entry);
    const remove = present.filter((entry) => !wanted.has(aclKey(entry)));
    if (create.length > 0) await admin.createAcls({ acl: create });
    if (remove.length > 0) await admin.deleteAcls({ filters: remove });
    return { created: create.length, deleted: remove.length };
  } finally {
    await admin.disconnect();
  }
}
