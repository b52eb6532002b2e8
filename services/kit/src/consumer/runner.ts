import { setTimeout as sleep } from 'node:timers/promises';
import { type EventPayloads, type EventType, isEventType } from '@ecom/schemas';
import type { Logger } from 'pino';
import { isTransientError, jitteredBackoffMs } from '../db/transient.js';
import type { Db, Queryable } from '../db/types.js';
import type { EffectRunner, Schedule } from '../effects/runner.js';
import { type EventCodec, EventDecodeError } from '../events/codec.js';
import { causedBy, type Event, type EventContext } from '../events/event.js';
import { type Faults, InjectedFault, noFaults } from '../faults/faults.js';
import { claimEvents } from '../inbox.js';
import {
  type FetchedBatch,
  type GroupConsumer,
  type Health,
  type KafkaOptions,
  startGroupConsumer,
} from '../kafka/client.js';
import type { IncomingRecord, OutgoingRecord } from '../kafka/records.js';
import type { KitMetrics } from '../metrics.js';
import type { OutboxRelay } from '../outbox/relay.js';
import { insertOutbox } from '../outbox/store.js';
import { PendingEvents } from '../outbox/writer.js';
import { failSpan, inSpan, orderIdOf, startCreateSpan, startProcessSpan, traceparentOf } from '../telemetry/spans.js';
import { deadLetter, retryDelayMs } from './dead-letter.js';
import { claimDeadLetters } from './dead-letter-store.js';
import { TurnGatherer } from './gather.js';

export interface HandlerContext {
  /** The transaction the inbox entry and the outbox rows are written in: write state through it. */
  tx: Queryable;
  /** Emits an event in this transaction; by default caused by the event being handled. */
  emit<T extends EventType>(type: T, data: EventPayloads[T], context?: EventContext): Event<T>;
  /** Adds an already-encoded record to the outbox in this transaction, to any topic (forwarding, replay). */
  forward(record: OutgoingRecord): void;
  /**
   * Records an external side effect (a gateway call, a webhook) to perform after this transaction
   * commits, outside it, with `key` as its idempotency key; its outcome is recorded by the
   * service's effect handler in a transaction of its own. False when the key was scheduled before.
   */
  schedule: Schedule;
  /**
   * Runs `effect` once this transaction committed. A batch rolled back and redone record by record
   * runs its handlers twice; effects outside the database (metrics) belong here so they count once.
   */
  onCommit(effect: () => void): void;
  log: Logger;
}

export type Handlers = { [T in EventType]?: (event: Event<T>, ctx: HandlerContext) => Promise<void> };

/** What a batch handler is given: the slice's transaction, and emitting with an explicit cause. */
export interface BatchContext {
  tx: Queryable;
  emit<T extends EventType>(type: T, data: EventPayloads[T], context: EventContext): Event<T>;
  /**
   * The context of an event caused by `event` (one of the slice's): its correlation, and its
   * record's `process` span as the parent, as a per-event handler's emits get by default.
   */
  causeOf(event: Event): EventContext;
  onCommit(effect: () => void): void;
  log: Logger;
}

/**
 * Handles every new event of `types` in a slice with one call, so a service can write a whole
 * batch with one statement per table (multi-row upserts) instead of a few statements per event.
 * Only for handlers whose result does not depend on the order of events within the slice (merges);
 * a failure redoes the slice one event per call, so a single bad event is retried and dead-lettered
 * on its own.
 */
export interface BatchHandler {
  types: readonly EventType[];
  handle(events: Event[], ctx: BatchContext): Promise<void>;
}

/**
 * Runs first in a batch's transaction with the batch's new (not yet processed) events, before any
 * handler: the place to take every row lock the batch will need in one canonical order, so two
 * batches (two partitions, two topics) can never lock in opposite orders and deadlock.
 */
export type BeforeBatch = (events: Event[], tx: Queryable) => Promise<void>;

/**
 * Runs last in a batch's transaction, after every handler, with the events they handled: the place
 * for bookkeeping every event needs alike, done for the whole slice in one statement.
 */
export type AfterBatch = (events: Event[], tx: Queryable) => Promise<void>;

