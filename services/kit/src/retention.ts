import type { Logger } from 'pino';
import type { Db } from './db/types.js';
import type { KitMetrics } from './metrics.js';

export interface RetentionOptions {
  db: Db;
  metrics: KitMetrics;
  logger: Logger;
  inboxRetentionMs: number;
  idempotencyKeyRetentionMs: number;
  intervalMs: number;
}

/** Rows removed per statement: short transactions, so the purge never blocks the consumers. */
const PURGE_BATCH = 5_000;

const PURGES = [
  { table: 'inbox', column: 'processed_at', retention: 'inboxRetentionMs' },
  { table: 'dead_letters', column: 'dead_lettered_at', retention: 'inboxRetentionMs' },
  { table: 'idempotency_keys', column: 'created_at', retention: 'idempotencyKeyRetentionMs' },
] as const;

/** Deletes expired rows of one table, a batch at a time; returns how many went. */
export async function purgeExpired(db: Db, purge: (typeof PURGES)[number], retentionMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM ${purge.table} WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ${purge.table} WHERE ${purge.column} < now() - make_interval(secs => $1::double precision) LIMIT $2))`,
      [retentionMs / 1000, PURGE_BATCH],
    );
    total += rowCount;
    if (rowCount < PURGE_BATCH) return total;
  }
}

/**
 * Keeps the kit's bookkeeping tables bounded: consumed ce_ids and dead-lettered positions older
 * than the inbox retention, and Idempotency-Key responses older than theirs. Runs on a period in
 * every replica; concurrent purges just delete disjoint or already-deleted rows.
 */
export class RetentionPurge {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().finally(() => {
        this.running = undefined;
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async runOnce(): Promise<void> {
    const { db, metrics, logger } = this.options;
    for (const purge of PURGES) {
      try {
        const removed = await purgeExpired(db, purge, this.options[purge.retention]);
        if (removed > 0) {
          metrics.purged.inc({ table: purge.table }, removed);
          logger.info({ table: purge.table, removed }, 'expired rows purged');
        }
      } catch (error) {
        logger.warn({ err: error, table: purge.table }, 'retention purge failed; next period retries');
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
