import { setTimeout as sleep } from 'node:timers/promises';
import type { EventPayloads, EventType } from '@ecom/schemas';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/types.js';
import { type EventCodec, EventDecodeError } from '../events/codec.js';
import { causedBy, type Event, type EventContext } from '../events/event.js';
import { claimEvents } from '../inbox.js';
import { type FetchedBatch, type GroupConsumer, type KafkaOptions, startGroupConsumer } from '../kafka/client.js';
import type { IncomingRecord, OutgoingRecord } from '../kafka/records.js';
import type { KitMetrics } from '../metrics.js';
import type { OutboxRelay } from '../outbox/relay.js';
import { insertOutbox } from '../outbox/store.js';
import { PendingEvents } from '../outbox/writer.js';
import { deadLetter, retryDelayMs } from './dead-letter.js';

export interface HandlerContext {
  /** The transaction the inbox entry and the outbox rows are written in: write state through it. */
  tx: Queryable;
  /** Emits an event in this transaction; by default caused by the event being handled. */
  emit<T extends EventType>(type: T, data: EventPayloads[T], context?: EventContext): Event<T>;
  /** Adds an already-encoded record to the outbox in this transaction, to any topic (forwarding, replay). */
  forward(record: OutgoingRecord): void;
  /**
   * Runs `effect` once this transaction committed. A batch rolled back and redone record by record
   * runs its handlers twice; effects outside the database (metrics) belong here so they count once.
   */
  onCommit(effect: () => void): void;
  log: Logger;
}

export type Handlers = { [T in EventType]?: (event: Event<T>, ctx: HandlerContext) => Promise<void> };

/**
 * Runs first in a batch's transaction with the batch's new (not yet processed) events, before any
 * handler: the place to take every row lock the batch will need in one canonical order, so two
 * batches (two partitions, two topics) can never lock in opposite orders and deadlock.
 */
export type BeforeBatch = (events: Event[], tx: Queryable) => Promise<void>;

export interface ConsumerOptions {
  service: string;
  groupId: string;
  topics: string[];
  handlers: Handlers;
  beforeBatch?: BeforeBatch;
  kafka: KafkaOptions;
  db: Db;
  codec: EventCodec;
  relay: OutboxRelay;
  metrics: KitMetrics;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  /** Partitions processed at once, each batch on its own connection. */
  concurrency?: number;
}

export interface RunningConsumer {
  /** True once the consumer joined its group; part of /readyz. */
  joined(): boolean;
  close(): Promise<void>;
}

/** A fetched record, decoded: an event for a handler, one no handler wants, or one that cannot be read. */
type Item =
  | { kind: 'event'; record: IncomingRecord; event: Event }
  | { kind: 'ignored'; record: IncomingRecord }
  | { kind: 'undecodable'; record: IncomingRecord; error: EventDecodeError };

/** Marks an error thrown by a handler, as opposed to one of the runner's own I/O. */
class HandlerError extends Error {
  constructor(
    readonly item: Item,
    override readonly cause: unknown,
  ) {
    super(`handler failed for ${item.record.topic}/${item.record.partition}@${item.record.offset}`);
  }
}

