import { fileURLToPath } from 'node:url';
import type { EventType } from '@ecom/schemas';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { type baseSettings, kafkaTuning } from './config/base.js';
import { configOrExit } from './config/exit.js';
import { kafkaSecurity } from './config/kafka-security.js';
import { type ConfigOf, type ConfigSpec, parseConfig } from './config/parse.js';
import {
  type AfterBatch,
  type BatchHandler,
  type BeforeBatch,
  type Handlers,
  type RunningConsumer,
  startConsumer,
} from './consumer/runner.js';
import { migrate, openDb } from './db/index.js';
import type { Db } from './db/types.js';
import { type EffectHandlers, EffectRunner } from './effects/runner.js';
import { EventCodec } from './events/codec.js';
import { type Faults, faultInjector } from './faults/faults.js';
import {
  type AccessTable,
  buildHttpApp,
  buildOpsApp,
  closeGracefully,
  createTokenVerifier,
  jwtOptionsOf,
  listen,
  type Readiness,
} from './http/index.js';
import { type KafkaOptions, openProducer, type RecordProducer } from './kafka/client.js';
import { createLogger } from './log.js';
import { createKitMetrics, type KitMetrics } from './metrics.js';
import { OutboxRelay } from './outbox/relay.js';
import { EventWriter } from './outbox/writer.js';
import { RetentionPurge } from './retention.js';
import { shutdownTelemetry } from './telemetry/shutdown.js';

export type BaseConfig = ConfigOf<ReturnType<typeof baseSettings>>;

/** What a service's routes and handlers are given: everything is built once, at startup. */
export interface ServiceDeps<C extends BaseConfig = BaseConfig> {
  service: string;
  config: C;
  logger: Logger;
  db: Db;
  /** Runs a unit of work whose emitted events go to the outbox in the same transaction. */
  events: EventWriter;
  codec: EventCodec;
  registry: Registry;
  metrics: KitMetrics;
  /** Fault points armed by ECOM_FAULTS (tests); inert otherwise. */
  faults: Faults;
  /** Performs the effects the service's units of work schedule; see ServiceDefinition.effects. */
  effects: EffectRunner;
}

export interface ServiceDefinition<S extends ConfigSpec> {
  name: string;
  version: string;
  /** `{ ...baseSettings(port), ...ownSettings }` */
  settings: S;
  /** Database schema of the service; the service name by default. */
  schema?: string;
  /** Folder of the service's numbered SQL migrations. */
  migrations?: URL;
  /**
   * Every event type the service emits: the codec refuses any other, and the service's Kafka ACLs
   * (write on their topics) are generated from it (kafka/acls.ts).
   */
  produces: readonly EventType[];
  consumer?: {
    topics: string[];
    /** Per event, or a BatchHandler for the whole slice (merges written as one statement per table). */
    handlers(deps: ServiceDeps<ConfigOf<S> & BaseConfig>): Handlers | BatchHandler;
    /** Takes a batch's row locks up front, in one order (see BeforeBatch). */
    beforeBatch?: BeforeBatch;
    /** Bookkeeping for all of a slice's handled events at once (see AfterBatch). */
    afterBatch?: AfterBatch;
    concurrency?: number;
  };
  /**
   * External side effects (gateway calls, webhooks) by kind: handlers schedule them in their
   * transaction (`ctx.schedule`), the kit performs them after commit and records the outcome.
   */
  effects?(deps: ServiceDeps<ConfigOf<S> & BaseConfig>): EffectHandlers;
  routes?(app: FastifyInstance, deps: ServiceDeps<ConfigOf<S> & BaseConfig>): void | Promise<void>;
  /** Which roles may call each route `routes` adds (`'METHOD /pattern'`); a route without a row fails the start. */
  access: AccessTable;
  /** Background work (e.g. a periodic sweep), started last and stopped right after HTTP closes. */
  background?(deps: ServiceDeps<ConfigOf<S> & BaseConfig>): { stop(): Promise<void> };
}

