import type { Logger } from 'pino';
import { consumerAutoscalerCrd } from '../../api/consumerautoscaler.js';
import { ECOM_GROUP, ECOM_VERSION } from '../../api/eventtopic.js';
import { objectKey } from '../../api/meta.js';
import { Controller, type WatchSource } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { KubeClients } from '../../runtime/kube.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { customResourceSource } from '../../runtime/sources.js';
import { consumerAutoscalerKube } from './kube-api.js';
import type { AutoscalerMetrics } from './metrics.js';
import { consumerAutoscalerReconciler, type LagReaderPort } from './reconciler.js';

export interface ConsumerAutoscalerControllerOptions {
  clients: KubeClients;
  namespace?: string;
  lagReader?: LagReaderPort;
  recorder: EventRecorder;
  metrics: OperatorMetrics;
  autoscalerMetrics: AutoscalerMetrics;
  logger: Logger;
  resyncMs: number;
  watchSilenceMs: number;
  concurrency: number;
}

/** How long one lag read may take before the poll holds the replicas and says LagUnavailable. */
const LAG_READ_TIMEOUT_MS = 10_000;

/**
 * Reconcile on a new generation only (a created or edited spec), not on every update: each poll
 * writes status, and reconciling on that write would poll in a loop. Polling itself runs on the
 * reconciler's requeue-after.
 */
export function onNewGeneration(): WatchSource['keysFor'] {
  const generations = new Map<string, number | undefined>();
  return (obj, event) => {
    const key = objectKey(obj.metadata ?? {});
    if (event === 'delete') {
      generations.delete(key);
      return [key];
    }
    const generation = obj.metadata?.generation;
    if (event === 'update' && generations.has(key) && generations.get(key) === generation) return [];
    generations.set(key, generation);
    return [key];
  };
}

/** The ConsumerAutoscaler controller: watches ConsumerAutoscalers and polls each one's lag. */
export function consumerAutoscalerController(options: ConsumerAutoscalerControllerOptions): Controller {
  return new Controller({
    name: 'consumerautoscaler',
    sources: [
      customResourceSource(
        options.clients,
        { group: ECOM_GROUP, version: ECOM_VERSION, plural: consumerAutoscalerCrd.plural },
        options.namespace,
        onNewGeneration(),
      ),
    ],
    reconcile: consumerAutoscalerReconciler({
      kube: consumerAutoscalerKube(options.clients),
      lagReader: options.lagReader,
      lagReadTimeoutMs: LAG_READ_TIMEOUT_MS,
      recorder: options.recorder,
      metrics: options.autoscalerMetrics,
      logger: options.logger,
    }),
    concurrency: options.concurrency,
    resyncMs: options.resyncMs,
    watchSilenceMs: options.watchSilenceMs,
    retryBackoff: { baseMs: 250, maxMs: 60_000 },
    informerBackoff: { baseMs: 500, maxMs: 30_000 },
    minRequeueAfterMs: 100,
    metrics: options.metrics,
    logger: options.logger,
  });
}
