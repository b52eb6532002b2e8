#!/usr/bin/env node
// The replay CLI: `ecom replay ...` in the image, `npm run replay -- ...` from the repository, and
// the container of every DeadLetterReplay Job. It needs no signal handling: a SIGTERM (or SIGKILL)
// at any moment leaves the last commit as the resume point (run.ts).
import { ConfigError, kafkaSecurityFromEnv } from '@ecom/kit/config';
import { parseReplayArgs, USAGE } from './config.js';

const parsed = parseReplayArgs(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (parsed.kind === 'error') {
  process.stderr.write(`ecom replay: ${parsed.message}\n\nRun \`ecom replay --help\` for the flags.\n`);
  process.exit(2);
}

// TLS and SASL from the services' own variables (KAFKA_SECURITY_PROTOCOL & co.), so a replay Job
// mounts the same Secret a service does.
const security = (() => {
  try {
    return kafkaSecurityFromEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`ecom replay: ${error.message}\n`);
    process.exit(2);
  }
})();

// Loaded after the flags are checked, so --help and flag errors need no Kafka client.
const { pino } = await import('pino');
const { ReplayRefused, runReplay } = await import('./run.js');
const { config } = parsed;
// Logs (kafkajs warnings) go to stderr: stdout carries the replay's JSON lines only.
const logger = pino(
  { level: config.logLevel, base: { service: 'replay' }, timestamp: pino.stdTimeFunctions.isoTime },
  pino.destination(2),
);
try {
  // A short session: a restarted replay (a new pod) waits for its dead predecessor to leave the
  // group before it can read; the replay heartbeats at least every second while it paces.
  const kafka = {
    brokers: config.brokers,
    clientId: `ecom-replay-${config.group}`,
    logger,
    sessionTimeoutMs: 10_000,
    security,
  };
  await runReplay(config, kafka, (line) => process.stdout.write(`${JSON.stringify(line)}\n`));
  process.exit(0);
} catch (error) {
  const refused = error instanceof ReplayRefused;
  process.stderr.write(`ecom replay: ${refused ? '' : 'failed: '}${(error as Error).message}\n`);
  process.exit(refused ? 2 : 1);
}
