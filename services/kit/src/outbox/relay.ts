import type { Logger } from 'pino';
import type { Db } from '../db/types.js';
import { type Faults, noFaults } from '../faults/faults.js';
import type { RecordProducer } from '../kafka/client.js';
import { KickLoop } from '../kick-loop.js';
import type { KitMetrics } from '../metrics.js';
import { deleteOutbox, outboxBacklog, readOutbox } from './store.js';

export interface RelayOptions {
  db: Db;
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
 * through one loop that reads rows in id order under a transaction-scoped advisory lock, so only one
 * relay per schema publishes at a time and per-key order holds across replicas. A row is deleted
 * only after Kafka acknowledged it: a crash in between publishes it again (consumers' inboxes drop
 * the duplicate), never loses it.
 */
export class OutboxRelay {
  private readonly loop: KickLoop;
  private readonly batchSize: number;

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.loop = new KickLoop(
      () => this.drain(),
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
  }

  private async drain(): Promise<void> {
    // The rows stay in the outbox on failure; the next kick or sweep retries them.
    while ((await this.publishBatch()) === this.batchSize) {}
  }

  /** One batch under the relay lock; returns how many rows it published. */
  private publishBatch(): Promise<number> {
    const { db, producer, metrics, faults = noFaults } = this.options;
    return db.transaction(async (tx) => {
      const lock = await tx.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox-relay')) AS locked",
      );
      if (!lock.rows[0]?.locked) return 0;
      const rows = await readOutbox(tx, this.batchSize);
      if (rows.length === 0) return 0;
      await producer.send(rows);
      faults.at('after-publish-before-outbox-delete');
      await deleteOutbox(
        tx,
        rows.map((r) => r.id),
      );
      for (const row of rows) metrics.produced.inc({ topic: row.topic });
      return rows.length;
    });
  }

  private async updateBacklogMetrics(): Promise<void> {
    try {
      const backlog = await outboxBacklog(this.options.db);
      this.options.metrics.outboxBacklog.set(backlog.rows);
      this.options.metrics.outboxAge.set(backlog.oldestAgeSeconds);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not read the outbox backlog');
    }
  }
}
