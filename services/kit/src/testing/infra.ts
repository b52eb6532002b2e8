// Helpers for integration tests that run against the real local stack (started by the vitest
// global setup, local/src/test-setup.ts). Not part of the runtime: exported under @ecom/kit/testing.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { migrate, openDb } from '../db/index.js';
import type { SessionDb } from '../db/types.js';
import { type KafkaOptions, openTopicAdmin, startGroupConsumer } from '../kafka/client.js';
import type { IncomingRecord } from '../kafka/records.js';
import { createLogger } from '../log.js';

export function testLogger(): Logger {
  return createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
}

export function testKafka(clientId = 'test'): KafkaOptions {
  return {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    clientId,
    logger: testLogger(),
  };
}

export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the integration global setup should have started PostgreSQL');
  return url;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh schema with the kit's tables (outbox, inbox, idempotency keys), on the real server. */
export async function testDb(schema = uniqueName('t').replace('-', '_')): Promise<SessionDb> {
  const db = await openDb({ url: testDatabaseUrl(), schema, poolSize: 5 }, testLogger());
  await migrate(db, {
    schema,
    sources: [{ name: 'kit', dir: fileURLToPath(new URL('../../migrations/', import.meta.url)) }],
  });
  return db;
}

export async function createTestTopic(name: string, partitions = 1): Promise<void> {
  const admin = await openTopicAdmin(testKafka('test-admin'));
  try {
    await admin.apply({ type: 'create', topic: name, partitions, replicationFactor: 1, config: {} });
  } finally {
    await admin.close();
  }
}

/**
 * Reads a topic from the beginning with a throwaway group until `until` accepts what was read, or
 * fails after `timeoutMs` saying how many records it saw. With `idleMs`, it also ends once no
 * record arrived for that long (counted from the start and from each batch).
 */
export async function readTopic(
  topic: string,
  until: (records: IncomingRecord[]) => boolean,
  timeoutMs = 20_000,
  { idleMs }: { idleMs?: number } = {},
): Promise<IncomingRecord[]> {
  const records: IncomingRecord[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  let idle: NodeJS.Timeout | undefined;
  const rearmIdle = () => {
    if (idleMs === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(() => done(), idleMs);
  };
  rearmIdle();
  const consumer = await startGroupConsumer({
    ...testKafka('test-reader'),
    groupId: uniqueName('reader'),
    topics: [topic],
    concurrency: 1,
    onBatch: async (batch) => {
      records.push(...batch.records);
      rearmIdle();
      const last = batch.records.at(-1);
      // Committing also moves the fetch position on, so no batch is read twice.
      if (last) await batch.commit((BigInt(last.offset) + 1n).toString());
      if (until(records)) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`readTopic(${topic}): condition not met after ${timeoutMs} ms; read ${records.length} records`),
          ),
        timeoutMs,
      );
    });
    await Promise.race([finished, timeout]);
    return records;
  } finally {
    clearTimeout(timer);
    clearTimeout(idle);
    await consumer.close();
  }
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The records of one key (and, given `type`, of one ce_type), in topic order. */
export function recordsOfKey(records: IncomingRecord[], key: string, type?: string): IncomingRecord[] {
  return records.filter((r) => r.key?.toString() === key && (!type || r.headers.ce_type === type));
}

/** Reads `topic` until `type` appeared `count` times for `key`; returns all of that key's records. */
export async function readKeyEvents(topic: string, key: string, type: string, count = 1): Promise<IncomingRecord[]> {
  const records = await readTopic(topic, (rs) => recordsOfKey(rs, key, type).length >= count);
  return recordsOfKey(records, key);
}

export function payloadOf<T = Record<string, unknown>>(record: IncomingRecord): T {
  return JSON.parse(record.value?.toString() ?? 'null') as T;
}
