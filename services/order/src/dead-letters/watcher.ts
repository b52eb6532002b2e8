import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaSecurity, kafkaTuning, type ServiceDeps, startGroupConsumer } from '@ecom/kit';
import { DLQ_TOPIC } from '@ecom/schemas';
import { deadLetterRow } from './record.js';
import { recordDeadLetters } from './store.js';

/**
 * Reads the dead-letter topic in a group of its own and records the dead letters of this
 * service's orders (order_dead_letters), so an order says when its flow is stuck behind one.
 * Not through the kit's event runner: a dead letter carries its original event's headers, and
 * must never be handled as that event (nor dead-lettered again when it cannot be read).
 * Rows are written once per position, so a redelivered batch changes nothing; the offset is
 * committed after the transaction.
 */
export function startDeadLetterWatch(
  deps: ServiceDeps,
  groupId = `${deps.service}-dead-letters`,
): {
  stop(): Promise<void>;
} {
  const log = deps.logger.child({ component: 'dead-letter-watch' });
  let stopping = false;
  const start = async (): Promise<Awaited<ReturnType<typeof startGroupConsumer>> | undefined> => {
    // Kafka may be down at startup: keep trying, as the kit's consumer does after a crash.
    for (let attempt = 1; !stopping; attempt++) {
      try {
        return await startGroupConsumer({
          brokers: deps.config.kafkaBrokers,
          clientId: `${deps.service}-dead-letters`,
          logger: deps.logger,
          sessionTimeoutMs: deps.config.kafkaSessionTimeoutMs,
          ...kafkaTuning(deps.config),
          security: kafkaSecurity(deps.config),
          groupId,
          topics: [DLQ_TOPIC],
          concurrency: 1,
          onBatch: async (batch) => {
            const last = batch.records.at(-1);
            if (!last) return;
            const rows = batch.records.map(deadLetterRow);
            const added = await deps.db.transaction((tx) => recordDeadLetters(tx, rows));
            if (added > 0) log.warn({ added, partition: batch.partition }, 'dead letters of orders recorded');
            if (!batch.isRevoked()) await batch.commit((BigInt(last.offset) + 1n).toString());
          },
        });
      } catch (error) {
        log.error({ err: error, attempt }, 'cannot start the dead-letter watch; trying again');
        await sleep(Math.min(30_000, 500 * 2 ** attempt));
      }
    }
    return undefined;
  };
  const consumer = start();
  return {
    async stop() {
      stopping = true;
      await (await consumer)?.close();
    },
  };
}
