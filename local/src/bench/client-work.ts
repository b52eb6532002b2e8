// Child process of the client comparison (clients.ts): one client does the same work, in a process
// of its own so its CPU time is its own. Produces `records` events of our size in batches of `batch`
// (idempotent, acks=all, one batch in flight), then reads them back as a new consumer group member.
// Prints one JSON line.
//   node local/dist/bench/client-work.js <kafkajs|platformatic> <brokers> <topic> <records> <compression> [batch]
import { randomUUID } from 'node:crypto';
import { type Compression, createLogger, EventCodec, openProducer, startGroupConsumer } from '@ecom/kit';
import { brokerPid, cpuMeter, per1k } from './cpu.js';
import { sampleEvents } from './kit.js';

const [client = 'kafkajs', brokerList = '127.0.0.1:19092', topic = '', count = '10000', codec = 'none', batch = '500'] =
  process.argv.slice(2);
const BATCH = Number(batch);
const brokers = brokerList.split(',');
const records = Number(count);
const compression = codec as Compression;
const events = sampleEvents(new EventCodec(), records, topic);
const logger = createLogger('bench-clients', 'warn');
const kafka = { brokers, clientId: `bench-${client}`, logger, compression };
/** When the first and the latest record arrived: the consume rate leaves the group join and the close out (their CPU stays in). */
let firstAt: number | undefined;
let lastAt = 0;
const arrived = () => {
  lastAt = performance.now();
  firstAt ??= lastAt;
};

async function kafkajsProduce(): Promise<void> {
  const producer = await openProducer(kafka);
  for (let i = 0; i < events.length; i += BATCH) await producer.send(events.slice(i, i + BATCH));
  await producer.close();
}

async function kafkajsConsume(groupId: string): Promise<void> {
  let seen = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await startGroupConsumer({
    ...kafka,
    groupId,
    topics: [topic],
    concurrency: 6,
    onBatch: async (batch) => {
      if (batch.records.length > 0) arrived();
      let bytes = 0;
      for (const r of batch.records) bytes += (r.value?.length ?? 0) + (r.headers.ce_type?.length ?? 0);
      if (bytes === 0 && batch.records.length > 0) throw new Error('read no bytes');
      const last = batch.records.at(-1);
      if (last) await batch.commit((BigInt(last.offset) + 1n).toString());
      seen += batch.records.length;
      arrived();
      if (seen >= records) done();
    },
  });
  await all;
  await consumer.close();
}

const side =
  client === 'platformatic'
    ? await import('./platformatic.js').then((p) => ({
        produce: () => p.platformaticProduce(brokers, events, BATCH, compression),
        consume: (groupId: string) => p.platformaticConsume(brokers, topic, groupId, records, arrived),
      }))
    : { produce: kafkajsProduce, consume: kafkajsConsume };

const broker = brokerPid();
const producing = cpuMeter(broker);
await side.produce();
const produced = producing();
const consuming = cpuMeter(broker);
await side.consume(`bench-${client}-${randomUUID()}`);
const consumed = consuming();

const figures = (spent: typeof produced, wallMs = spent.wallMs) => ({
  recordsPerSec: Math.round(records / (wallMs / 1000)),
  cpuMsPer1k: per1k(spent.selfMs, records),
  brokerCpuMsPer1k: per1k(spent.brokerMs, records),
});
console.log(
  JSON.stringify({
    client,
    node: process.version,
    compression,
    records,
    batch: BATCH,
    produce: figures(produced),
    consume: figures(consumed, firstAt === undefined || lastAt <= firstAt ? consumed.wallMs : lastAt - firstAt),
  }),
);
process.exit(0);
