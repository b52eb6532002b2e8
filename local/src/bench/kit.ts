import { randomUUID } from 'node:crypto';
import {
  createEvent,
  createKitMetrics,
  type EventCodec,
  type KafkaOptions,
  OutboxRelay,
  type OutgoingRecord,
  openProducer,
  type SessionDb,
  startConsumer,
  startGroupConsumer,
} from '@ecom/kit';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';

export interface KitBenchContext {
  kafka: KafkaOptions;
  db: SessionDb;
  logger: Logger;
  codec: EventCodec;
}

/** Events shaped like real orders: what the services carry. */
export function sampleEvents(codec: EventCodec, count: number, topic: string): OutgoingRecord[] {
  return Array.from({ length: count }, () => {
    const orderId = randomUUID();
    const event = createEvent(
      'bench',
      'ecom.order.created.v1',
      {
        orderId,
        customerId: `customer-${orderId.slice(0, 6)}`,
        items: [
          { productId: 'sku-1', quantity: 2, price: '19.99' },
          { productId: 'sku-2', quantity: 1, price: '5.00' },
        ],
        totalAmount: '44.98',
        currency: 'USD',
        paymentMethod: 'card',
        status: 'CREATED',
        orderDate: new Date().toISOString(),
      },
      { correlationId: orderId },
    );
    return { ...codec.encode(event), topic };
  });
}

export function recordBytes(record: OutgoingRecord): number {
  const headers = Object.entries(record.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
  return record.value.length + (record.key?.length ?? 0) + headers;
}

/** The kit producer's throughput: batches of `batchSize` through the idempotent, acks=all, gzip producer. */
export async function measureProducer(ctx: KitBenchContext, records: OutgoingRecord[], batchSize: number) {
  const producer = await openProducer(ctx.kafka);
  const started = performance.now();
  for (let i = 0; i < records.length; i += batchSize) await producer.send(records.slice(i, i + batchSize));
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  return { records: records.length, batchSize, seconds, recordsPerSec: records.length / seconds };
}

/**
 * The consumer runner on `topic` with a handler that does nothing but the runner's own work (decode,
 * validate, inbox insert, one transaction and one offset commit per batch). With `forwardTo`, each
 * event is also forwarded through the outbox and read back from `forwardTo`: the pass-through
 * service (consume, DB transaction with inbox and outbox, produce), timed from the event's ce_time.
 */
export async function startPipeline(ctx: KitBenchContext, topic: string, forwardTo?: string) {
  const metrics = createKitMetrics(new Registry());
  const producer = await openProducer(ctx.kafka);
  const relay = new OutboxRelay({ db: ctx.db, producer, metrics, logger: ctx.logger, sweepMs: 1000 });
  relay.start();
  let count = 0;
  const latencies: number[] = [];
  const reader = forwardTo
    ? await startGroupConsumer({
        ...ctx.kafka,
        groupId: `bench-reader-${randomUUID()}`,
        topics: [forwardTo],
        concurrency: 6,
        onBatch: async (batch) => {
          const now = Date.now();
          for (const r of batch.records) latencies.push(now - Number(r.headers.bench_sent_at));
          count += batch.records.length;
          // Committing moves the fetch position on; without it the same batch is read again.
          const last = batch.records.at(-1);
          if (last) await batch.commit((BigInt(last.offset) + 1n).toString());
        },
      })
    : undefined;
  const consumer = await startConsumer({
    service: 'bench',
    groupId: `bench-${randomUUID()}`,
    topics: [topic],
    kafka: ctx.kafka,
    db: ctx.db,
    codec: ctx.codec,
    relay,
    metrics,
    logger: ctx.logger,
    maxAttempts: 3,
    retryBaseMs: 100,
    concurrency: 6,
    handlers: {
      'ecom.order.created.v1': async (event, { forward }) => {
        if (!forwardTo) {
          count++;
          return;
        }
        forward({
          topic: forwardTo,
          key: event.data.orderId,
          value: Buffer.from(JSON.stringify(event.data)),
          headers: { ce_id: `${event.id}-out`, bench_sent_at: String(Date.parse(event.time)) },
        });
      },
    },
  });
  return {
    latencies,
    /** Resolves once `target` events were handled (or, forwarding, arrived on the output topic). */
    async reached(target: number, timeoutMs = 300_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (count < target) {
        if (Date.now() > deadline)
          throw new Error(`pipeline on ${topic}: ${count} of ${target} events after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      await consumer.close();
      await reader?.close();
      await relay.stop();
      await producer.close();
    },
  };
}

/** Produces fresh events at `perSecond` for `seconds`, in 50 ms ticks, so ce_time is the send time. */
export async function produceAtRate(ctx: KitBenchContext, topic: string, perSecond: number, seconds: number) {
  const producer = await openProducer(ctx.kafka);
  const perTick = Math.max(1, Math.round(perSecond / 20));
  const ticks = seconds * 20;
  const started = Date.now();
  for (let tick = 0; tick < ticks; tick++) {
    await producer.send(sampleEvents(ctx.codec, perTick, topic));
    const wait = started + (tick + 1) * 50 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await producer.close();
  return perTick * ticks;
}

export function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? 0 };
}
