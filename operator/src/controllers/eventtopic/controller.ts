import { EVENT_TOPIC_KIND } from '@ecom/kit/topics';
import type { Logger } from 'pino';
import { ECOM_GROUP, ECOM_VERSION, eventTopicCrd, type OperatorMode } from '../../api/eventtopic.js';
import { objectKey } from '../../api/meta.js';
import { Controller, type WatchSource } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { KubeClients } from '../../runtime/kube.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { customResourceSource } from '../../runtime/sources.js';
import { KAFKA_TOPIC_GROUP, KAFKA_TOPIC_PLURAL, KAFKA_TOPIC_VERSION } from './kafka-topic.js';
import { eventTopicKube } from './kube-api.js';
import { eventTopicReconciler, type TopicAdminPort } from './reconciler.js';

export interface EventTopicControllerOptions {
  clients: KubeClients;
  namespace?: string;
  mode: OperatorMode;
  admin?: TopicAdminPort;
  strimziCluster?: string;
  fitReplicationToBrokers: boolean;
  recorder: EventRecorder;
  metrics: OperatorMetrics;
  logger: Logger;
  resyncMs: number;
  watchSilenceMs: number;
  concurrency: number;
}

/** Label the operator puts on its KafkaTopics, so it watches only those. */
const MANAGED_BY_SELECTOR = 'app.kubernetes.io/managed-by=ecom-operator';

/** The EventTopic controller: watches EventTopics (and, in strimzi mode, the KafkaTopics it owns). */
export function eventTopicController(options: EventTopicControllerOptions): Controller {
  const { clients, namespace } = options;
  const sources: WatchSource[] = [
    customResourceSource(
      clients,
      { group: ECOM_GROUP, version: ECOM_VERSION, plural: eventTopicCrd.plural },
      namespace,
      (obj) => [objectKey(obj.metadata ?? {})],
    ),
  ];
  if (options.mode === 'strimzi') {
    // A KafkaTopic's status change (Strimzi's Ready) re-runs its owning EventTopic.
    sources.push(
      customResourceSource(
        clients,
        { group: KAFKA_TOPIC_GROUP, version: KAFKA_TOPIC_VERSION, plural: KAFKA_TOPIC_PLURAL },
        namespace,
        (obj) =>
          (obj.metadata?.ownerReferences ?? [])
            .filter((ref) => ref.kind === EVENT_TOPIC_KIND && ref.apiVersion.startsWith(`${ECOM_GROUP}/`))
            .map((ref) => objectKey({ namespace: obj.metadata?.namespace, name: ref.name })),
        MANAGED_BY_SELECTOR,
      ),
    );
  }
  return new Controller({
    name: 'eventtopic',
    sources,
    reconcile: eventTopicReconciler({
      mode: options.mode,
      kube: eventTopicKube(clients),
      admin: options.admin,
      strimziCluster: options.strimziCluster,
      fitReplicationToBrokers: options.fitReplicationToBrokers,
      recorder: options.recorder,
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
