import { fitToCluster, type Refusal, type TopicSpec, TopicSpecError, topicSpecFromResource } from '@ecom/kit/topics';
import type { Condition } from '../../api/condition.js';
import {
  type EventTopic,
  type EventTopicStatus,
  MANAGED_TOPIC_ANNOTATION,
  type OperatorMode,
  TOPIC_FINALIZER,
} from '../../api/eventtopic.js';
import { objectKey } from '../../api/meta.js';
import { type ConditionUpdate, findCondition, setCondition } from '../../runtime/conditions.js';
import type { DecideContext, EventNote, MetadataPatch } from './types.js';

export const READY = 'Ready';

/** Ready reasons this controller sets (besides the plan's refusal reasons). */
export const Reasons = {
  TopicReady: 'TopicReady',
  InvalidSpec: 'InvalidSpec',
  TopicExistsNotManaged: 'TopicExistsNotManaged',
  TopicNameChangeRefused: 'TopicNameChangeRefused',
  Pending: 'Pending',
  ReconcileError: 'ReconcileError',
} as const;

export type SpecResult = { ok: true; spec: TopicSpec } | { ok: false; message: string };

/** The resource's spec after CRD defaults, validated; `source` in messages is namespace/name. */
export function specOf(resource: EventTopic, ctx: DecideContext, brokerCount: number | undefined): SpecResult {
  try {
    const spec = topicSpecFromResource(resource, objectKey(resource.metadata));
    if (ctx.fitReplicationToBrokers && brokerCount !== undefined && brokerCount > 0) {
      return { ok: true, spec: fitToCluster(spec, brokerCount) };
    }
    return { ok: true, spec };
  } catch (error) {
    if (error instanceof TopicSpecError) return { ok: false, message: error.message };
    throw error;
  }
}

export function isDeleting(resource: EventTopic): boolean {
  return resource.metadata.deletionTimestamp !== undefined && resource.metadata.deletionTimestamp !== null;
}

export function hasFinalizer(resource: EventTopic): boolean {
  return resource.metadata.finalizers?.includes(TOPIC_FINALIZER) ?? false;
}

export function removeFinalizerPatch(resource: EventTopic): MetadataPatch {
  return {
    resourceVersion: resource.metadata.resourceVersion,
    finalizers: (resource.metadata.finalizers ?? []).filter((f) => f !== TOPIC_FINALIZER),
  };
}

/** The status a reconcile leaves, with Ready merged so its transition time only moves on a status change. */
export function buildStatus(
  resource: EventTopic,
  mode: OperatorMode,
  ready: Omit<ConditionUpdate, 'type' | 'observedGeneration'>,
  topic: { topicName?: string; partitions?: number; replicationFactor?: number },
  now: Date,
): EventTopicStatus {
  const generation = resource.metadata.generation;
  const conditions = setCondition(
    resource.status?.conditions,
    { type: READY, ...ready, ...(generation !== undefined ? { observedGeneration: generation } : {}) },
    now,
  );
  const status: EventTopicStatus = { conditions, mode };
  if (generation !== undefined) status.observedGeneration = generation;
  if (topic.topicName !== undefined) status.topicName = topic.topicName;
  if (topic.partitions !== undefined) status.partitions = topic.partitions;
  if (topic.replicationFactor !== undefined) status.replicationFactor = topic.replicationFactor;
  return status;
}

export function previousReady(resource: EventTopic): Condition | undefined {
  return findCondition(resource.status?.conditions, READY);
}

/**
 * A warning is recorded when a problem is new: a different reason than last time, or a new
 * generation of the spec. Resyncs that find the same problem stay quiet instead of flooding Events.
 */
export function isNewProblem(resource: EventTopic, reason: string): boolean {
  const prev = previousReady(resource);
  return prev?.reason !== reason || prev.observedGeneration !== resource.metadata.generation;
}

export function warnOnce(resource: EventTopic, reason: string, note: string): EventNote[] {
  return isNewProblem(resource, reason) ? [{ type: 'Warning', reason, action: 'Refuse', note }] : [];
}

/** One Ready=False update for the plan's refusals: the first reason, every message. */
export function refusalReady(refusals: readonly Refusal[]): Omit<ConditionUpdate, 'type' | 'observedGeneration'> {
  return {
    status: 'False',
    reason: refusals[0]?.reason ?? 'Refused',
    message: refusals.map((r) => r.message).join('; '),
  };
}

export function invalidSpecReady(message: string): Omit<ConditionUpdate, 'type' | 'observedGeneration'> {
  return { status: 'False', reason: Reasons.InvalidSpec, message };
}

/**
 * The Kafka topic this resource is about: the one it manages when it has claimed one, else the
 * name its spec asks for. The I/O layer observes this name before calling decide.
 */
export function topicNameOf(resource: EventTopic): string {
  return (
    resource.metadata.annotations?.[MANAGED_TOPIC_ANNOTATION] ??
    resource.spec?.topicName ??
    resource.metadata.name ??
    ''
  );
}
