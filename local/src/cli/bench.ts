// `npm run bench`: measures, in one run on this machine, the broker's own perf tools (the ceiling),
// the kit's producer and consumer runner as a ratio of it, a pass-through service (consume, DB
// transaction with inbox and outbox, produce) in events/s with p50/p99 latency, each compression
// codec (rates and CPU per record of the kit and of the broker), an idle consumer's CPU, and
// kafkajs beside @platformatic/kafka on the same work. Writes bench-results/kit-<timestamp>.json and
// bench-results/kit-latest.json. Nothing here is asserted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  COMPRESSIONS,
  type Compression,
  createLogger,
  DEFAULT_COMPRESSION,
  DEFAULT_FETCH,
  EventCodec,
  migrate,
  openDb,
  openTopicAdmin,
} from '@ecom/kit';
import { measureBroker } from '../bench/broker.js';
import { advantage, type ClientFigures, measureClient, medianClient, supportsPlatformatic } from '../bench/clients.js';
import { type CodecFigures, measureCodec, medianFigures, rotations } from '../bench/compression.js';
import { measureIdleConsumer } from '../bench/idle.js';
import { measureProducer, percentiles, produceAtRate, recordBytes, sampleEvents, startPipeline } from '../bench/kit.js';
import { repoPath } from '../repo.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    'latency-rate': { type: 'string', default: '2000' },
    'latency-seconds': { type: 'string', default: '10' },
    compression: { type: 'string', default: DEFAULT_COMPRESSION },
    codecs: { type: 'string', default: COMPRESSIONS.join(',') },
    'idle-seconds': { type: 'string', default: '30' },
    'client-records': { type: 'string' },
    'client-batch': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '1' },
    'fetch-max-wait-ms': { type: 'string', default: String(DEFAULT_FETCH.maxWaitTimeInMs) },
    'fetch-min-bytes': { type: 'string', default: String(DEFAULT_FETCH.minBytes) },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- [--records 100000] [--latency-rate 2000] [--latency-seconds 10]
    [--compression ${DEFAULT_COMPRESSION}] [--codecs ${COMPRESSIONS.join(',')}] [--idle-seconds 30] [--client-records N] [--client-batch 500] [--rounds 1]

--compression   codec of the broker tools, the runner and the latency run (the kit's default: ${DEFAULT_COMPRESSION})
--codecs        codecs measured one by one (kit producer, pass-through); the --compression one always is
--idle-seconds  window of the idle-consumer CPU measurement (0 skips it)
--client-records  records of the kafkajs / @platformatic/kafka comparison (default --records; 0 skips it)
--client-batch  records per produce request in that comparison (the outbox relay sends small ones)
--rounds        codec and client measurements repeated, in rotated order; the results are the medians
--fetch-max-wait-ms, --fetch-min-bytes  the kit consumers' fetch settings (defaults: the kit's)

