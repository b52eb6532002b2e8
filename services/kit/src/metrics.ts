import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';

/** The Kafka and outbox metrics of ARCHITECTURE section 8, registered on one service's registry. */
export function createKitMetrics(registry: Registry) {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    produced: new Counter({
      name: 'kafka_messages_produced_total',
      help: 'Records published',
      labelNames: ['topic'],
      registers,
    }),
    consumed: new Counter({
      name: 'kafka_messages_consumed_total',
      help: 'Records processed and committed',
      labelNames: ['topic', 'group'],
      registers,
    }),
    duplicates: new Counter({
      name: 'kafka_messages_duplicate_total',
      help: 'Records skipped because the inbox had their ce_id',
      labelNames: ['topic', 'group'],
      registers,
    }),
    failed: new Counter({
      name: 'kafka_messages_failed_total',
      help: 'Handler attempts that threw',
      labelNames: ['topic', 'group'],
      registers,
    }),
    retried: new Counter({
      name: 'kafka_messages_retried_total',
      help: 'Handler retries after a failure',
      labelNames: ['topic', 'group'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'kafka_messages_dead_lettered_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['topic', 'group', 'error_class'],
      registers,
    }),
    processing: new Histogram({
      name: 'kafka_batch_processing_seconds',
      help: 'Time to process one fetched batch, from handler start to offset commit',
      labelNames: ['topic', 'group'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lag: new Gauge({
      name: 'kafka_consumer_lag',
      help: 'High watermark minus the next offset to process',
      labelNames: ['topic', 'partition', 'group'],
      registers,
    }),
    rebalances: new Counter({
      name: 'kafka_consumer_rebalances_total',
      help: 'Group joins of this consumer',
      labelNames: ['group'],
      registers,
    }),
    transientRetries: new Counter({
      name: 'kafka_batch_transient_retries_total',
      help: 'Batches redone after a transient database error (deadlock, lost connection, shutdown); never dead-lettered',
      labelNames: ['topic', 'group', 'code'],
      registers,
    }),
    consumerRestarts: new Counter({
      name: 'kafka_consumer_restarts_total',
      help: 'Consumers rebuilt after a crash or a stall',
      labelNames: ['group', 'reason'],
      registers,
    }),
    effectsDone: new Counter({
      name: 'effects_completed_total',
      help: 'External side effects (gateway calls, webhooks) whose outcome was recorded',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    effectFailures: new Counter({
      name: 'effects_call_failures_total',
      help: 'External calls that failed (each is retried with the same idempotency key unless given up)',
      labelNames: ['kind'],
      registers,
    }),
    effectBacklog: new Gauge({ name: 'effects_backlog', help: 'External side effects not performed yet', registers }),
    effectAge: new Gauge({
      name: 'effects_oldest_age_seconds',
      help: 'Age of the oldest external side effect not performed yet',
      registers,
    }),
    purged: new Counter({
      name: 'retention_purged_rows_total',
      help: 'Rows removed by the retention purge',
      labelNames: ['table'],
      registers,
    }),
    outboxBacklog: new Gauge({ name: 'outbox_backlog', help: 'Outbox rows not yet published', registers }),
    outboxAge: new Gauge({
      name: 'outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox row',
      registers,
    }),
  };
}

export type KitMetrics = ReturnType<typeof createKitMetrics>;