export interface ConsumerOptions {
  service: string;
  groupId: string;
  topics: string[];
  /** Per event, or for the whole slice at once (a BatchHandler). */
  handlers: Handlers | BatchHandler;
  beforeBatch?: BeforeBatch;
  afterBatch?: AfterBatch;
  kafka: KafkaOptions;
  db: Db;
  codec: EventCodec;
  relay: OutboxRelay;
  /** Where `ctx.schedule` records effects; a service without effect handlers has none. */
  effects?: EffectRunner;
  metrics: KitMetrics;
  logger: Logger;
  faults?: Faults;
  maxAttempts: number;
  retryBaseMs: number;
  /**
   * Partitions processed at once. The slices of one fetch that start together share one
   * transaction (at most maxBatchRecords); one that is redone alone has its own connection.
   */
  concurrency?: number;
  /** Most records in one transaction; a larger fetched batch is processed (and committed) in slices. */
  maxBatchRecords?: number;
}

export interface RunningConsumer {
  /** Joined its group and fetching (or busy processing); part of /readyz. */
  health(): Health;
  /** Finishes and commits the slice in progress, then leaves the group. */
  close(): Promise<void>;
}

/** A fetched record, decoded: an event for a handler, one no handler wants, or one that cannot be read. */
type Item =
  | { kind: 'event'; record: IncomingRecord; event: Event }
  | { kind: 'ignored'; record: IncomingRecord }
  | { kind: 'undecodable'; record: IncomingRecord; error: EventDecodeError };

type EventItem = Extract<Item, { kind: 'event' }>;

/** A slice of one partition's fetched batch, as it waits to be processed together with others. */
interface Slice {
  items: Item[];
  batch: FetchedBatch;
}

/**
 * Marks an error thrown by a handler, as opposed to one of the runner's own I/O. `item` is the
 * event it failed on; a batch handler's failure names none.
 */
class HandlerError extends Error {
  constructor(
    readonly item: Item | undefined,
    override readonly cause: unknown,
  ) {
    const where = item ? `${item.record.topic}/${item.record.partition}@${item.record.offset}` : 'a batch';
    super(`handler failed for ${where}`, { cause });
  }
}

function isBatchHandler(handlers: Handlers | BatchHandler): handlers is BatchHandler {
  return typeof (handlers as BatchHandler).handle === 'function' && Array.isArray((handlers as BatchHandler).types);
}

/** The event types the consumer handles: decode() skips a record of any other known type by its ce_type header, unread. */
function handledTypes(handlers: Handlers | BatchHandler): ReadonlySet<string> {
  return new Set(isBatchHandler(handlers) ? handlers.types : Object.keys(handlers));
}

/** Work that may succeed if simply run again: it is retried without limit and never dead-lettered. */
function isRetriable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof InjectedFault) return true;
  return isTransientError(error);
}

function errorCode(error: unknown): string {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (e instanceof InjectedFault) return 'injected';
  }
  return 'unknown';
}

const MAX_TRANSIENT_DELAY_MS = 5_000;
const DEFAULT_MAX_BATCH_RECORDS = 200;

