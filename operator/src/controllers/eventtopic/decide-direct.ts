import { EVENT_TOPIC_DEFAULTS, planTopic, type TopicAction } from '@ecom/kit/topics';
import {
  ADOPT_ANNOTATION,
  type EventTopic,
  MANAGED_TOPIC_ANNOTATION,
  OWNERSHIP_ANNOTATION,
  TOPIC_FINALIZER,
} from '../../api/eventtopic.js';
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
import type { DecideContext, Decision, DirectObservation, EventNote, MetadataPatch, Step } from './types.js';

/**
 * Direct mode: compares the EventTopic with the Kafka topic and decides the admin actions, the
 * metadata changes (finalizer, ownership) and the status. Pure: `observed` is what the I/O layer
 * read from Kafka just before.
 */
export function decideDirect(resource: EventTopic, observed: DirectObservation, ctx: DecideContext): Decision {
  if (isDeleting(resource)) return decideDirectDeletion(resource, observed);

  const managedTopic = resource.metadata.annotations?.[MANAGED_TOPIC_ANNOTATION];
  const specResult = specOf(resource, ctx, observed.brokerCount);
  if (!specResult.ok) {
    return {
      steps: [],
      status: buildStatus(resource, 'direct', invalidSpecReady(specResult.message), {}, ctx.now),
      events: warnOnce(resource, Reasons.InvalidSpec, specResult.message),
    };
  }
  const spec = specResult.spec;
  const topicFields = { topicName: spec.name };

  if (managedTopic !== undefined && managedTopic !== spec.name) {
    const message = `this resource manages Kafka topic ${managedTopic}; it cannot switch to ${spec.name} (the old topic would be left behind). Recreate the resource to use another topic`;
    return {
      steps: [],
      status: buildStatus(
        resource,
        'direct',
        { status: 'False', reason: Reasons.TopicNameChangeRefused, message },
        { topicName: managedTopic, ...observedFields(observed) },
        ctx.now,
      ),
      events: warnOnce(resource, Reasons.TopicNameChangeRefused, message),
    };
  }

  // Ownership: a topic this resource did not create is touched only when the user asks for adoption.
  const claim: MetadataPatch = {};
  let adopted = false;
  if (managedTopic === undefined) {
    if (observed.topic) {
      if (resource.metadata.annotations?.[ADOPT_ANNOTATION] !== 'true') {
        const message = `Kafka topic ${spec.name} already exists and is not managed by this resource; annotate it with ${ADOPT_ANNOTATION}="true" to let the operator take it over`;
        return {
          steps: [],
          status: buildStatus(
            resource,
            'direct',
            { status: 'False', reason: Reasons.TopicExistsNotManaged, message },
            { ...topicFields, ...observedFields(observed) },
            ctx.now,
          ),
          events: warnOnce(resource, Reasons.TopicExistsNotManaged, message),
        };
      }
      adopted = true;
    }
    claim.annotations = {
      [MANAGED_TOPIC_ANNOTATION]: spec.name,
      [OWNERSHIP_ANNOTATION]: adopted ? 'adopted' : 'created',
    };
  }
  if (!hasFinalizer(resource)) claim.finalizers = [...(resource.metadata.finalizers ?? []), TOPIC_FINALIZER];

  const steps: Step[] = [];
  if (claim.annotations || claim.finalizers) {
    steps.push({ type: 'patchMetadata', patch: { resourceVersion: resource.metadata.resourceVersion, ...claim } });
  }

  const plan = planTopic(spec, observed.topic);
  for (const action of plan.actions) steps.push({ type: 'topicAction', action });
  const events: EventNote[] = plan.actions.map(eventFor);
  if (adopted) {
    events.unshift({
      type: 'Normal',
      reason: 'TopicAdopted',
      action: 'Adopt',
      note: `adopted existing Kafka topic ${spec.name}`,
    });
  }

  // After the actions: the spec where it could be applied, the observed value where it was refused.
  const partitions = Math.max(spec.partitions, observed.topic?.partitions ?? 0);
  const replicationFactor = observed.topic?.replicationFactor ?? spec.replicationFactor;

  if (plan.refusals.length > 0) {
    const ready = refusalReady(plan.refusals);
    return {
      steps,
      status: buildStatus(resource, 'direct', ready, { ...topicFields, partitions, replicationFactor }, ctx.now),
      events: [...events, ...warnOnce(resource, ready.reason, ready.message)],
    };
  }
  const message = `Kafka topic ${spec.name} has ${partitions} partitions, replication factor ${replicationFactor} and the configured overrides`;
  return {
    steps,
    status: buildStatus(
      resource,
      'direct',
      { status: 'True', reason: Reasons.TopicReady, message },
      { ...topicFields, partitions, replicationFactor },
      ctx.now,
    ),
    events,
  };
}

function observedFields(observed: DirectObservation): { partitions?: number; replicationFactor?: number } {
  return observed.topic
    ? { partitions: observed.topic.partitions, replicationFactor: observed.topic.replicationFactor }
    : {};
}

function eventFor(action: TopicAction): EventNote {
  switch (action.type) {
    case 'create':
      return {
        type: 'Normal',
        reason: 'TopicCreated',
        action: 'Create',
        note: `created Kafka topic ${action.topic} with ${action.partitions} partitions, replication factor ${action.replicationFactor}`,
      };
    case 'addPartitions':
      return {
        type: 'Normal',
        reason: 'PartitionsIncreased',
        action: 'Update',
        note: `increased partitions of ${action.topic} from ${action.from} to ${action.to}`,
      };
    case 'alterConfig':
      return {
        type: 'Normal',
        reason: 'ConfigUpdated',
        action: 'Update',
        note: `set config of ${action.topic}: ${action.drift
          .map((d) => `${d.key} ${d.observed ?? '(default)'} -> ${d.desired ?? '(default)'}`)
          .join(', ')}`,
      };
  }
}

/**
 * Deletion: with the finalizer in place, delete the Kafka topic when the policy says Delete and
 * this resource manages it (a foreign topic is never deleted), then release the finalizer.
 */
function decideDirectDeletion(resource: EventTopic, observed: DirectObservation): Decision {
  if (!hasFinalizer(resource)) return { steps: [], events: [] };
  const managedTopic = resource.metadata.annotations?.[MANAGED_TOPIC_ANNOTATION];
  const policy = resource.spec?.deletionPolicy ?? EVENT_TOPIC_DEFAULTS.deletionPolicy;
  const steps: Step[] = [];
  const events: EventNote[] = [];
  if (managedTopic !== undefined && policy === 'Delete' && observed.topic) {
    steps.push({ type: 'deleteTopic', topic: managedTopic });
    events.push({
      type: 'Normal',
      reason: 'TopicDeleted',
      action: 'Delete',
      note: `deleted Kafka topic ${managedTopic}`,
    });
  } else if (managedTopic !== undefined && observed.topic) {
    events.push({
      type: 'Normal',
      reason: 'TopicRetained',
      action: 'Retain',
      note: `kept Kafka topic ${managedTopic} (deletionPolicy ${policy})`,
    });
  }
  steps.push({ type: 'patchMetadata', patch: removeFinalizerPatch(resource) });
  return { steps, events };
}
