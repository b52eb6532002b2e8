// `npm start`, after local/start.sh brought up Kafka and PostgreSQL and built the code: applies the
// topics, then runs every service with prefixed logs until Ctrl-C.
import { parseArgs } from 'node:util';
import { createLogger } from '@ecom/kit';
import { discoverServices, serviceProcesses } from '../services.js';
import { Supervisor } from '../supervisor.js';
import { applyRepoTopics, describePlan } from '../topics.js';

const usage = `Usage: npm start [-- --only order,payment]

Runs the platform on this machine: applies k8s/topics to the local Kafka broker, then starts every
service as its own process with prefixed logs, restarting any that crashes. Ctrl-C stops them all.
Environment: KAFKA_BROKERS (set by local/start.sh), DATABASE_URL (unset: embedded PGlite per service).`;

const { values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const kafkaBrokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
console.log(`applying k8s/topics to ${kafkaBrokers}`);
const plans = await applyRepoTopics({ brokers: kafkaBrokers.split(','), logger: createLogger('topics', 'warn') });
for (const plan of plans) console.log(`  ${describePlan(plan)}`);

const only = values.only?.split(',');
const names = discoverServices().filter((n) => !only || only.includes(n));
if (names.length === 0) {
  console.error('no built services found under services/*/dist/main.js: run `npm run build` first');
  process.exit(1);
}
console.log(`starting ${names.join(', ')} (Ctrl-C stops everything)`);
const supervisor = new Supervisor(serviceProcesses(names, { kafkaBrokers, databaseUrl: process.env.DATABASE_URL }), {
  write: (line) => process.stdout.write(`${line}\n`),
});
supervisor.start();

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ${names.join(', ')}`);
    supervisor.stop().then(() => process.exit(0));
  });
}