/**
 * Runs handlers for a consumer group with effectively-once state changes: every handled event's
 * ce_id goes into the inbox in the transaction of the handler's writes and emitted events, and the
 * offset is committed only after that transaction. A fetched batch is processed in slices of at
 * most maxBatchRecords, committed one by one; the slices of different partitions that start in the
 * same turn (one fetch's batches) are first tried in one transaction together (up to
 * maxBatchRecords), and any failure of that transaction redoes each slice on its own, as below.
 * - A transient database error (deadlock, lost connection, shutdown) redoes the slice after a
 *   jittered backoff, as long as it lasts, heartbeating meanwhile; it never counts as an attempt.
 * - A handler error rolls the slice back and redoes it record by record, the failing record retried
 *   with exponential backoff and then dead-lettered, so the partition moves on.
 * - Undecodable or schema-invalid records go straight to the dead-letter topic.
 * - A dead letter is sent once per record position, even if a crash hits before the offset commit.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { groupId, metrics } = options;
  const handled = handledTypes(options.handlers);
  const together = new TurnGatherer<Slice, boolean>(
    options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
    (slice) => slice.items.length,
    (slices) => processTogether(slices, options),
  );
  const consumer: GroupConsumer = await startGroupConsumer({
    ...options.kafka,
    groupId,
    topics: options.topics,
    concurrency: options.concurrency ?? 3,
    onGroupJoin: () => metrics.rebalances.inc({ group: groupId }),
    onRestart: (reason) => metrics.consumerRestarts.inc({ group: groupId, reason }),
    onBatch: (batch) => processBatch(batch, handled, together, options),
  });
  return { health: () => consumer.health(), close: () => consumer.close() };
}

async function processBatch(
  batch: FetchedBatch,
  handled: ReadonlySet<string>,
  together: TurnGatherer<Slice, boolean>,
  options: ConsumerOptions,
): Promise<void> {
  const faults = options.faults ?? noFaults;
  const size = options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
  const labels = { topic: batch.topic, group: options.groupId };
  for (let start = 0; start < batch.records.length; start += size) {
    if (batch.isRevoked()) return;
    const records = batch.records.slice(start, start + size);
    const last = records.at(-1);
    if (!last) return;
    const stopTimer = options.metrics.processing.startTimer(labels);
    const items = records.map((record) => decode(record, handled, options));
    // A slice with nothing to handle or dead-letter (types this group ignores) needs no transaction.
    const work = items.some((i) => i.kind !== 'ignored');
    if (work && !(await processSlice({ items, batch }, together, options))) return;
    faults.at('after-db-commit-before-offset-commit');
    // A partition revoked meanwhile belongs to another member now, which redoes the slice; its
    // inbox drops what this one committed. Stopping is not revoking: the slice is committed.
    if (batch.isRevoked()) return;
    const next = (BigInt(last.offset) + 1n).toString();
    await batch.commit(next);
    options.metrics.consumed.inc(labels, items.length);
    options.metrics.lag.set(
      { ...labels, partition: String(batch.partition) },
      Number(BigInt(batch.highWatermark) - BigInt(next)),
    );
    stopTimer();
    if (!batch.isActive()) return;
    await batch.heartbeat();
  }
}

/**
 * Processes a slice, together with the other partitions' slices of this turn when that works, else
 * on its own; false if the batch stopped being ours meanwhile. A slice with a record to
 * dead-letter as undecodable is never gathered: its dead-letter positions are claimed per partition.
 */
async function processSlice(slice: Slice, together: TurnGatherer<Slice, boolean>, options: ConsumerOptions) {
  const gatherable = slice.items.every((i) => i.kind !== 'undecodable');
  if (gatherable && (await together.join(slice))) return true;
  return whileTransient(slice.batch, options, () => processItems(slice.items, slice.batch, options));
}

/**
 * One transaction for the slices of several partitions; false (each is then redone on its own, so
 * a failing handler is retried and dead-lettered within its partition, a transient error waited
 * out per slice) when it fails, or when there is only one slice: that one takes the usual path.
 */
async function processTogether(slices: Slice[], options: ConsumerOptions): Promise<boolean> {
  if (slices.length < 2) return false;
  try {
    await runInOneTransaction(
      slices.flatMap((s) => s.items),
      options,
    );
  } catch (error) {
    options.logger.debug({ err: error, slices: slices.length }, 'gathered slices failed together; redoing each alone');
    return false;
  }
  return true;
}

/**
 * Runs `work` until it succeeds or fails for a non-transient reason; false if the batch stopped
 * being ours (revoked, or the consumer stopping) while waiting. Heartbeats while it waits.
 */
async function whileTransient(batch: FetchedBatch, options: ConsumerOptions, work: () => Promise<void>) {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return true;
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (!batch.isActive()) return false;
      const delayMs = jitteredBackoffMs(attempt, Math.max(50, options.retryBaseMs), MAX_TRANSIENT_DELAY_MS);
      const code = errorCode(error);
      options.metrics.transientRetries.inc({ topic: batch.topic, group: options.groupId, code });
      options.logger.warn(
        { err: error, code, attempt, delayMs, topic: batch.topic, partition: batch.partition },
        'transient error; redoing the batch after a pause',
      );
      await pauseWithHeartbeat(batch, delayMs);
    }
  }
}

async function pauseWithHeartbeat(batch: FetchedBatch, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    await sleep(Math.min(left, 1_000));
    await batch.heartbeat().catch(() => undefined);
  }
}

