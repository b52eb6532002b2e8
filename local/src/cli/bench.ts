// `npm run bench`: measures, in one run on this machine, the broker's own perf tools (the ceiling),
// the kit's producer and consumer runner as a ratio of it, and a pass-through service (consume, DB
// transaction with inbox and outbox, produce) in events/s with p50/p99 latency. Writes
// bench-results/kit-<timestamp>.json and bench-results/kit-latest.json. Nothing here is asserted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { createLogger, EventCodec, migrate, openDb, openTopicAdmin } from '@ecom/kit';
import { measureBroker } from '../bench/broker.js';
import { measureProducer, percentiles, produceAtRate, recordBytes, sampleEvents, startPipeline } from '../bench/kit.js';
import { repoPath } from '../repo.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    'latency-rate': { type: 'string', default: '2000' },
    'latency-seconds': { type: 'string', default: '10' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- [--records 100000] [--latency-rate 2000] [--latency-seconds 10]

Needs the local stack (local/bench.sh starts it). Results: bench-results/kit-latest.json.`);
  process.exit(0);
}

const records = Number(values.records);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const logger = createLogger('bench', 'warn');
const kafka = { brokers: brokers.split(','), clientId: 'bench', logger };
const codec = new EventCodec();
const run = Date.now().toString(36);
const topic = (name: string) => `bench.${run}.${name}`;
const step = (text: string) => console.log(`==> ${text}`);

const admin = await openTopicAdmin(kafka);
for (const name of ['broker', 'producer', 'runner', 'pass-in', 'pass-out', 'latency-in', 'latency-out']) {
  await admin.apply({ type: 'create', topic: topic(name), partitions: 6, replicationFactor: 1, config: {} });
}

const schema = 'bench';
const db = await openDb(
  { schema, poolSize: 10, ...(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {}) },
  logger,
);
await migrate(db, { schema, sources: [{ name: 'kit', dir: repoPath('services/kit/migrations') }] });
const ctx = { kafka, db, logger, codec };

const events = sampleEvents(codec, records, topic('producer'));
const eventBytes = Math.round(events.reduce((n, r) => n + recordBytes(r), 0) / events.length);

step(`broker perf tools: ${records} records of ${eventBytes} bytes (acks=all, idempotent, gzip)`);
const broker = measureBroker(brokers, topic('broker'), records, eventBytes);
console.log(
  `    producer ${broker.producer.recordsPerSec.toFixed(0)} rec/s, consumer ${broker.consumer.recordsPerSec.toFixed(0)} rec/s`,
);

step(`kit producer: ${records} events in batches of 500`);
const producer = await measureProducer(ctx, events, 500);
console.log(`    ${producer.recordsPerSec.toFixed(0)} events/s`);

step(`kit consumer runner: ${records} events (inbox + one transaction per batch)`);
await measureProducer(ctx, sampleEvents(codec, records, topic('runner')), 500);
const runnerStarted = performance.now();
const runner = await startPipeline(ctx, topic('runner'));
await runner.reached(records);
const runnerSeconds = (performance.now() - runnerStarted) / 1000;
await runner.stop();
console.log(`    ${(records / runnerSeconds).toFixed(0)} events/s (from group join to the last event)`);

step(`pass-through service: ${records} events already on the input topic`);
await measureProducer(ctx, sampleEvents(codec, records, topic('pass-in')), 500);
const passStarted = performance.now();
const pass = await startPipeline(ctx, topic('pass-in'), topic('pass-out'));
await pass.reached(records);
const passSeconds = (performance.now() - passStarted) / 1000;
await pass.stop();
console.log(`    ${(records / passSeconds).toFixed(0)} events/s`);

const rate = Number(values['latency-rate']);
const seconds = Number(values['latency-seconds']);
step(`pass-through latency: ${rate} events/s for ${seconds} s`);
const latency = await startPipeline(ctx, topic('latency-in'), topic('latency-out'));
const sent = await produceAtRate(ctx, topic('latency-in'), rate, seconds);
await latency.reached(sent);
await latency.stop();
const latencyMs = percentiles(latency.latencies);
console.log(`    p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms`);

for (const name of ['broker', 'producer', 'runner', 'pass-in', 'pass-out', 'latency-in', 'latency-out']) {
  await admin.deleteTopic(topic(name));
}
await admin.close();
await db.query('TRUNCATE inbox');
await db.close();

const result = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  records,
  eventBytes,
  broker,
  kitProducer: { ...producer, ratioOfBrokerProducer: producer.recordsPerSec / broker.producer.recordsPerSec },
  kitConsumerRunner: {
    eventsPerSec: records / runnerSeconds,
    ratioOfBrokerConsumer: records / runnerSeconds / broker.consumer.recordsPerSec,
  },
  passThrough: {
    eventsPerSec: records / passSeconds,
    goalEventsPerSec: 5000,
    latency: { rate, seconds, ...latencyMs },
  },
};
mkdirSync(repoPath('bench-results'), { recursive: true });
const json = `${JSON.stringify(result, null, 2)}\n`;
writeFileSync(repoPath(`bench-results/kit-${result.measuredAt.replace(/[:.]/g, '-')}.json`), json);
writeFileSync(repoPath('bench-results/kit-latest.json'), json);
console.log(json);
