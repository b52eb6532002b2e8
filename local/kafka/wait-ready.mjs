// Waits until a Kafka broker answers a metadata request (kafkajs admin describeCluster()).
// Usage: node local/kafka/wait-ready.mjs [--brokers 127.0.0.1:19092] [--timeout 90] [--pid 1234]
// Exits 0 when the broker answers, 1 on timeout or when the broker process (--pid) has died.
import { Kafka, logLevel } from 'kafkajs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const brokers = arg('brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:19092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const timeoutS = Number(arg('timeout', '90'));
const pid = arg('pid', undefined);
const started = Date.now();
const deadline = started + timeoutS * 1000;
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);

function alive(p) {
  try {
    process.kill(Number(p), 0);
    return true;
  } catch {
    return false;
  }
}

const kafka = new Kafka({
  clientId: 'ecom-wait-ready',
  brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  requestTimeout: 3000,
  retry: { retries: 0 },
});

process.stdout.write(`kafka: waiting for the broker at ${brokers.join(',')} to answer (up to ${timeoutS}s) `);
let lastError = '';
let attempt = 0;
for (;;) {
  attempt++;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect().catch(() => {});
    if (cluster.brokers.length > 0) {
      process.stdout.write(
        `\nkafka: broker answered after ${elapsed()} s: cluster ${cluster.clusterId}, ` +
          `controller ${cluster.controller}, brokers ${cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',')}\n`,
      );
      process.exit(0);
    }
    lastError = 'metadata lists no broker yet';
  } catch (err) {
    lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await admin.disconnect().catch(() => {});
  }
  if (pid !== undefined && !alive(pid)) {
    process.stdout.write(`\nkafka: the broker process ${pid} exited after ${elapsed()} s (last error: ${lastError})\n`);
    process.exit(1);
  }
  if (Date.now() >= deadline) {
    process.stdout.write(`\nkafka: no answer after ${elapsed()} s, ${attempt} attempts (last error: ${lastError})\n`);
    process.exit(1);
  }
  process.stdout.write(attempt % 10 === 0 ? `${elapsed()}s ` : '.');
  await new Promise((r) => setTimeout(r, 500));
}
