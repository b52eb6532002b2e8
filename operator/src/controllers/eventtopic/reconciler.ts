import type { TopicAdmin } from '@ecom/kit';
import type { Logger } from 'pino';
import type { EventTopic, OperatorMode } from '../../api/eventtopic.js';
import { parseObjectKey } from '../../api/meta.js';
import { jsonEqual } from '../../runtime/conditions.js';
import type { EventRecorder } from '../../runtime/events.js';
import { describeError, isConflict } from '../../runtime/kube.js';
import type { HandlerResult } from '../../runtime/workqueue.js';
import { buildStatus, isDeleting, Reasons, topicNameOf } from './common.js';
import { decide } from './decide.js';
import type { EventTopicKube } from './kube-api.js';
import type { Observation, Step } from './types.js';

/** The part of the kit's TopicAdmin the operator uses (fakes in tests implement only this). */
export type TopicAdminPort = Pick<TopicAdmin, 'brokerCount' | 'describeTopics' | 'apply' | 'deleteTopic'>;

export interface EventTopicReconcilerOptions {
  mode: OperatorMode;
  kube: EventTopicKube;
  /** direct mode. */
  admin?: TopicAdminPort;
  strimziCluster?: string;
  fitReplicationToBrokers: boolean;
  recorder: EventRecorder;
  logger: Logger;
  now?: () => Date;
}

/** A write lost a race with another writer (409): look again soon; not a failure worth a backoff. */
const CONFLICT_REQUEUE_MS = 200;

/**
 * The I/O around `decide`: observe (the EventTopic, fresh from the API server, and the Kafka topic
 * or KafkaTopic), decide, then act in the decided order, write status only when it changed, and
 * record events. Reading the EventTopic from the API server rather than the informer cache matters:
 * ownership is decided from its annotations, and a stale copy missing our own claim would make our
 * topic look foreign.
 */
export function eventTopicReconciler(
  options: EventTopicReconcilerOptions,
): (key: string) => Promise<HandlerResult | undefined> {
  const now = options.now ?? (() => new Date());
  return async (key) => {
    const { namespace = 'default', name } = parseObjectKey(key);
    const resource = await options.kube.getEventTopic(namespace, name);
    if (!resource) return undefined;
    const log = options.logger.child({ eventtopic: key, generation: resource.metadata.generation });

    const observation = await observe(resource, namespace, options);
    const at = now();
    const decision = decide(resource, observation, {
      now: at,
      fitReplicationToBrokers: options.fitReplicationToBrokers,
      strimziCluster: options.strimziCluster,
    });

    let current = resource;
    try {
      for (const step of decision.steps) {
        log.info({ step: describeStep(step) }, 'reconcile step');
        current = await act(step, current, namespace, name, options);
      }
    } catch (error) {
      if (isConflict(error)) {
        log.debug({ err: describeError(error) }, 'conflict; looking again');
        return { requeueAfterMs: CONFLICT_REQUEUE_MS };
      }
      await reportFailure(resource, error, at, namespace, name, options, log);
      throw new Error(`reconcile ${key}: ${describeError(error)}`, { cause: error });
    }

    if (decision.status && !jsonEqual(decision.status, resource.status)) {
      await options.kube.patchEventTopicStatus(namespace, name, resource.status, decision.status);
    }
    for (const event of decision.events) {
      await options.recorder.record(current, event);
    }
    return decision.requeueAfterMs !== undefined ? { requeueAfterMs: decision.requeueAfterMs } : undefined;
  };
}

async function observe(
  resource: EventTopic,
  namespace: string,
  options: EventTopicReconcilerOptions,
): Promise<Observation> {
  if (options.mode === 'strimzi') {
    return { mode: 'strimzi', kafkaTopic: await options.kube.getKafkaTopic(namespace, resource.metadata.name ?? '') };
  }
  const admin = options.admin;
  if (!admin) throw new Error('direct mode needs a Kafka admin client');
  const topicName = topicNameOf(resource);
  const topics = await admin.describeTopics([topicName]);
  const needsBrokers = options.fitReplicationToBrokers && !isDeleting(resource);
  return {
    mode: 'direct',
    topic: topics.get(topicName),
    ...(needsBrokers ? { brokerCount: await admin.brokerCount() } : {}),
  };
}

async function act(
  step: Step,
  current: EventTopic,
  namespace: string,
  name: string,
  options: EventTopicReconcilerOptions,
): Promise<EventTopic> {
  switch (step.type) {
    case 'patchMetadata':
      return options.kube.patchEventTopicMetadata(namespace, name, step.patch);
    case 'topicAction':
      await requireAdmin(options).apply(step.action);
      return current;
    case 'deleteTopic':
      await requireAdmin(options).deleteTopic(step.topic);
      return current;
    case 'applyKafkaTopic':
      await options.kube.applyKafkaTopic(step.object);
      return current;
    case 'annotateKafkaTopic':
      await options.kube.annotateKafkaTopic(step.namespace, step.name, step.annotations);
      return current;
    case 'deleteKafkaTopic':
      await options.kube.deleteKafkaTopic(step.namespace, step.name);
      return current;
  }
}

function requireAdmin(options: EventTopicReconcilerOptions): TopicAdminPort {
  if (!options.admin) throw new Error('direct mode needs a Kafka admin client');
  return options.admin;
}

/** Says on the resource why it is not Ready, so `kubectl get et` shows a failing reconcile. Best effort. */
async function reportFailure(
  resource: EventTopic,
  error: unknown,
  at: Date,
  namespace: string,
  name: string,
  options: EventTopicReconcilerOptions,
  log: Logger,
): Promise<void> {
  if (isDeleting(resource)) return;
  const status = buildStatus(
    resource,
    options.mode,
    { status: 'False', reason: Reasons.ReconcileError, message: describeError(error) },
    {
      topicName: resource.status?.topicName,
      partitions: resource.status?.partitions,
      replicationFactor: resource.status?.replicationFactor,
    },
    at,
  );
  if (jsonEqual(status, resource.status)) return;
  try {
    await options.kube.patchEventTopicStatus(namespace, name, resource.status, status);
  } catch (statusError) {
    log.warn({ err: describeError(statusError) }, 'could not write the failure to status');
  }
}

function describeStep(step: Step): string {
  switch (step.type) {
    case 'patchMetadata':
      return `patch metadata ${JSON.stringify({ finalizers: step.patch.finalizers, annotations: step.patch.annotations })}`;
    case 'topicAction':
      return `${step.action.type} ${step.action.topic}`;
    case 'deleteTopic':
      return `delete topic ${step.topic}`;
    case 'applyKafkaTopic':
      return `apply KafkaTopic ${step.object.metadata.namespace}/${step.object.metadata.name}`;
    case 'annotateKafkaTopic':
      return `annotate KafkaTopic ${step.namespace}/${step.name}`;
    case 'deleteKafkaTopic':
      return `delete KafkaTopic ${step.namespace}/${step.name}`;
  }
}
