import { type EVENT_TOPIC_API_VERSION, EVENT_TOPIC_DEFAULTS, EVENT_TOPIC_KIND } from '@ecom/kit/topics';
import { conditionSchema } from './condition.js';
import type { CustomResourceDescription } from './crd.js';
import type { ObjectMeta } from './meta.js';
import { array, type Infer, integer, map, object, string, stringEnum } from './schema.js';

export const ECOM_GROUP = 'ecom.dev';
export const ECOM_VERSION = 'v1alpha1';

/** Kafka's legal topic names; `.` and `..` are excluded by a CEL rule since RE2 has no lookahead. */
const KAFKA_TOPIC_NAME = '^[a-zA-Z0-9._-]+$';

export const eventTopicSpecSchema = object(
  {
    topicName: string({
      description:
        'Name of the Kafka topic (letters, digits, ".", "_", "-"; at most 249). Defaults to metadata.name. Cannot be changed once set: a rename would leave the old topic behind.',
      pattern: KAFKA_TOPIC_NAME,
      minLength: 1,
      maxLength: 249,
      'x-kubernetes-validations': [{ rule: "self != '.' && self != '..'", message: 'topicName cannot be "." or ".."' }],
    }),
    partitions: integer({
      description:
        'Number of partitions. Partitions can only grow: Kafka cannot remove them, so a lower value leaves the topic as it is and sets Ready=False with reason PartitionDecreaseRefused.',
      minimum: 1,
      maximum: 10000,
    }),
    replicationFactor: integer({
      description: `Copies of each partition across brokers. Fixed after creation: a change sets Ready=False with reason ReplicationFactorChangeRefused. Defaults to ${EVENT_TOPIC_DEFAULTS.replicationFactor}.`,
      minimum: 1,
      maximum: 32,
      default: EVENT_TOPIC_DEFAULTS.replicationFactor,
    }),
    config: map(string({ description: 'A Kafka topic config value.' }), {
      description:
        'Topic-level Kafka config overrides (e.g. retention.ms, cleanup.policy, min.insync.replicas), values as strings. Overrides not listed here are removed, so the topic falls back to the broker default.',
    }),
    deletionPolicy: stringEnum(['Delete', 'Retain'] as const, {
      description:
        'What deleting this resource does to the Kafka topic: Delete deletes the topic (and its data), Retain leaves it in the cluster.',
      default: EVENT_TOPIC_DEFAULTS.deletionPolicy,
    }),
  },
  {
    description: 'The Kafka topic this resource asks for.',
    required: ['partitions'],
    'x-kubernetes-validations': [
      {
        rule: 'has(self.topicName) == has(oldSelf.topicName) && (!has(self.topicName) || self.topicName == oldSelf.topicName)',
        message: 'spec.topicName cannot be added, removed or changed after creation',
      },
    ],
  },
);

export const eventTopicStatusSchema = object(
  {
    conditions: array(conditionSchema, {
      description: 'Observations of the topic. Ready=True when the Kafka topic matches the spec.',
      listType: 'map',
      mapKeys: ['type'],
    }),
    observedGeneration: integer({
      description: 'The metadata.generation the operator last reconciled.',
      minimum: 0,
    }),
    topicName: string({ description: 'Name of the Kafka topic this resource manages.' }),
    partitions: integer({
      description: 'Partitions the Kafka topic has (or, in strimzi mode, its KafkaTopic asks for).',
      minimum: 0,
    }),
    replicationFactor: integer({ description: 'Replication factor of the Kafka topic.', minimum: 0 }),
    mode: stringEnum(['direct', 'strimzi'] as const, {
      description: 'How the operator manages the topic: direct (Kafka Admin API) or strimzi (through a KafkaTopic).',
    }),
  },
  { description: 'What the operator observed and did, written through the status subresource.' },
);

export type EventTopicSpec = Infer<typeof eventTopicSpecSchema>;
export type EventTopicStatus = Infer<typeof eventTopicStatusSchema>;
export type OperatorMode = NonNullable<EventTopicStatus['mode']>;

export interface EventTopic {
  apiVersion: typeof EVENT_TOPIC_API_VERSION;
  kind: typeof EVENT_TOPIC_KIND;
  metadata: ObjectMeta;
  spec: EventTopicSpec;
  status?: EventTopicStatus;
}

export const eventTopicCrd: CustomResourceDescription<EventTopicSpec, EventTopicStatus> = {
  group: ECOM_GROUP,
  version: ECOM_VERSION,
  kind: EVENT_TOPIC_KIND,
  plural: 'eventtopics',
  singular: 'eventtopic',
  shortNames: ['et'],
  categories: ['ecom'],
  scope: 'Namespaced',
  description:
    'EventTopic declares a Kafka topic: partitions, replication factor, config and what deleting it does. The ecom operator creates and corrects the topic directly through the Kafka Admin API, or through a Strimzi KafkaTopic.',
  spec: eventTopicSpecSchema,
  status: eventTopicStatusSchema,
  printerColumns: [
    { name: 'Topic', type: 'string', jsonPath: '.status.topicName', description: 'Kafka topic name' },
    { name: 'Partitions', type: 'integer', jsonPath: '.status.partitions', description: 'Partitions of the topic' },
    { name: 'Replicas', type: 'integer', jsonPath: '.status.replicationFactor', description: 'Replication factor' },
    {
      name: 'Ready',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
      description: 'Whether the topic matches the spec',
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' },
  ],
};

/** The finalizer that lets the operator apply the deletion policy before the resource goes away. */
export const TOPIC_FINALIZER = 'ecom.dev/topic-protection';
/** Set by the user to let the operator take over a topic that already exists. */
export const ADOPT_ANNOTATION = 'ecom.dev/adopt';
/**
 * Set by the operator: the Kafka topic it manages for this resource. Written before the topic is
 * created, so a crash between the two cannot make the operator's own topic look foreign.
 */
export const MANAGED_TOPIC_ANNOTATION = 'ecom.dev/managed-topic';
/** Set by the operator: `created` or `adopted`, how the topic came under management. */
export const OWNERSHIP_ANNOTATION = 'ecom.dev/ownership';
