import type { TopicAdmin } from '@ecom/kit';
import { type Logger, pino } from 'pino';
import type { OperatorConfig } from './config.js';
import { consumerAutoscalerController } from './controllers/consumerautoscaler/controller.js';
import { AutoscalerMetrics } from './controllers/consumerautoscaler/metrics.js';
import type { LagReaderPort } from './controllers/consumerautoscaler/reconciler.js';
import { deadLetterReplayController } from './controllers/deadletterreplay/controller.js';
import { eventTopicController } from './controllers/eventtopic/controller.js';
import type { TopicAdminPort } from './controllers/eventtopic/reconciler.js';
import { scrapeController } from './controllers/scrape/controller.js';
import { ScrapeMetrics } from './controllers/scrape/metrics.js';
import { kubeEventRecorder } from './runtime/events.js';
import { loadKubeConfig, makeKubeClients } from './runtime/kube.js';
import { lazyClient } from './runtime/lazy-client.js';
import { type Manager, startManager } from './runtime/manager.js';
import { OperatorMetrics } from './runtime/metrics.js';

export interface OperatorHandle extends Manager {
  metrics: OperatorMetrics;
}

/**
 * Connects to Kafka lazily: opened on first use and re-opened after a failure, so the operator
 * starts (and reports, through status and retries) while Kafka is down rather than crashing. The
 * kit (and kafkajs with it) is loaded only when the operator has Kafka brokers (direct mode needs
 * them for topics, and the autoscaler in either mode for lag).
 */
function lazyTopicAdmin(config: OperatorConfig, logger: Logger) {
  let opening: Promise<TopicAdmin> | undefined;
  const open = async (): Promise<TopicAdmin> => {
    const { openTopicAdmin } = await import('@ecom/kit');
    return openTopicAdmin({
      brokers: config.kafkaBrokers,
      clientId: `ecom-operator-${config.identity}`,
      logger,
      security: config.kafkaSecurity,
    });
  };
  const get = (): Promise<TopicAdmin> => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw new Error(`cannot connect to Kafka at ${config.kafkaBrokers.join(',')}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    return opening;
  };
  const port: TopicAdminPort = {
    brokerCount: async () => (await get()).brokerCount(),
    describeTopics: async (names) => (await get()).describeTopics(names),
    apply: async (action) => (await get()).apply(action),
    deleteTopic: async (name) => (await get()).deleteTopic(name),
  };
  const lagReader: LagReaderPort = {
    groupOffsets: async (group, topics) => (await get()).groupOffsets(group, topics),
    recordTimestamps: async (positions) => (await get()).recordTimestamps(positions),
  };
  return {
    port,
    lagReader,
    async close() {
      const admin = await opening?.catch(() => undefined);
      opening = undefined;
      await admin?.close();
    },
  };
}

/** Starts the operator in this process (main.ts, and integration tests with short durations). */
export async function startOperator(
  config: OperatorConfig,
  options: { logger?: Logger } = {},
): Promise<OperatorHandle> {
  const logger =
    options.logger ??
    pino({ level: config.logLevel, base: { service: 'ecom-operator' }, timestamp: pino.stdTimeFunctions.isoTime });
  const clients = makeKubeClients(loadKubeConfig(config.kubeconfig));
  const metrics = new OperatorMetrics();
  const admin = config.kafkaBrokers.length > 0 ? lazyTopicAdmin(config, logger) : undefined;
  // Replay progress (offsets with metadata) is read through its own small Kafka admin client.
  const replayReader =
    config.kafkaBrokers.length > 0
      ? lazyClient(
          async () =>
            (await import('@ecom/kit')).openOffsetReader({
              brokers: config.kafkaBrokers,
              clientId: `ecom-operator-${config.identity}-replay`,
              logger,
              security: config.kafkaSecurity,
            }),
          `Kafka at ${config.kafkaBrokers.join(',')}`,
        )
      : undefined;
  const autoscalerMetrics = new AutoscalerMetrics(metrics.registry);
  const scrapeMetrics = config.scrape ? new ScrapeMetrics(metrics.registry) : undefined;
  const recorder = kubeEventRecorder({
    api: clients.events,
    controller: 'ecom.dev/ecom-operator',
    instance: config.identity,
    logger,
  });

  /** What every controller shares: events, metrics, its own logger, resync, watch watchdog, workers. */
  const runtimeOf = (controller: string) => ({
    recorder,
    metrics,
    logger: logger.child({ controller }),
    resyncMs: config.resyncSeconds * 1000,
    watchSilenceMs: config.watchSilenceSeconds * 1000,
    concurrency: config.concurrency,
  });
  const manager = await startManager({
    metrics,
    metricsPort: config.metricsPort,
    logger,
    election: {
      api: clients.coordination,
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationSeconds * 1000,
      renewDeadlineMs: config.renewDeadlineSeconds * 1000,
      retryPeriodMs: config.retryPeriodSeconds * 1000,
    },
    controllers: () => [
      eventTopicController({
        clients,
        namespace: config.namespace,
        mode: config.mode,
        admin: config.mode === 'direct' ? admin?.port : undefined,
        strimziCluster: config.strimziCluster,
        fitReplicationToBrokers: config.fitReplicationToBrokers,
        ...runtimeOf('eventtopic'),
      }),
      consumerAutoscalerController({
        clients,
        namespace: config.namespace,
        lagReader: admin?.lagReader,
        autoscalerMetrics,
        ...runtimeOf('consumerautoscaler'),
      }),
      deadLetterReplayController({
        clients,
        namespace: config.namespace,
        progress: replayReader && {
          committed: async (group, topic) => (await replayReader.get()).committed(group, topic),
        },
        image: config.replayImage,
        brokers: config.kafkaBrokers,
        kafkaAccess: config.replayKafkaAccess,
        ...runtimeOf('deadletterreplay'),
      }),
      ...(scrapeMetrics
        ? [
            scrapeController({
              clients,
              namespace: config.namespace,
              monitorLabels: config.scrapeMonitorLabels,
              crdCheckMs: config.scrapeCrdCheckSeconds * 1000,
              scrapeMetrics,
              ...runtimeOf('scrape'),
            }),
          ]
        : []),
    ],
  });

  return {
    ...manager,
    metrics,
    async stop() {
      await manager.stop();
      await admin?.close();
      await replayReader?.close();
    },
  };
}
