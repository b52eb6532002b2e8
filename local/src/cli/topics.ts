import { parseArgs } from 'node:util';
import { createLogger } from '@ecom/kit';
import { applyRepoTopics, describePlan } from '../topics.js';

const usage = `Usage: npm run topics -- [--brokers host:port,...] [--dir k8s/topics]

Creates or updates the Kafka topics declared as EventTopic resources in --dir (default k8s/topics):
creates missing topics, grows partitions, corrects config drift, and reports changes Kafka cannot
make (a partition decrease, a replication-factor change) with exit code 1. Replication is capped at
the broker count. Brokers default to $KAFKA_BROKERS, else 127.0.0.1:19092.`;

try {
  const { values } = parseArgs({
    options: { brokers: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(usage);
  } else {
    const brokers = (values.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
    const plans = await applyRepoTopics({
      brokers,
      logger: createLogger('topics', 'warn'),
      ...(values.dir ? { dir: values.dir } : {}),
    });
    for (const plan of plans) console.log(`  ${describePlan(plan)}`);
    if (plans.some((p) => p.refusals.length > 0)) process.exitCode = 1;
  }
} catch (error) {
  console.error(`topics: ${(error as Error).message}\n\n${usage}`);
  process.exitCode = 1;
}
