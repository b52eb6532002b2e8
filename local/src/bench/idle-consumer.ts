// Child process of the idle-CPU measurement (idle.ts): a kit group consumer on an empty topic, and
// nothing else in the process, so its CPU time is what an idle consumer costs. Prints one JSON line.
//   node local/dist/bench/idle-consumer.js <brokers> <topic> <seconds> [fetch max wait ms]
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, startGroupConsumer } from '@ecom/kit';

/** Voluntary context switches so far: each wake-up of an idle event loop is one. */
function wakeups(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

const [brokers = '127.0.0.1:19092', topic = '', seconds = '30', maxWait] = process.argv.slice(2);
const logger = createLogger('bench-idle', 'warn');
let joined: () => void = () => {};
const join = new Promise<void>((resolve) => {
  joined = resolve;
});
const consumer = await startGroupConsumer({
  brokers: brokers.split(','),
  clientId: 'bench-idle',
  logger,
  ...(maxWait ? { fetch: { maxWaitTimeInMs: Number(maxWait) } } : {}),
  groupId: `bench-idle-${process.pid}-${Date.now()}`,
  topics: [topic],
  concurrency: 3,
  onGroupJoin: () => joined(),
  onBatch: async () => {},
});
await join;
// Let the first fetches and the offset lookups finish: the window is steady state only.
await sleep(3_000);
const cpu0 = process.cpuUsage();
const wake0 = wakeups();
const started = performance.now();
await sleep(Number(seconds) * 1000);
const elapsedS = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const woke = wakeups() - wake0;
await consumer.close();
console.log(
  JSON.stringify({
    seconds: elapsedS,
    cpuMs: (cpu.user + cpu.system) / 1000,
    cpuMsPerSecond: (cpu.user + cpu.system) / 1000 / elapsedS,
    wakeupsPerSecond: woke / elapsedS,
  }),
);
process.exit(0);
