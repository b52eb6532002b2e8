// The broker's own perf tools (the ceiling) beside the kit's raw producer and consumer runner, in
// the same run as the saga phases: the same measurements as `npm run bench` (local/src/bench/),
// on topics of their own, so a saga figure can be read against what the machine's Kafka does.
import { randomUUID } from 'node:crypto';
import { createLogger, EventCodec, migrate, openDb, openTopicAdmin } from '@ecom/kit';
import { repoPath } from '../../repo.js';
import { type BrokerFigures, measureBroker } from '../broker.js';
import { measureProducer, recordBytes, sampleEvents, startPipeline } from '../kit.js';

export interface RawFigures {
  records: number;
  eventBytes: number;
  broker: BrokerFigures;
  kitProducer: { recordsPerSec: number; ratioOfBrokerProducer: number };
  kitConsumerRunner: { eventsPerSec: number; ratioOfBrokerConsumer: number };
}

export async function measureRaw(env: {
  kafkaBrokers: string;
  databaseUrl: string;
  records: number;
  step(text: string): void;
}): Promise<RawFigures> {
  // kafkajs' start-up warnings (partitioner, idempotent retries) would interleave with the progress lines.
  const logger = createLogger('bench-saga', 'error');
  const kafka = { brokers: env.kafkaBrokers.split(','), clientId: 'bench-saga-raw', logger };
  const codec = new EventCodec();
  const run = randomUUID().slice(0, 8);
  const topics = {
    broker: `bench.saga-${run}.broker`,
    producer: `bench.saga-${run}.producer`,
    runner: `bench.saga-${run}.runner`,
  };
  const admin = await openTopicAdmin(kafka);
  // A schema of its own: the kit's inbox table, dropped afterwards.
  const schema = 'bench_saga_raw';
  const db = await openDb({ schema, poolSize: 10, url: env.databaseUrl }, logger);
  try {
    for (const topic of Object.values(topics)) {
      await admin.apply({ type: 'create', topic, partitions: 6, replicationFactor: 1, config: {} });
    }
    await migrate(db, { schema, sources: [{ name: 'kit', dir: repoPath('services/kit/migrations') }] });
    const ctx = { kafka, db, logger, codec };
    const events = sampleEvents(codec, env.records, topics.producer);
    const eventBytes = Math.round(events.reduce((n, r) => n + recordBytes(r), 0) / events.length);

    env.step(`raw: broker perf tools, ${env.records} records of ${eventBytes} bytes`);
    const broker = measureBroker(env.kafkaBrokers, topics.broker, env.records, eventBytes);
    env.step('raw: kit producer (batches of 500)');
    const producer = await measureProducer(ctx, events, 500);
    env.step('raw: kit consumer runner (inbox + one transaction per batch)');
    await measureProducer(ctx, sampleEvents(codec, env.records, topics.runner), 500);
    const started = performance.now();
    const runner = await startPipeline(ctx, topics.runner);
    await runner.reached(env.records);
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    return {
      records: env.records,
      eventBytes,
      broker,
      kitProducer: {
        recordsPerSec: producer.recordsPerSec,
        ratioOfBrokerProducer: producer.recordsPerSec / broker.producer.recordsPerSec,
      },
      kitConsumerRunner: {
        eventsPerSec: env.records / seconds,
        ratioOfBrokerConsumer: env.records / seconds / broker.consumer.recordsPerSec,
      },
    };
  } finally {
    for (const topic of Object.values(topics)) await admin.deleteTopic(topic).catch(() => {});
    await admin.close();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
  }
}
