import type { Logger } from 'pino';
import { DEAD_LETTER_REPLAY_KIND, deadLetterReplayCrd } from '../../api/deadletterreplay.js';
import { ECOM_GROUP, ECOM_VERSION } from '../../api/eventtopic.js';
import { objectKey } from '../../api/meta.js';
import { Controller } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { KubeClients } from '../../runtime/kube.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { customResourceSource } from '../../runtime/sources.js';
import { REPLAY_JOB_SELECTOR } from './job.js';
import type { ReplayKafkaAccess } from './kafka-access.js';
import { deadLetterReplayKube, JOBS } from './kube-api.js';
import { deadLetterReplayReconciler, type ProgressReaderPort } from './reconciler.js';

export interface DeadLetterReplayControllerOptions {
  clients: KubeClients;
  namespace?: string;
  progress?: ProgressReaderPort;
  image: string;
  brokers: string[];
  kafkaAccess: ReplayKafkaAccess;
  recorder: EventRecorder;
  metrics: OperatorMetrics;
  logger: Logger;
  resyncMs: number;
  watchSilenceMs: number;
  concurrency: number;
}

/** How long one progress read from Kafka may take before the reconcile goes on without it. */
const PROGRESS_READ_TIMEOUT_MS = 10_000;

/**
 * The DeadLetterReplay controller: watches DeadLetterReplays and the replay Jobs (by label; a
 * Job's change re-runs its owner), and polls a running replay's counts on the reconciler's requeue.
 */
export function deadLetterReplayController(options: DeadLetterReplayControllerOptions): Controller {
  const { clients, namespace } = options;
  return new Controller({
    name: 'deadletterreplay',
    sources: [
      customResourceSource(
        clients,
        { group: ECOM_GROUP, version: ECOM_VERSION, plural: deadLetterReplayCrd.plural },
        namespace,
        (obj) => [objectKey(obj.metadata ?? {})],
      ),
      customResourceSource(
        clients,
        JOBS,
        namespace,
        (obj) =>
          (obj.metadata?.ownerReferences ?? [])
            .filter((ref) => ref.kind === DEAD_LETTER_REPLAY_KIND && ref.apiVersion.startsWith(`${ECOM_GROUP}/`))
            .map((ref) => objectKey({ namespace: obj.metadata?.namespace, name: ref.name })),
        REPLAY_JOB_SELECTOR,
      ),
    ],
    reconcile: deadLetterReplayReconciler({
      kube: deadLetterReplayKube(clients),
      progress: options.progress,
      image: options.image,
      brokers: options.brokers,
      kafkaAccess: options.kafkaAccess,
      progressReadTimeoutMs: PROGRESS_READ_TIMEOUT_MS,
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