export interface RunningService<C extends BaseConfig = BaseConfig> {
  app: FastifyInstance;
  deps: ServiceDeps<C>;
  /** Base URL the HTTP server listens on. */
  url: string;
  /** Base URL of /healthz, /readyz and /metrics when OPS_PORT puts them apart; else undefined (they are at `url`). */
  opsUrl: string | undefined;
  /** Publishes whatever the outbox holds; for tests. */
  flushOutbox(): Promise<void>;
  /** Performs the effects that are due now; for tests. */
  flushEffects(): Promise<void>;
  /** The SIGTERM path: not ready, stop HTTP, finish and commit the in-flight batch, flush the outbox, close. */
  stop(): Promise<void>;
}

const kitMigrations = new URL('../migrations/', import.meta.url);

/** Starts a service from its definition; the configuration comes from `env` (throws ConfigError). */
export async function startService<S extends ConfigSpec>(
  definition: ServiceDefinition<S>,
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService<ConfigOf<S> & BaseConfig>> {
  const config = parseConfig(definition.settings, env) as ConfigOf<S> & BaseConfig;
  const service = definition.name;
  const logger = createLogger(service, config.logLevel);
  const schema = definition.schema ?? service;
  const jwt = jwtOptionsOf(config);
  // Loud on purpose, at every start: this must never be how a deployment runs by accident.
  if (!jwt) logger.warn('AUTH_MODE=off: every API route is open to anyone who reaches the port, with every role');
  const verifier = jwt ? await createTokenVerifier(jwt) : undefined;

  const db = await openDb(
    {
      schema,
      poolSize: config.dbPoolSize,
      ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
      ...(config.pgliteDir ? { pgliteDir: config.pgliteDir } : {}),
    },
    logger,
  );
  await migrate(db, {
    schema,
    sources: [
      { name: 'kit', dir: fileURLToPath(kitMigrations) },
      ...(definition.migrations ? [{ name: service, dir: fileURLToPath(definition.migrations) }] : []),
    ],
  });

  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const metrics = createKitMetrics(registry);
  const codec = new EventCodec({ produces: definition.produces });
  const kafka: KafkaOptions = {
    brokers: config.kafkaBrokers,
    clientId: service,
    logger,
    sessionTimeoutMs: config.kafkaSessionTimeoutMs,
    ...kafkaTuning(config),
    security: kafkaSecurity(config),
  };
  const faults = faultInjector(config.faults);
  const producer: RecordProducer = await openProducer(kafka);
  const relay = new OutboxRelay({ db, producer, metrics, logger, faults, sweepMs: config.outboxSweepMs });
  relay.start();
  const effectHandlers: EffectHandlers = {};
  const effects = new EffectRunner({
    service,
    db,
    handlers: effectHandlers,
    codec,
    relay,
    metrics,
    logger,
    faults,
    sweepMs: config.outboxSweepMs,
    retryBaseMs: config.consumerRetryBaseMs,
    leaseMs: config.effectLeaseMs,
  });
  const deps: ServiceDeps<ConfigOf<S> & BaseConfig> = {
    service,
    config,
    logger,
    db,
    events: new EventWriter(service, codec, db, relay, faults),
    codec,
    registry,
    metrics,
    faults,
    effects,
  };
  // Handlers are built with deps (they may need the gateway, the sender, the config); the runner
  // starts only once they are registered.
  Object.assign(effectHandlers, definition.effects?.(deps));
  effects.start();
  const retention = new RetentionPurge({
    db,
    metrics,
    logger,
    inboxRetentionMs: config.inboxRetentionMs,
    idempotencyKeyRetentionMs: config.idempotencyKeyRetentionMs,
    intervalMs: config.retentionPurgeIntervalMs,
  });
  retention.start();

  let consumer: RunningConsumer | undefined;
  const readiness = async (): Promise<Readiness> => {
    const database = await db.ping().then(
      () => ({ ok: true }),
      (error: Error) => ({ ok: false, detail: error.message }),
    );
    const checks: Record<string, { ok: boolean; detail?: string }> = { database, producer: producer.health() };
    if (definition.consumer) {
      checks.consumer = consumer ? consumer.health() : { ok: false, detail: 'not started yet' };
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
  const app = await buildHttpApp({
    service,
    version: definition.version,
    logger,
    registry,
    bodyLimit: config.bodyLimit,
    db,
    idempotencyPendingTimeoutMs: config.idempotencyPendingTimeoutMs,
    auth: { service, verifier, access: definition.access },
    readiness,
    opsApart: config.opsPort !== undefined,
  });
  await definition.routes?.(app, deps);

  if (definition.consumer) {
    consumer = await startConsumer({
      service,
      groupId: service,
      topics: definition.consumer.topics,
      handlers: definition.consumer.handlers(deps),
      ...(definition.consumer.beforeBatch ? { beforeBatch: definition.consumer.beforeBatch } : {}),
      ...(definition.consumer.afterBatch ? { afterBatch: definition.consumer.afterBatch } : {}),
      kafka,
      db,
      codec,
      relay,
      effects,
      metrics,
      logger,
      faults,
      maxAttempts: config.consumerMaxAttempts,
      retryBaseMs: config.consumerRetryBaseMs,
      maxBatchRecords: config.consumerMaxBatchRecords,
      ...(definition.consumer.concurrency ? { concurrency: definition.consumer.concurrency } : {}),
    });
  }
  const url = await listen(app, { host: config.host, port: config.port });
  const ops = config.opsPort === undefined ? undefined : await buildOpsApp({ logger, registry, readiness, api: app });
  const opsUrl = ops ? await listen(ops, { host: config.host, port: config.opsPort as number }) : undefined;
  const background = definition.background?.(deps);
  logger.info({ url, ...(opsUrl ? { opsUrl } : {}), schema, db: db.kind }, `${service} started`);

  return {
    app,
    deps,
    url,
    opsUrl,
    flushOutbox: () => relay.flush(),
    flushEffects: () => effects.flush(),
    async stop() {
      // Each stage has its own budget, so a slow HTTP close cannot eat the time the consumer
      // needs to commit its batch and the outbox to flush; the process deadline is the backstop.
      await closeGracefully(app, config.httpCloseTimeoutMs + config.shutdownDrainDelayMs, {
        drainDelayMs: config.shutdownDrainDelayMs,
      });
      await background?.stop();
      await consumer?.close();
      await effects.stop();
      await retention.stop();
      await relay.stop();
      await producer.close();
      await db.close();
      // Last: probes keep answering (503 while draining) until everything else is closed.
      await ops?.close();
      logger.info(`${service} stopped`);
    },
  };
}

/** A service process: parse config (exit 1 naming each bad variable), start, stop on SIGTERM/SIGINT. */
export function runService<S extends ConfigSpec>(definition: ServiceDefinition<S>): void {
  const config = configOrExit(definition.name, definition.settings) as BaseConfig;
  startService(definition).then(
    (running) => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        running.deps.logger.info({ signal }, 'shutting down');
        // The deadline is the last word: whatever hangs past it, the process still exits.
        setTimeout(() => {
          running.deps.logger.error('shutdown deadline exceeded; exiting');
          process.exit(1);
        }, config.shutdownDeadlineMs).unref();
        // Spans still buffered are exported last, after the final flush of the outbox produced its own.
        running.stop().then(
          () => shutdownTelemetry().then(() => process.exit(0)),
          (error) => {
            running.deps.logger.error({ err: error }, 'error while shutting down');
            void shutdownTelemetry().then(() => process.exit(1));
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    },
    (error) => {
      process.stderr.write(`${definition.name}: failed to start: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
