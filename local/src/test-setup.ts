// Global setup of the vitest `integration` project: brings up the real one-machine infrastructure
// the integration tests run against. Each step is idempotent and reuses what already runs.
//
// Kafka: `bash local/kafka/kafka.sh start` starts (or reuses) the local Kafka broker, or does
// nothing when KAFKA_BROKERS is set. The broker is left running after the tests: the next run (and
// `npm start`) reuse it; `bash local/kafka/kafka.sh stop` stops it. Tests find it at
// KAFKA_BROKERS, else 127.0.0.1:${KAFKA_PORT:-19092} (what `kafka.sh brokers` prints).
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function run(script: string, args: string[]): void {
  try {
    execFileSync('bash', [resolve(repoRoot, script), ...args], { cwd: repoRoot, stdio: 'inherit' });
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new Error(
      `integration setup: \`bash ${script} ${args.join(' ')}\` failed (exit ${status ?? '?'}); its output above says what is missing`,
    );
  }
}

export default function setup(): void {
  run('local/kafka/kafka.sh', ['start']);
}
