import type { ObservedTopic, TopicAction } from '@ecom/kit/topics';
import type { EventTopicStatus } from '../../api/eventtopic.js';
import type { EventNote } from '../../runtime/events.js';
import type { KafkaTopic } from './kafka-topic.js';

/**
 * A JSON merge patch of the EventTopic's metadata. `resourceVersion` makes it conditional, so a
 * finalizer list is never written over a newer one (the API server answers 409 and we retry).
 */
export interface MetadataPatch {
  resourceVersion?: string;
  finalizers?: string[];
  /** `null` removes an annotation. */
  annotations?: Record<string, string | null>;
}

/** One side effect, in the order the I/O layer must carry them out. */
export type Step =
  | { type: 'patchMetadata'; patch: MetadataPatch }
  | { type: 'topicAction'; action: TopicAction }
  | { type: 'deleteTopic'; topic: string }
  | { type: 'applyKafkaTopic'; object: KafkaTopic }
  | { type: 'annotateKafkaTopic'; namespace: string; name: string; annotations: Record<string, string> }
  | { type: 'deleteKafkaTopic'; namespace: string; name: string };

/** A Kubernetes Event to record once the steps succeeded. */
export type { EventNote };

export interface Decision {
  steps: Step[];
  /** The status to hold after the steps; undefined when the resource is going away. */
  status?: EventTopicStatus;
  events: EventNote[];
  /** Look again after this long even without a watch event (e.g. waiting for a deletion). */
  requeueAfterMs?: number;
}

/** What the direct mode observed in Kafka. */
export interface DirectObservation {
  mode: 'direct';
  /** The topic as Kafka describes it; undefined when it does not exist. */
  topic: ObservedTopic | undefined;
  /** Brokers in the cluster; needed only when fitting the replication factor. */
  brokerCount?: number;
}

/** What the strimzi mode observed: the KafkaTopic of the same name, if any. */
export interface StrimziObservation {
  mode: 'strimzi';
  kafkaTopic: KafkaTopic | undefined;
}

export type Observation = DirectObservation | StrimziObservation;

export interface DecideContext {
  now: Date;
  /** Cap the replication factor (and min.insync.replicas) at the broker count: for one-broker dev clusters. */
  fitReplicationToBrokers: boolean;
  /** strimzi mode: value of the strimzi.io/cluster label. */
  strimziCluster?: string;
}
