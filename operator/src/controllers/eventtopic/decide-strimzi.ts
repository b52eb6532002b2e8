import {
  EVENT_TOPIC_API_VERSION,
  EVENT_TOPIC_DEFAULTS,
  EVENT_TOPIC_KIND,
  planTopic,
  type TopicSpec,
} from '@ecom/kit/topics';
import { ADOPT_ANNOTATION, type EventTopic, TOPIC_FINALIZER } from '../../api/eventtopic.js';
import type { ConditionUpdate } from '../../runtime/conditions.js';
import { jsonEqual } from '../../runtime/conditions.js';
import {
  buildStatus,
  hasFinalizer,
  invalidSpecReady,
  isDeleting,
  Reasons,
  refusalReady,
  removeFinalizerPatch,
  specOf,
  warnOnce,
} from './common.js';
import {
  KAFKA_TOPIC_API_VERSION,
  KAFKA_TOPIC_KIND,
  type KafkaTopic,
  STRIMZI_CLUSTER_LABEL,
  STRIMZI_MANAGED_ANNOTATION,
} from './kafka-topic.js';
import type { DecideContext, Decision, EventNote, Step, StrimziObservation } from './types.js';

/** How long to wait before looking again at a KafkaTopic that Strimzi is still deleting. */
export const KAFKA_TOPIC_DELETION_POLL_MS = 5_000;

/**
 * Strimzi mode: the EventTopic becomes a KafkaTopic of the same name, owned by it; Strimzi's topic
 * operator does the Kafka work, and Ready mirrors the KafkaTopic's own Ready condition.
 */
export function decideStrimzi(resource: EventTopic, observed: StrimziObservation, ctx: DecideContext): Decision {
  if (isDeleting(resource)) return decideStrimziDeletion(resource, observed.kafkaTopic);

  const specResult = specOf(resource, ctx, undefined);
  if (!specResult.ok) {
    return {
      steps: [],
      status: buildStatus(resource, 'strimzi', invalidSpecReady(specResult.message), {}, ctx.now),
      events: warnOnce(resource, Reasons.InvalidSpec, specResult.message),
    };
  }
  const spec = specResult.spec;
  const existing = observed.kafkaTopic;
  const owned = existing === undefined || isOwnedBy(existing, resource);
  const adopting = !owned && resource.metadata.annotations?.[ADOPT_ANNOTATION] === 'true';
  if (!owned && !adopting) {
    const message = `KafkaTopic ${existing?.metadata.name} already exists and is not owned by this EventTopic; annotate the EventTopic with ${ADOPT_ANNOTATION}="true" to let the operator take it over`;
    return {
      steps: [],
      status: buildStatus(
        resource,
        'strimzi',
        { status: 'False', reason: Reasons.TopicExistsNotManaged, message },
        { topicName: spec.name },
        ctx.now,
      ),
      events: warnOnce(resource, Reasons.TopicExistsNotManaged, message),
    };
  }

  // What the KafkaTopic already asks for stands in for the Kafka topic: Strimzi cannot shrink it either.
  const previous = existing?.spec;
  const plan = planTopic(
    spec,
    previous && previous.partitions !== undefined
      ? {
          name: spec.name,
          partitions: previous.partitions,
          replicationFactor: previous.replicas ?? spec.replicationFactor,
          config: stringConfig(previous.config),
        }
      : undefined,
  );
  const refusedPartitions = plan.refusals.some((r) => r.reason === 'PartitionDecreaseRefused');
  const refusedReplicas = plan.refusals.some((r) => r.reason === 'ReplicationFactorChangeRefused');
  const effective: TopicSpec = {
    ...spec,
    partitions: refusedPartitions && previous?.partitions !== undefined ? previous.partitions : spec.partitions,
    replicationFactor: refusedReplicas && previous?.replicas !== undefined ? previous.replicas : spec.replicationFactor,
  };
  const desired = desiredKafkaTopic(resource, effective, ctx.strimziCluster ?? '');

  const steps: Step[] = [];
  if (!hasFinalizer(resource)) {
    steps.push({
      type: 'patchMetadata',
      patch: {
        resourceVersion: resource.metadata.resourceVersion,
        finalizers: [...(resource.metadata.finalizers ?? []), TOPIC_FINALIZER],
      },
    });
  }
  const needsApply = existing === undefined || adopting || !matches(desired, existing);
  const events: EventNote[] = [];
  if (needsApply) {
    steps.push({ type: 'applyKafkaTopic', object: desired });
    events.push({
      type: 'Normal',
      reason: existing === undefined ? 'KafkaTopicCreated' : adopting ? 'TopicAdopted' : 'KafkaTopicUpdated',
      action: existing === undefined ? 'Create' : 'Update',
      note: `${existing === undefined ? 'created' : 'updated'} KafkaTopic ${desired.metadata.name} for Kafka topic ${spec.name} (${effective.partitions} partitions, ${effective.replicationFactor} replicas)`,
    });
  }

  const fields = {
    topicName: spec.name,
    partitions: effective.partitions,
    replicationFactor: effective.replicationFactor,
  };
  if (plan.refusals.length > 0) {
    const ready = refusalReady(plan.refusals);
    return {
      steps,
      status: buildStatus(resource, 'strimzi', ready, fields, ctx.now),
      events: [...events, ...warnOnce(resource, ready.reason, ready.message)],
    };
  }
  const ready = needsApply ? pending(desired) : mirrorReady(existing);
  return { steps, status: buildStatus(resource, 'strimzi', ready, fields, ctx.now), events };
}

