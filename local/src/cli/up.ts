// `npm start`, after local/start.sh brought up Kafka and PostgreSQL and built the code: applies the
// topics, then runs every service with prefixed logs until Ctrl-C.
import { parseArgs } from 'node:util';
import { createLogger } from '@ecom/kit';
import { localIssuer } from '../auth.js';
import { discoverServices, serviceProcesses } from '../services.js';
import { Supervisor } from '../supervisor.js';
import { applyRepoTopics, describePlan } from '../topics.js';

const usage = `Usage: npm start [-- --only order,payment]

Runs the platform on this machine: applies k8s/topics to the local Kafka broker, then starts every
service as its own process with prefixed logs, restarting any that crashes. Ctrl-C stops them all.
Environment: KAFKA_BROKERS (set by local/start.sh), DATABASE_URL (unset: embedded PGlite per service).
The APIs take bearer tokens of the development issuer in .local/auth (\`npm run -s token -- --role
admin --sub ada\` prints one), unless AUTH_MODE or AUTH_ISSUER in the environment configure another
(the README's settings table).`;

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
// The services inherit this environment: a user's own AUTH_* wins over the development issuer.
const ownAuth = process.env.AUTH_MODE !== undefined || process.env.AUTH_ISSUER !== undefined;
const auth = ownAuth ? {} : (await localIssuer()).env;
if (!ownAuth) console.log('API tokens: npm run -s token -- --role admin --sub ada (development issuer in .local/auth)');
console.log(`starting ${names.join(', ')} (Ctrl-C stops everything)`);
const stack = { kafkaBrokers, databaseUrl: process.env.DATABASE_URL, auth };
const supervisor = new Supervisor(serviceProcesses(names, stack), {
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
