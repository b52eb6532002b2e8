import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Queryable, SessionDb } from '../db/types.js';
import { type Faults, noFaults } from '../faults/faults.js';
import type { RecordProducer } from '../kafka/client.js';
import { KickLoop } from '../kick-loop.js';
import type { KitMetrics } from '../metrics.js';
import { detached, failSpan, startSendSpan } from '../telemetry/spans.js';
import { RelayLeadership } from './leadership.js';
import { deleteOutbox, type OutboxRow, outboxBacklog, readOutbox } from './store.js';

export interface RelayOptions {
  db: SessionDb;
  producer: RecordProducer;
  metrics: KitMetrics;
  logger: Logger;
  /** Fault points for reliability tests; none by default. */
  faults?: Faults;
  /** Period of the sweep that publishes whatever an earlier kick did not (a crash, a failed send). */
  sweepMs: number;
  batchSize?: number;
}

/**
 * Publishes outbox rows. A commit kicks it right away; a periodic sweep catches leftovers. Both go
 * through one loop that reads rows in id order and sends them, each statement on its own (no
 * transaction is open while Kafka is called), on the connection that holds the schema's relay lock
 * (RelayLeadership): only one relay per schema publishes at a time, so per-key order holds across
 * replicas. A row is deleted only after Kafka acknowledged it, by the next read (one round trip per
 * batch, not two; at the latest the next sweep's) or at shutdown: a crash in between publishes it
 * again (consumers' inboxes drop the duplicate), never loses it.
 */
export class OutboxRelay {
  private readonly loop: KickLoop;
  private readonly batchSize: number;
  private readonly leadership: RelayLeadership;
  /** The last run emptied the outbox: the backlog gauge is 0 without counting rows. */
  private drained = false;
  /** Rows Kafka acknowledged, deleted by the next read (or at shutdown). */
  private published: string[] = [];

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.leadership = new RelayLeadership(options.db, options.logger);
    this.loop = new KickLoop(
      // A kick comes from inside a request or a handler; the run belongs to none of their traces.
      () => detached(() => this.drain()),
      options.sweepMs,
      (error) => options.logger.error({ err: error }, 'outbox publish failed; will retry on the next sweep'),
      () => void this.updateBacklogMetrics(),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Asks for a publish run; kicks during a run fold into one more run after it. */
  kick(): void {
    this.loop.kick();
  }

  /** Publishes everything committed so far; for shutdown and tests. */
  flush(): Promise<void> {
    return this.loop.flush();
  }

  /** Stops the sweep and publishes what is left (the shutdown flush). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.drain().catch((error) => this.options.logger.warn({ err: error }, 'outbox flush at shutdown failed'));
    // Any connection will do: deleting published rows needs no lock, and a failure only republishes them.
    await deleteOutbox(this.options.db, this.published).catch((error) =>
      this.options.logger.warn({ err: error }, 'could not delete published outbox rows at shutdown'),
    );
    await this.leadership.release().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    this.drained = false;
    const leader = await this.leadership.acquire();
    if (!leader) return;
    try {
      // The rows stay in the outbox on failure; the next kick or sweep retries them.
      while ((await this.publishBatch(leader)) === this.batchSize) {}
      this.drained = true;
    } catch (error) {
      // The connection may be the cause; a fresh one competes for the lock on the next run.
      await this.leadership.release().catch(() => undefined);
      throw error;
    }
  }

  /** One batch: read, send, delete; returns how many rows it published. */
  private async publishBatch(leader: Queryable): Promise<number> {
    const { producer, metrics, faults = noFaults } = this.options;
    const rows = await readOutbox(leader, this.batchSize, this.published);
    this.published = [];
    if (rows.length === 0) return 0;
    const spans = sendSpans(rows);
    try {
      await producer.send(rows);
    } catch (error) {
      for (const span of spans) failSpan(span, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
    faults.at('after-publish-before-outbox-delete');
    this.published = rows.map((r) => r.id);
    for (const row of rows) metrics.produced.inc({ topic: row.topic });
    return rows.length;
  }

  private async updateBacklogMetrics(): Promise<void> {
    if (this.drained) {
      this.options.metrics.outboxBacklog.set(0);
      this.options.metrics.outboxAge.set(0);
      return;
    }
    try {
      const backlog = await outboxBacklog(this.options.db, this.published);
      this.options.metrics.outboxBacklog.set(backlog.rows);
      this.options.metrics.outboxAge.set(backlog.oldestAgeSeconds);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not read the outbox backlog');
    }
  }
}

/** One `send` span per topic of the batch, each linking to its records' creation contexts. */
function sendSpans(rows: OutboxRow[]): Span[] {
  const byTopic = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const group = byTopic.get(row.topic);
    if (group) group.push(row);
    else byTopic.set(row.topic, [row]);
  }
  return [...byTopic].map(([topic, group]) => startSendSpan(topic, group));
}