async function processItems(items: Item[], batch: FetchedBatch, options: ConsumerOptions): Promise<void> {
  try {
    await runInOneTransaction(items, options);
    return;
  } catch (error) {
    if (!(error instanceof HandlerError) || isRetriable(error.cause)) throw error;
    const failed = error.item;
    options.logger.warn(
      { err: error.cause, ...(failed ? logFields(failed) : {}) },
      'handler failed; redoing the batch record by record',
    );
    if (failed) countRetry(failed, options);
    for (const item of items) {
      if (item.kind === 'ignored') continue;
      if (batch.isRevoked()) return;
      // The failing record already used its first attempt in the batch transaction.
      await runWithRetries(item, options, item === failed ? 2 : 1);
      await batch.heartbeat();
    }
  }
}

function decode(record: IncomingRecord, handled: ReadonlySet<string>, options: ConsumerOptions): Item {
  // A known type this group does not handle is skipped unread; an unknown one is decoded, so it
  // fails as UnknownEventType and is dead-lettered.
  const type = record.headers.ce_type;
  if (type !== undefined && isEventType(type) && !handled.has(type)) return { kind: 'ignored', record };
  try {
    const event = options.codec.decode(record);
    return handled.has(event.type) ? { kind: 'event', record, event } : { kind: 'ignored', record };
  } catch (error) {
    if (error instanceof EventDecodeError) return { kind: 'undecodable', record, error };
    throw error;
  }
}