/** The KafkaTopic this EventTopic asks for: exactly the fields the operator owns under server-side apply. */
export function desiredKafkaTopic(resource: EventTopic, spec: TopicSpec, cluster: string): KafkaTopic {
  return {
    apiVersion: KAFKA_TOPIC_API_VERSION,
    kind: KAFKA_TOPIC_KIND,
    metadata: {
      name: resource.metadata.name,
      namespace: resource.metadata.namespace,
      labels: { [STRIMZI_CLUSTER_LABEL]: cluster, 'app.kubernetes.io/managed-by': 'ecom-operator' },
      ownerReferences: [
        {
          apiVersion: EVENT_TOPIC_API_VERSION,
          kind: EVENT_TOPIC_KIND,
          name: resource.metadata.name ?? '',
          uid: resource.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      topicName: spec.name,
      partitions: spec.partitions,
      replicas: spec.replicationFactor,
      config: { ...spec.config },
    },
  };
}

function isOwnedBy(kafkaTopic: KafkaTopic, resource: EventTopic): boolean {
  return (kafkaTopic.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === resource.metadata.uid);
}

/** Does the observed KafkaTopic already carry everything the desired one sets? Extra labels are others'. */
function matches(desired: KafkaTopic, observed: KafkaTopic): boolean {
  const labels = observed.metadata.labels ?? {};
  const labelsMatch = Object.entries(desired.metadata.labels ?? {}).every(([k, v]) => labels[k] === v);
  const observedSpec = observed.spec ? { ...observed.spec, config: stringConfig(observed.spec.config) } : undefined;
  return labelsMatch && jsonEqual(desired.spec, observedSpec);
}

function stringConfig(config: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(config ?? {}).map(([k, v]) => [k, String(v)]));
}

type ReadyUpdate = Omit<ConditionUpdate, 'type' | 'observedGeneration'>;

function pending(kafkaTopic: KafkaTopic): ReadyUpdate {
  return {
    status: 'Unknown',
    reason: Reasons.Pending,
    message: `waiting for Strimzi to reconcile KafkaTopic ${kafkaTopic.metadata.name}`,
  };
}

/**
 * Ready as Strimzi reports it on the KafkaTopic. No status yet, or a status for an older
 * generation of the KafkaTopic, means Strimzi has not caught up: Unknown/Pending.
 */
export function mirrorReady(kafkaTopic: KafkaTopic | undefined): ReadyUpdate {
  if (!kafkaTopic) return { status: 'Unknown', reason: Reasons.Pending, message: 'KafkaTopic not created yet' };
  const status = kafkaTopic.status;
  const generation = kafkaTopic.metadata.generation;
  const stale =
    status?.observedGeneration !== undefined && generation !== undefined && status.observedGeneration < generation;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || stale || (ready.status !== 'True' && ready.status !== 'False' && ready.status !== 'Unknown')) {
    return pending(kafkaTopic);
  }
  return {
    status: ready.status,
    reason: ready.reason || (ready.status === 'True' ? 'KafkaTopicReady' : 'KafkaTopicNotReady'),
    message: ready.message || `KafkaTopic ${kafkaTopic.metadata.name} reports Ready=${ready.status}`,
  };
}

/**
 * Deletion: deleting the KafkaTopic makes Strimzi delete the Kafka topic, so under Retain the
 * KafkaTopic is first marked strimzi.io/managed=false (Strimzi then lets the topic be). The
 * finalizer goes once the KafkaTopic is gone, so Delete really means the topic is deleted.
 */
function decideStrimziDeletion(resource: EventTopic, kafkaTopic: KafkaTopic | undefined): Decision {
  if (!hasFinalizer(resource)) return { steps: [], events: [] };
  const release: Decision = { steps: [{ type: 'patchMetadata', patch: removeFinalizerPatch(resource) }], events: [] };
  if (!kafkaTopic || !isOwnedBy(kafkaTopic, resource)) return release;

  const policy = resource.spec?.deletionPolicy ?? EVENT_TOPIC_DEFAULTS.deletionPolicy;
  const namespace = kafkaTopic.metadata.namespace ?? resource.metadata.namespace ?? '';
  const name = kafkaTopic.metadata.name ?? '';
  if (kafkaTopic.metadata.deletionTimestamp) {
    return { steps: [], events: [], requeueAfterMs: KAFKA_TOPIC_DELETION_POLL_MS };
  }
  const steps: Step[] = [];
  const events: EventNote[] = [];
  if (policy === 'Retain') {
    if (kafkaTopic.metadata.annotations?.[STRIMZI_MANAGED_ANNOTATION] !== 'false') {
      steps.push({
        type: 'annotateKafkaTopic',
        namespace,
        name,
        annotations: { [STRIMZI_MANAGED_ANNOTATION]: 'false' },
      });
    }
    events.push({
      type: 'Normal',
      reason: 'TopicRetained',
      action: 'Retain',
      note: `kept Kafka topic ${kafkaTopic.spec?.topicName ?? name}: KafkaTopic ${name} marked ${STRIMZI_MANAGED_ANNOTATION}=false before deletion`,
    });
  } else {
    events.push({
      type: 'Normal',
      reason: 'TopicDeleted',
      action: 'Delete',
      note: `deleted KafkaTopic ${name}; Strimzi deletes Kafka topic ${kafkaTopic.spec?.topicName ?? name}`,
    });
  }
  steps.push({ type: 'deleteKafkaTopic', namespace, name });
  // The finalizer is released on a later pass, once the KafkaTopic is gone.
  return { steps, events, requeueAfterMs: KAFKA_TOPIC_DELETION_POLL_MS };
}
