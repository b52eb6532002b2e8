import type { Condition } from '../../api/condition.js';
import type { ObjectMeta } from '../../api/meta.js';

export const KAFKA_TOPIC_API_VERSION = 'kafka.strimzi.io/v1';
export const KAFKA_TOPIC_KIND = 'KafkaTopic';
export const KAFKA_TOPIC_GROUP = 'kafka.strimzi.io';
export const KAFKA_TOPIC_VERSION = 'v1';
export const KAFKA_TOPIC_PLURAL = 'kafkatopics';
/** Strimzi's label naming the Kafka cluster a KafkaTopic belongs to. */
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';
/** Strimzi's annotation: "false" makes the topic operator leave the Kafka topic alone, also on delete. */
export const STRIMZI_MANAGED_ANNOTATION = 'strimzi.io/managed';

/** The parts of a Strimzi KafkaTopic (kafka.strimzi.io/v1) this operator writes and reads. */
export interface KafkaTopic {
  apiVersion: typeof KAFKA_TOPIC_API_VERSION;
  kind: typeof KAFKA_TOPIC_KIND;
  metadata: ObjectMeta;
  spec?: {
    topicName?: string;
    partitions?: number;
    replicas?: number;
    config?: Record<string, string | number | boolean>;
  };
  status?: {
    conditions?: Partial<Condition>[];
    observedGeneration?: number;
    topicName?: string;
  };
}
