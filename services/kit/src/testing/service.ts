// A service in-process against the real local stack, with a producer to feed its consumer: what every
// service's integration test starts with. Exported under @ecom/kit/testing.
import type { ConfigOf, ConfigSpec } from '../config/parse.js';
import { EventCodec } from '../events/codec.js';
import type { Event } from '../events/event.js';
import { openProducer, type RecordProducer } from '../kafka/client.js';
import { type BaseConfig, type RunningService, type ServiceDefinition, startService } from '../service.js';
import { eventually, testDatabaseUrl, testKafka } from './infra.js';

const codec = new EventCodec();

export interface TestService<C extends BaseConfig = BaseConfig> extends RunningService<C> {
  /** Encodes the events and produces them in one batch, in order. */
  publish(...events: Event[]): Promise<void>;
  /**
   * Waits until the consumer has committed the handling of these events (their ce_ids are in the
   * inbox) and every effect they scheduled has been performed, then flushes the outbox.
   */
  handled(...events: Event[]): Promise<void>;
  /** Closes the producer, then stops the service. */
  stop(): Promise<void>;
}

/** Encodes the events and produces them in one batch, in order. */
export async function publishEvents(producer: RecordProducer, events: readonly Event[]): Promise<void> {
  await producer.send(events.map((e) => codec.encode(e)));
}

/**
 * Starts the service on a free port against the test database (the process environment, then
 * `env`; LOG_LEVEL from TEST_LOG_LEVEL, silent by default; AUTH_MODE=off unless `env` says
 * `AUTH_MODE: 'jwt'`, with the issuer the integration setup put in the environment), opens a producer, and waits until
 * /readyz answers 200: the consumer owns its partitions before the test publishes.
 */
export async function startTestService<S extends ConfigSpec>(
  definition: ServiceDefinition<S>,
  env: Record<string, string | undefined> = {},
  readyTimeoutMs = 60_000,
): Promise<TestService<ConfigOf<S> & BaseConfig>> {
  const running = await startService(definition, {
    ...process.env,
    PORT: '0',
    DATABASE_URL: testDatabaseUrl(),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    AUTH_MODE: 'off',
    ...env,
  });
  let producer: RecordProducer | undefined;
  const stop = async () => {
    await producer?.close();
    await running.stop();
  };
  try {
    producer = await openProducer(testKafka(`${definition.name}-int-test`));
    await eventually(
      async () => ((await running.app.inject('/readyz')).statusCode === 200 ? true : undefined),
      `${definition.name} ready (consumer joined)`,
      readyTimeoutMs,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const publisher = producer;
  return {
    ...running,
    stop,
    publish: (...events) => publishEvents(publisher, events),
    async handled(...events) {
      const ids = events.map((e) => e.id);
      await eventually(
        async () => {
          const { rows } = await running.deps.db.query<{ n: string | number }>(
            'SELECT count(*) AS n FROM inbox WHERE ce_id = ANY($1::text[])',
            [ids],
          );
          return Number(rows[0]?.n) === new Set(ids).size ? true : undefined;
        },
        `inbox to hold ${ids.join(', ')}`,
      );
      await eventually(
        async () => {
          await running.flushEffects();
          const { rows } = await running.deps.db.query<{ n: string | number }>(
            "SELECT count(*) AS n FROM effects WHERE context->>'causationId' = ANY($1::text[])",
            [ids],
          );
          return Number(rows[0]?.n) === 0 ? true : undefined;
        },
        `effects caused by ${ids.join(', ')} to be performed`,
      );
      await running.flushOutbox();
    },
  };
}