Needs the local stack (local/bench.sh starts it). Results: bench-results/kit-latest.json.`);
  process.exit(0);
}

function codec(name: string): Compression {
  if (!(COMPRESSIONS as readonly string[]).includes(name)) {
    console.error(`unknown codec ${name}: one of ${COMPRESSIONS.join(', ')}`);
    process.exit(2);
  }
  return name as Compression;
}
const compression = codec(values.compression);
const codecs = [...new Set([compression, ...values.codecs.split(',').filter(Boolean).map(codec)])];
const idleSeconds = Number(values['idle-seconds']);
const clientRecords = Number(values['client-records'] ?? values.records);
const rounds = Math.max(1, Number(values.rounds));
const clientBatch = Number(values['client-batch']);
const records = Number(values.records);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const logger = createLogger('bench', 'warn');
const fetch = {
  ...DEFAULT_FETCH,
  maxWaitTimeInMs: Number(values['fetch-max-wait-ms']),
  minBytes: Number(values['fetch-min-bytes']),
};
const kafka = { brokers: brokers.split(','), clientId: 'bench', logger, compression, fetch };
const eventCodec = new EventCodec();
const run = Date.now().toString(36);
const topic = (name: string) => `bench.${run}.${name}`;
const step = (text: string) => console.log(`==> ${text}`);

const topicNames = [
  ...['broker', 'runner', 'latency-in', 'latency-out', 'idle'],
  ...['warm', ...codecs].flatMap((c) =>
    Array.from({ length: c === 'warm' ? 1 : rounds }, (_, r) =>
      ['producer', 'pass-in', 'pass-out'].map((name) => `${c}.r${r}.${name}`),
    ).flat(),
  ),
  ...Array.from({ length: rounds }, (_, r) => [`clients-kafkajs.r${r}`, `clients-platformatic.r${r}`]).flat(),
];
const admin = await openTopicAdmin(kafka);
for (const name of topicNames) {
  await admin.apply({ type: 'create', topic: topic(name), partitions: 6, replicationFactor: 1, config: {} });
}

const schema = 'bench';
const db = await openDb(
  { schema, poolSize: 10, ...(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {}) },
  logger,
);
await migrate(db, { schema, sources: [{ name: 'kit', dir: repoPath('services/kit/migrations') }] });
const ctx = { kafka, db, logger, codec: eventCodec };

const probe = sampleEvents(eventCodec, 1000, topic('broker'));
const eventBytes = Math.round(probe.reduce((n, r) => n + recordBytes(r), 0) / probe.length);

step(`broker perf tools: ${records} records of ${eventBytes} bytes (acks=all, idempotent, ${compression})`);
const broker = measureBroker(brokers, topic('broker'), records, eventBytes, compression);
console.log(
  `    producer ${broker.producer.recordsPerSec.toFixed(0)} rec/s, consumer ${broker.consumer.recordsPerSec.toFixed(0)} rec/s`,
);

// Unmeasured: the first run of the code paths pays for JIT compilation, which no codec should carry.
step(`warm-up: kit producer and pass-through, ${Math.min(records, 20_000)} events (not measured)`);
await measureCodec(ctx, compression, Math.min(records, 20_000), (name) => topic(`warm.r0.${name}`));

const codecRounds = new Map<Compression, CodecFigures[]>(codecs.map((c) => [c, []]));
for (const [r, order] of rotations(codecs, rounds).entries()) {
  for (const c of order) {
    step(
      `codec ${c}${rounds > 1 ? ` (round ${r + 1}/${rounds})` : ''}: kit producer, ${records} events in batches of 500, then the pass-through service`,
    );
    const figures = await measureCodec(ctx, c, records, (name) => topic(`${c}.r${r}.${name}`));
    codecRounds.get(c)?.push(figures);
    const { producer: p, passThrough: t } = figures;
    console.log(
      `    producer ${p.recordsPerSec} events/s, ${p.cpuMsPer1k} CPU-ms/1k (broker ${p.brokerCpuMsPer1k}), ${p.logBytesPerRecord} B/record on disk`,
    );
    console.log(
      `    pass-through ${t.eventsPerSec} events/s, ${t.cpuMsPer1k} CPU-ms/1k (broker ${t.brokerCpuMsPer1k})`,
    );
  }
}
const byCodec = codecs.map((c) => medianFigures(codecRounds.get(c) ?? []));
const main = byCodec.find((f) => f.compression === compression) as CodecFigures;

step(`kit consumer runner: ${records} events (inbox + one transaction per batch)`);
await measureProducer(ctx, sampleEvents(eventCodec, records, topic('runner')), 500);
const runnerStarted = performance.now();
const runner = await startPipeline(ctx, topic('runner'));
await runner.reached(records);
const runnerSeconds = (performance.now() - runnerStarted) / 1000;
await runner.stop();
console.log(`    ${(records / runnerSeconds).toFixed(0)} events/s (from group join to the last event)`);

const rate = Number(values['latency-rate']);
const seconds = Number(values['latency-seconds']);
step(`pass-through latency: ${rate} events/s for ${seconds} s`);
const latency = await startPipeline(ctx, topic('latency-in'), topic('latency-out'));
const sent = await produceAtRate(ctx, topic('latency-in'), rate, seconds);
await latency.reached(sent);
await latency.stop();
const latencyMs = percentiles(latency.latencies);
console.log(`    p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms`);

let idleConsumer: Awaited<ReturnType<typeof measureIdleConsumer>> | undefined;
if (idleSeconds > 0) {
  step(`idle consumer: a kit consumer on an empty topic, its own process, CPU over ${idleSeconds} s`);
  idleConsumer = await measureIdleConsumer(brokers, topic('idle'), idleSeconds, fetch.maxWaitTimeInMs);
  console.log(
    `    ${idleConsumer.cpuMsPerSecond.toFixed(1)} CPU-ms/s, ${idleConsumer.wakeupsPerSecond.toFixed(0)} wake-ups/s`,
  );
}

let clients:
  | { node: string; kafkajs: ClientFigures; platformatic: ClientFigures; platformaticAdvantage: object }
  | { skipped: string }
  | undefined;
if (clientRecords > 0) {
  const node = supportsPlatformatic(process.version) ? process.execPath : undefined;
  if (!node) {
    clients = {
      skipped: `@platformatic/kafka needs Node >= 22.22 or >= 24.6, this is ${process.version} (npm run bench runs on the pinned one)`,
    };
    console.log(`    ${clients.skipped}`);
  } else {
    step(
      `clients: kafkajs (the kit's) and @platformatic/kafka, ${clientRecords} events each in batches of ${clientBatch}, ${compression}, ${node}`,
    );
    const runs: Record<ClientFigures['client'], ClientFigures[]> = { kafkajs: [], platformatic: [] };
    for (let r = 0; r < rounds; r++) {
      const order: ClientFigures['client'][] = r % 2 ? ['platformatic', 'kafkajs'] : ['kafkajs', 'platformatic'];
      for (const client of order) {
        const run = await measureClient(
          node,
          client,
          brokers,
          topic(`clients-${client}.r${r}`),
          clientRecords,
          compression,
          clientBatch,
        );
        runs[client].push(run);
      }
    }
    const kafkajs = medianClient(runs.kafkajs);
    const platformatic = medianClient(runs.platformatic);
    const platformaticAdvantage = {
      produce: advantage(kafkajs.produce, platformatic.produce),
      consume: advantage(kafkajs.consume, platformatic.consume),
    };
    clients = { node: kafkajs.node, kafkajs, platformatic, platformaticAdvantage };
    for (const c of [kafkajs, platformatic]) {
      console.log(
        `    ${c.client.padEnd(12)} produce ${c.produce.recordsPerSec} rec/s ${c.produce.cpuMsPer1k} CPU-ms/1k, consume ${c.consume.recordsPerSec} rec/s ${c.consume.cpuMsPer1k} CPU-ms/1k`,
      );
    }
  }
}

for (const name of topicNames) await admin.deleteTopic(topic(name));
await admin.close();
await db.query('TRUNCATE inbox');
await db.close();

const result = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  records,
  eventBytes,
  compression,
  rounds,
  fetch,
  broker,
  kitProducer: {
    ...main.producer,
    ratioOfBrokerProducer: main.producer.recordsPerSec / broker.producer.recordsPerSec,
  },
  kitConsumerRunner: {
    eventsPerSec: records / runnerSeconds,
    ratioOfBrokerConsumer: records / runnerSeconds / broker.consumer.recordsPerSec,
  },
  passThrough: {
    ...main.passThrough,
    goalEventsPerSec: 5000,
    latency: { rate, seconds, ...latencyMs },
  },
  codecs: byCodec,
  idleConsumer,
  clients,
};
mkdirSync(repoPath('bench-results'), { recursive: true });
const json = `${JSON.stringify(result, null, 2)}\n`;
writeFileSync(repoPath(`bench-results/kit-${result.measuredAt.replace(/[:.]/g, '-')}.json`), json);
writeFileSync(repoPath('bench-results/kit-latest.json'), json);
console.log(json);