/** Items of one or more slices (of any partitions and topics), in one transaction. */
async function runInOneTransaction(items: Item[], options: ConsumerOptions): Promise<void> {
  const faults = options.faults ?? noFaults;
  const events = items.filter((i): i is EventItem => i.kind === 'event');
  const undecodable = items.filter((i) => i.kind === 'undecodable');
  const pending = new PendingEvents(options.service, options.codec);
  let duplicates: EventItem[] = [];
  let lettered: typeof undecodable = [];
  await options.db.transaction(async (tx) => {
    const fresh = await claimEvents(
      tx,
      events.map((i) => ({ id: i.event.id, topic: i.record.topic })),
    );
    // delete: a ce_id twice in one batch is a redelivery, handled once.
    const toHandle = events.filter((item) => fresh.delete(item.event.id));
    const chosen = new Set(toHandle);
    duplicates = events.filter((item) => !chosen.has(item));
    if (options.beforeBatch && toHandle.length > 0) {
      await options.beforeBatch(
        toHandle.map((i) => i.event),
        tx,
      );
    }
    if (undecodable.length > 0) {
      const claimed = await claimDeadLetters(
        tx,
        undecodable.map((i) => i.record),
      );
      lettered = undecodable.filter((i) => claimed.has(i.record.offset));
      for (const item of lettered) {
        const letter = undecodableLetter(item, options.groupId);
        traceDeadLetter(item, letter.topic, options.groupId, item.error);
        pending.add(letter);
      }
    }
    if (isBatchHandler(options.handlers)) {
      await handleBatch(options.handlers, toHandle, tx, pending, options);
    } else {
      for (const [index, item] of toHandle.entries()) {
        if (index > 0) faults.at('handler-mid-batch');
        await handle(options.handlers, item, tx, pending, options);
      }
    }
    if (options.afterBatch && toHandle.length > 0) {
      await options.afterBatch(
        toHandle.map((i) => i.event),
        tx,
      );
    }
    await insertOutbox(tx, pending.records);
  });
  pending.committed();
  if (pending.records.length > 0) {
    faults.at(lettered.length > 0 ? 'dlq-write-before-offset-commit' : 'after-db-commit-before-publish');
    options.relay.kick();
  }
  for (const item of duplicates) options.metrics.duplicates.inc({ topic: item.record.topic, group: options.groupId });
  for (const item of lettered) {
    const { topic } = item.record;
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
      // Transient errors go up to the slice's own loop, which waits them out without counting.
      if (!(error instanceof HandlerError) || isRetriable(error.cause)) throw error;
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
  handlers: Handlers,
  item: EventItem,
  tx: Queryable,
  pending: PendingEvents,
  options: ConsumerOptions,
): Promise<void> {
  const handler = handlers[item.event.type] as (event: Event, ctx: HandlerContext) => Promise<void>;
  // The handler runs in its `process` span: its queries, log lines and emitted events join it, and
  // effects it schedules carry it as their cause.
  const span = startProcessSpan(options.groupId, processedRecord(item));
  const cause = causedBy(item.event);
  const context = { ...cause, traceparent: traceparentOf(span) ?? cause.traceparent };
  const schedule: Schedule = options.effects
    ? options.effects.scheduler(tx, context, pending.onCommit)
    : () => Promise.reject(new Error(`${options.service} has no effect handlers; ctx.schedule cannot be used`));
  let log: Logger | undefined;
  try {
    await inSpan(span, () =>
      handler(item.event, {
        tx,
        emit: (type, data, ctx = context) => pending.emit(type, data, ctx),
        forward: (record) => pending.add(record),
        schedule,
        onCommit: pending.onCommit,
        // Built on first use: most events log nothing, and a pino child costs a serialization.
        get log() {
          log ??= options.logger.child(logFields(item));
          return log;
        },
      }),
    );
  } catch (error) {
    throw new HandlerError(item, error);
  }
}

async function handleBatch(
  handler: BatchHandler,
  items: EventItem[],
  tx: Queryable,
  pending: PendingEvents,
  options: ConsumerOptions,
): Promise<void> {
  if (items.length === 0) return;
  // One call handles them all: each record still gets its own `process` span, none of them active
  // (events the handler emits name their cause explicitly, causeOf making them its span's children).
  const spans = items.map((item) => startProcessSpan(options.groupId, processedRecord(item)));
  const spanOf = new Map(items.map((item, i) => [item.event.id, spans[i]]));
  const causeOf = (event: Event): EventContext => {
    const cause = causedBy(event);
    const span = spanOf.get(event.id);
    return { ...cause, traceparent: (span && traceparentOf(span)) ?? cause.traceparent };
  };
  try {
    await handler.handle(
      items.map((i) => i.event),
      { tx, emit: pending.emit, causeOf, onCommit: pending.onCommit, log: options.logger },
    );
  } catch (error) {
    for (const span of spans) failSpan(span, error);
    throw new HandlerError(items.length === 1 ? items[0] : undefined, error);
  } finally {
    for (const span of spans) span.end();
  }
}

/**
 * The dead letter is written through the outbox, so it is published even if the process dies now,
 * together with the record's position in dead_letters, so a redelivery (a crash before the offset
 * commit) does not send it twice. Its ce_id stays out of the inbox: a replay of it must be processed.
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
  const sent = await options.db.transaction(async (tx) => {
    const claimed = await claimDeadLetters(tx, [item.record]);
    if (claimed.size === 0) return false;
    await insertOutbox(tx, [letter]);
    return true;
  });
  if (!sent) {
    options.logger.warn(logFields(item), 'record was dead-lettered before (redelivered after a crash); not sent again');
    return;
  }
  traceDeadLetter(item, letter.topic, options.groupId, error);
  (options.faults ?? noFaults).at('dlq-write-before-offset-commit');
  options.relay.kick();
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

function processedRecord(item: Item) {
  const { record } = item;
  const event = item.kind === 'event' ? item.event : undefined;
  const orderId = event ? orderIdOf(event.data, event.correlationId) : record.headers.ce_correlationid;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString('utf8') ?? null,
    traceparent: record.headers.traceparent,
    ...(event ? { eventId: event.id, eventType: event.type } : {}),
    ...(orderId ? { orderId } : {}),
  };
}

/**
 * The failure and the dead letter's writing, in the record's trace: a failed `process` span and the
 * dead letter's `create` span under it. The dead letter keeps the record's traceparent header, so
 * a replay continues the same trace.
 */
function traceDeadLetter(item: Item, topic: string, group: string, error: Error): void {
  const record = processedRecord(item);
  const processing = startProcessSpan(group, record);
  failSpan(processing, error);
  const { orderId } = record;
  const letter = startCreateSpan(topic, traceparentOf(processing) ?? item.record.headers.traceparent, {
    'ecom.dead_letter.error_class': error.name,
    ...(orderId ? { 'ecom.order_id': orderId } : {}),
  });
  letter.end();
  processing.end();
}
