import { type FaultPoint, type FaultRule, parseFaults } from '../faults/faults.js';
import { authSettings } from '../http/auth/settings.js';
import {
  COMPRESSIONS,
  type Compression,
  DEFAULT_COMMIT_INTERVAL_MS,
  DEFAULT_COMPRESSION,
  DEFAULT_FETCH,
  type FetchTuning,
} from '../kafka/tuning.js';
import { kafkaSecuritySettings } from './kafka-security.js';
import { int, list, oneOf, optional, type Setting, str } from './parse.js';

const HOUR_MS = 3_600_000;

/** Settings every service shares; a service adds its own with `{ ...baseSettings(3001), ...mine }`. */
export function baseSettings(defaultPort: number) {
  return {
    host: str('HOST', 'Address the HTTP server binds to', '0.0.0.0'),
    port: int('PORT', 'HTTP port (0 picks a free one)', defaultPort, { min: 0, max: 65535 }),
    opsPort: optionalPort(
      'OPS_PORT',
      'Port of /healthz, /readyz and /metrics when they must stay off the API port (the chart sets it, so its Service exposes only the API); unset: served on PORT',
    ),
    logLevel: oneOf(
      'LOG_LEVEL',
      'pino log level',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    kafkaBrokers: list('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', ['127.0.0.1:19092']),
    kafkaSessionTimeoutMs: int(
      'KAFKA_SESSION_TIMEOUT_MS',
      'How long a consumer group waits for a crashed member before giving its partitions to the others',
      30_000,
      { min: 6_000, max: 300_000 },
    ),
    kafkaCompression: oneOf(
      'KAFKA_COMPRESSION',
      "Codec of the record batches this service produces; the kit's consumers read every codec whatever it is, a plain kafkajs consumer elsewhere only gzip and none (loading @ecom/kit registers the others with kafkajs). lz4 costs the least CPU per record here (services/kit/src/kafka/README.md), gzip the most",
      COMPRESSIONS,
      DEFAULT_COMPRESSION,
    ),
    kafkaFetchMinBytes: int(
      'KAFKA_FETCH_MIN_BYTES',
      'A fetch returns once this many bytes are there (or KAFKA_FETCH_MAX_WAIT_MS passed); above 1 a lone event waits up to the max wait, so raise it only where latency does not matter',
      DEFAULT_FETCH.minBytes,
      { min: 1 },
    ),
    kafkaFetchMaxWaitMs: int(
      'KAFKA_FETCH_MAX_WAIT_MS',
      'Longest the broker holds a fetch that has less than KAFKA_FETCH_MIN_BYTES: with 1 it delays no record, and sets how often an idle consumer asks again and how long a heartbeat or commit may queue behind a fetch',
      DEFAULT_FETCH.maxWaitTimeInMs,
      { min: 10, max: 10_000 },
    ),
    kafkaFetchMaxBytesPerPartition: int(
      'KAFKA_FETCH_MAX_BYTES_PER_PARTITION',
      'Most bytes a fetch returns for one partition: the largest batch a consumer gets at once',
      DEFAULT_FETCH.maxBytesPerPartition,
      { min: 1024 },
    ),
    kafkaFetchMaxBytes: int(
      'KAFKA_FETCH_MAX_BYTES',
      'Most bytes one fetch returns over all partitions',
      DEFAULT_FETCH.maxBytes,
      { min: 1024 },
    ),
    kafkaCommitIntervalMs: int(
      'KAFKA_COMMIT_INTERVAL_MS',
      "How often a consumer commits its offsets, every partition's progress in one request (0: after every batch); a crash or rebalance redelivers what came since, which the inbox drops, and the group's committed offsets (the lag autoscaling reads) trail by up to 1.5 times this",
      DEFAULT_COMMIT_INTERVAL_MS,
      { min: 0, max: 60_000 },
    ),
    ...kafkaSecuritySettings(),
    databaseUrl: optional('DATABASE_URL', 'PostgreSQL URL; unset means embedded PGlite in PGLITE_DIR'),
    pgliteDir: optional('PGLITE_DIR', 'Data folder of the embedded PGlite fallback; unset means in memory'),
    // At least 2: the leading outbox relay keeps one connection for its lock (outbox/leadership.ts),
    // so a pool of 1 would leave every transaction waiting for it.
    dbPoolSize: int('DB_POOL_SIZE', 'PostgreSQL connections per process', 10, { min: 2, max: 100 }),
    ...authSettings(),
    bodyLimit: int('HTTP_BODY_LIMIT', 'Largest accepted request body in bytes', 1_048_576, { min: 1024 }),
    shutdownDeadlineMs: int(
      'SHUTDOWN_DEADLINE_MS',
      'How long SIGTERM may take in all before the process exits anyway',
      15_000,
      {
        min: 100,
      },
    ),
    shutdownDrainDelayMs: int(
      'SHUTDOWN_DRAIN_DELAY_MS',
      'After SIGTERM, how long /readyz answers 503 while requests are still served, so the Service stops routing here first (the chart sets 5000)',
      0,
      { min: 0 },
    ),
    httpCloseTimeoutMs: int(
      'HTTP_CLOSE_TIMEOUT_MS',
      'Shutdown: how long in-flight HTTP requests may take to finish; the consumer, effects and outbox get the rest of the deadline',
      5_000,
      { min: 0 },
    ),
    consumerMaxAttempts: int('CONSUMER_MAX_ATTEMPTS', 'Attempts of a failing handler before dead-lettering', 3, {
      min: 1,
      max: 20,
    }),
    consumerRetryBaseMs: int('CONSUMER_RETRY_BASE_MS', 'First retry delay; doubles with each attempt', 200, { min: 0 }),
    consumerMaxBatchRecords: int(
      'CONSUMER_MAX_BATCH_RECORDS',
      'Most records handled in one transaction; a bigger fetch is processed and committed in slices',
      200,
      { min: 1, max: 10_000 },
    ),
    outboxSweepMs: int('OUTBOX_SWEEP_MS', 'Period of the outbox sweep that publishes leftovers', 1000, { min: 10 }),
    effectLeaseMs: int(
      'EFFECT_LEASE_MS',
      'How long a claimed external call (gateway, webhook) is owned before another runner calls again with the same key',
      30_000,
      { min: 1_000 },
    ),
    inboxRetentionMs: int(
      'INBOX_RETENTION_MS',
      'How long consumed ce_ids (and dead-lettered positions) are remembered; must exceed the longest topic retention (ecom.dlq: 14 d) so a replay is still recognised',
      15 * 24 * HOUR_MS,
      { min: 60_000 },
    ),
    idempotencyPendingTimeoutMs: int(
      'IDEMPOTENCY_PENDING_TIMEOUT_MS',
      'How long an Idempotency-Key stays claimed by a request whose process died before answering; retries get 409 with Retry-After meanwhile. Keep it above the slowest POST',
      60_000,
      { min: 1_000 },
    ),
    idempotencyKeyRetentionMs: int(
      'IDEMPOTENCY_KEY_RETENTION_MS',
      'How long a POST response is kept for Idempotency-Key retries',
      48 * HOUR_MS,
      { min: 60_000 },
    ),
    retentionPurgeIntervalMs: int(
      'RETENTION_PURGE_INTERVAL_MS',
      'Period of the purge of expired inbox, dead-letter and idempotency rows',
      10 * 60_000,
      { min: 1_000 },
    ),
    faults: faultsSetting,
  };
}

/** A port that may be unset (undefined); 0 picks a free one. */
function optionalPort(env: string, description: string): Setting<number | undefined> {
  const port = int(env, description, 0, { min: 0, max: 65535 });
  return {
    ...port,
    defaultText: '(unset)',
    parse: (raw, all) => (raw === undefined ? undefined : port.parse(raw, all)),
  };
}

/** The Kafka client's share of a parsed config, as KafkaOptions takes it. */
export function kafkaTuning(config: {
  kafkaCompression: Compression;
  kafkaFetchMinBytes: number;
  kafkaFetchMaxWaitMs: number;
  kafkaFetchMaxBytesPerPartition: number;
  kafkaFetchMaxBytes: number;
  kafkaCommitIntervalMs: number;
}): { compression: Compression; fetch: FetchTuning; commitIntervalMs: number } {
  return {
    compression: config.kafkaCompression,
    commitIntervalMs: config.kafkaCommitIntervalMs,
    fetch: {
      minBytes: config.kafkaFetchMinBytes,
      maxWaitTimeInMs: config.kafkaFetchMaxWaitMs,
      maxBytesPerPartition: config.kafkaFetchMaxBytesPerPartition,
      maxBytes: config.kafkaFetchMaxBytes,
    },
  };
}

/** Fault injection for reliability tests only (services/kit/src/faults/faults.ts); unset in production. */
const faultsSetting: Setting<Map<FaultPoint, FaultRule>> = {
  env: 'ECOM_FAULTS',
  description:
    'Tests only: fault points to arm, e.g. after-db-commit-before-publish:0.05,after-external-call:0.1:fail (crash = SIGKILL, fail = throw)',
  defaultText: '(unset)',
  parse: (raw) => parseFaults(raw),
};