/**
 * Runs handlers for a consumer group with effectively-once state changes: every handled event's
 * ce_id goes into the inbox in the transaction of the handler's writes and emitted events, and the
 * offset is committed only after that transaction. A fetched batch is one transaction; if a handler
 * fails, the batch is rolled back and redone record by record, the failing one retried with
 * exponential backoff and then dead-lettered, so the partition moves on. Undecodable or
 * schema-invalid records go straight to the dead-letter topic.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { groupId, metrics } = options;
  let joined = false;
  const consumer: GroupConsumer = await startGroupConsumer({
    ...options.kafka,
    groupId,
    topics: options.topics,
    concurrency: options.concurrency ?? 3,
    onGroupJoin: () => {
      joined = true;
      metrics.rebalances.inc({ group: groupId });
    },
    onBatch: (batch) => processBatch(batch, options),
  });
  return {
    joined: () => joined,
    async close() {
      joined = false;
      await consumer.close();
    },
  };
}

async function processBatch(batch: FetchedBatch, options: ConsumerOptions): Promise<void> {
  const last = batch.records.at(-1);
  if (!last) return;
  const labels = { topic: batch.topic, group: options.groupId };
  const stopTimer = options.metrics.processing.startTimer(labels);
  const items = batch.records.map((record) => decode(record, options));

  try {
    await runInOneTransaction(items, options);
  } catch (error) {
    if (!(error instanceof HandlerError)) throw error;
    const failed = error.item;
    options.logger.warn(
      { err: error.cause, ...logFields(failed) },
      'handler failed; redoing the batch record by record',
    );
    countRetry(failed, options);
    for (const item of items) {
      if (!batch.isActive()) return;
      // The failing record already used its first attempt in the batch transaction.
      await runWithRetries(item, options, item === failed ? 2 : 1);
      await batch.heartbeat();
    }
  }

  options.relay.kick();
  if (!batch.isActive()) return;
  const next = (BigInt(last.offset) + 1n).toString();
  await batch.commit(next);
  options.metrics.consumed.inc(labels, items.length);
  options.metrics.lag.set(
    { ...labels, partition: String(batch.partition) },
    Number(BigInt(batch.highWatermark) - BigInt(next)),
  );
  stopTimer();
}

function decode(record: IncomingRecord, options: ConsumerOptions): Item {
  try {
    const event = options.codec.decode(record);
    return options.handlers[event.type] ? { kind: 'event', record, event } : { kind: 'ignored', record };
  } catch (error) {
    if (error instanceof EventDecodeError) return { kind: 'undecodable', record, error };
    throw error;
  }
}

async function runInOneTransaction(items: Item[], options: ConsumerOptions): Promise<void> {
  const events = items.filter((i) => i.kind === 'event');
  const pending = new PendingEvents(options.service, options.codec);
  let handled = 0;
  await options.db.transaction(async (tx) => {
    const fresh = await claimEvents(
      tx,
      items[0]?.record.topic ?? '',
      events.map((i) => i.event.id),
    );
    const freshEvents = events.filter((i) => fresh.has(i.event.id)).map((i) => i.event);
    if (options.beforeBatch && freshEvents.length > 0) await options.beforeBatch(freshEvents, tx);
    for (const item of items) {
      if (item.kind === 'undecodable') pending.add(undecodableLetter(item, options.groupId));
      // delete: a ce_id twice in one batch is a redelivery, handled once.
      if (item.kind === 'event' && fresh.delete(item.event.id)) {
        await handle(item, tx, pending, options);
        handled++;
      }
    }
    await insertOutbox(tx, pending.records);
  });
  pending.committed();
  const topic = items[0]?.record.topic ?? '';
  if (events.length > handled) {
    options.metrics.duplicates.inc({ topic, group: options.groupId }, events.length - handled);
  }
  for (const item of items) {
    if (item.kind !== 'undecodable') continue;
    options.metrics.deadLettered.inc({ topic, group: options.groupId, error_class: item.error.errorClass });
    options.logger.error({ reason: item.error.message, ...logFields(item) }, 'undecodable record dead-lettered');
  }
}

async function runWithRetries(item: Item, options: ConsumerOptions, firstAttempt: number): Promise<void> {
  for (let attempt = firstAttempt; ; attempt++) {
    if (attempt > 1) await sleep(retryDelayMs(attempt - 1, options.retryBaseMs));
    try {
      await runInOneTransaction([item], options);
      return;
    } catch (error) {
      if (!(error instanceof HandlerError)) throw error;
      if (attempt >= options.maxAttempts) {
        options.metrics.failed.inc({ topic: item.record.topic, group: options.groupId });
        await sendToDeadLetters(item, error.cause, attempt, options);
        return;
      }
      countRetry(item, options);
      options.logger.warn({ err: error.cause, attempt, ...logFields(item) }, 'handler failed; retrying');
    }
  }
}

function countRetry(item: Item, options: ConsumerOptions): void {
  const labels = { topic: item.record.topic, group: options.groupId };
  options.metrics.failed.inc(labels);
  options.metrics.retried.inc(labels);
}

async function handle(
  item: Extract<Item, { kind: 'event' }>,
  tx: Queryable,
  pending: PendingEvents,
  options: ConsumerOptions,
): Promise<void> {
  const handler = options.handlers[item.event.type] as (event: Event, ctx: HandlerContext) => Promise<void>;
  const context = causedBy(item.event);
  try {
    await handler(item.event, {
      tx,
      emit: (type, data, ctx = context) => pending.emit(type, data, ctx),
      forward: (record) => pending.add(record),
      onCommit: pending.onCommit,
      log: options.logger.child(logFields(item)),
    });
  } catch (error) {
    throw new HandlerError(item, error);
  }
}

/**
 * The dead letter is written through the outbox, so it is published even if the process dies now.
 * Its ce_id stays out of the inbox: a replay of it must be processed.
 */
async function sendToDeadLetters(item: Item, cause: unknown, attempts: number, options: ConsumerOptions) {
  const error = cause instanceof Error ? cause : new Error(String(cause));
  const letter = deadLetter(item.record, {
    group: options.groupId,
    errorClass: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    attempts,
    failedAt: new Date(),
  });
  await options.db.transaction((tx) => insertOutbox(tx, [letter]));
  options.metrics.deadLettered.inc({ topic: item.record.topic, group: options.groupId, error_class: error.name });
  options.logger.error({ err: error, attempts, ...logFields(item) }, 'dead-lettered after the last attempt');
}

function undecodableLetter(item: Extract<Item, { kind: 'undecodable' }>, group: string) {
  return deadLetter(item.record, {
    group,
    errorClass: item.error.errorClass,
    message: item.error.message,
    attempts: 1,
    failedAt: new Date(),
  });
}

function logFields(item: Item): Record<string, unknown> {
  const { record } = item;
  const fields: Record<string, unknown> = { topic: record.topic, partition: record.partition, offset: record.offset };
  if (item.kind === 'event') {
    fields.ce_id = item.event.id;
    fields.ce_type = item.event.type;
    fields.correlationId = item.event.correlationId;
    fields.traceparent = item.event.traceparent;
  }
  return fields;
}
