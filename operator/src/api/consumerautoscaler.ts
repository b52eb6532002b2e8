import { conditionSchema } from './condition.js';
import type { CustomResourceDescription } from './crd.js';
import { ECOM_GROUP, ECOM_VERSION } from './eventtopic.js';
import type { ObjectMeta } from './meta.js';
import { array, type Infer, integer, object, string, stringEnum } from './schema.js';

export const CONSUMER_AUTOSCALER_KIND = 'ConsumerAutoscaler';
export const CONSUMER_AUTOSCALER_API_VERSION = `${ECOM_GROUP}/${ECOM_VERSION}` as const;

/** The defaults the CRD applies; the controller reads a spec through `withDefaults` with the same values. */
export const CONSUMER_AUTOSCALER_DEFAULTS = {
  targetApiVersion: 'apps/v1',
  targetKind: 'Deployment',
  lagThreshold: 100,
  activationLagThreshold: 0,
  minReplicas: 1,
  maxReplicas: 100,
  pollIntervalSeconds: 15,
  offsetResetPolicy: 'earliest',
  scaleUpStabilizationWindowSeconds: 0,
  scaleDownStabilizationWindowSeconds: 300,
} as const;

/** The HPA's bound for a stabilization window (one hour). */
const MAX_WINDOW_SECONDS = 3600;
const D = CONSUMER_AUTOSCALER_DEFAULTS;

const scalingRulesSchema = (direction: 'up' | 'down', defaultWindow: number) =>
  object(
    {
      stabilizationWindowSeconds: integer({
        description:
          direction === 'down'
            ? `How long past recommendations count when scaling down, as the HorizontalPodAutoscaler does it: the target shrinks only to the highest replica count recommended within the window, so a lag dip does not remove consumers (and trigger a rebalance) that are needed again a minute later. 0 to ${MAX_WINDOW_SECONDS}; defaults to ${defaultWindow}.`
            : `How long past recommendations count when scaling up: the target grows only to the lowest replica count recommended within the window, so a short burst of lag does not add consumers. 0 (the default) scales up at once; at most ${MAX_WINDOW_SECONDS}.`,
        minimum: 0,
        maximum: MAX_WINDOW_SECONDS,
        default: defaultWindow,
      }),
    },
    {
      description: `Scale-${direction} behaviour (the HorizontalPodAutoscaler's behavior.scale${direction === 'up' ? 'Up' : 'Down'}).`,
      default: {},
    },
  );

export const consumerAutoscalerSpecSchema = object(
  {
    scaleTargetRef: object(
      {
        apiVersion: string({
          description: `API version of the target, group/version (e.g. apps/v1, argoproj.io/v1alpha1). Defaults to ${D.targetApiVersion}.`,
          pattern: '^[a-z0-9.-]+/[a-z0-9]+$',
          default: D.targetApiVersion,
        }),
        kind: string({
          description: `Kind of the target; any kind with a /scale subresource (Deployment, StatefulSet, a custom resource that declares one). Defaults to ${D.targetKind}.`,
          minLength: 1,
          default: D.targetKind,
        }),
        name: string({ description: "Name of the target, in this resource's namespace.", minLength: 1 }),
      },
      {
        description:
          'The workload that runs the consumers. The operator changes its replicas through the /scale subresource only, as the HorizontalPodAutoscaler does, so no other field of it is touched.',
        required: ['name'],
      },
    ),
    consumerGroup: string({
      description: "The Kafka consumer group whose lag drives the scaling (the group the target's consumers join).",
      minLength: 1,
      maxLength: 255,
    }),
    topics: array(
      string({
        description: 'A Kafka topic name.',
        pattern: '^[a-zA-Z0-9._-]+$',
        minLength: 1,
        maxLength: 249,
      }),
      {
        description:
          'Topics whose lag counts. Empty (the default): every topic the group has committed offsets for. Name them when the group may have no offsets yet (a new consumer), or its lag cannot be seen.',
        listType: 'set',
      },
    ),
    lagThreshold: integer({
      description: `Target lag per replica: desired replicas = ceil(total lag / lagThreshold), within minReplicas and the effective maximum. Greater than 0; defaults to ${D.lagThreshold}.`,
      minimum: 1,
      default: D.lagThreshold,
    }),
    activationLagThreshold: integer({
      description: `At or below this total lag the autoscaler is inactive (Active=False): with minReplicas 0 the target scales to zero, and a target at zero stays there until the lag exceeds it. Defaults to ${D.activationLagThreshold}.`,
      minimum: 0,
      default: D.activationLagThreshold,
    }),
    minReplicas: integer({
      description: `Fewest replicas. 0 allows scaling to zero while inactive (see activationLagThreshold). Honoured even above the partition count. Defaults to ${D.minReplicas}.`,
      minimum: 0,
      default: D.minReplicas,
    }),
    maxReplicas: integer({
      description: `Most replicas. The effective maximum is min(maxReplicas, partitions of the topics): a consumer beyond one per partition gets nothing to read, and ScalingLimited=True with reason CappedAtPartitions says when that cap applies. Defaults to ${D.maxReplicas}.`,
      minimum: 1,
      default: D.maxReplicas,
    }),
    pollIntervalSeconds: integer({
      description: `How often the lag is read and the target scaled, in seconds (1 to 3600). Defaults to ${D.pollIntervalSeconds}.`,
      minimum: 1,
      maximum: 3600,
      default: D.pollIntervalSeconds,
    }),
    offsetResetPolicy: stringEnum(['earliest', 'latest'] as const, {
      description: `Lag of a partition the group has no committed offset for (or one outside the log, e.g. deleted by retention), matching the consumers' auto.offset.reset: earliest counts the whole log (log end - log start), latest counts 0. The ecom services read from the beginning: earliest. Defaults to ${D.offsetResetPolicy}.`,
      default: D.offsetResetPolicy,
    }),
    scaleUp: scalingRulesSchema('up', D.scaleUpStabilizationWindowSeconds),
    scaleDown: scalingRulesSchema('down', D.scaleDownStabilizationWindowSeconds),
  },
  {
    description: "Which workload to scale, on which consumer group's lag, and how.",
    required: ['scaleTargetRef', 'consumerGroup'],
    'x-kubernetes-validations': [
      {
        rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
        message: 'spec.minReplicas cannot be greater than spec.maxReplicas',
      },
    ],
  },
);

export const consumerAutoscalerStatusSchema = object(
  {
    conditions: array(conditionSchema, {
      description:
        'Ready: the lag was read and the target can be scaled (reasons LagUnavailable, TargetNotFound, TargetConflict, TopicNotFound, NoTopics when not). Active: the lag is above activationLagThreshold. ScalingLimited: the desired count was held or bounded (CappedAtPartitions, TooManyReplicas, TooFewReplicas, ScaleUpStabilized, ScaleDownStabilized, Rebalancing, LagUnavailable, TargetNotFound, TargetConflict).',
      listType: 'map',
      mapKeys: ['type'],
    }),
    observedGeneration: integer({ description: 'The metadata.generation the operator last acted on.', minimum: 0 }),
    totalLag: integer({
      description:
        'Records the group has yet to consume, summed over the partitions of the topics. Absent while it cannot be read.',
      minimum: 0,
    }),
    timeLagSeconds: integer({
      description:
        'Age in seconds of the oldest record the group has not consumed yet: the timestamp of the record at the committed offset, the oldest over the partitions with lag. 0 without lag; absent while it cannot be read.',
      minimum: 0,
    }),
    partitions: integer({ description: 'Partitions of the topics, summed: the cap on useful replicas.', minimum: 0 }),
    partitionsWithoutOffset: integer({
      description: 'Partitions the group has no usable committed offset for; their lag follows offsetResetPolicy.',
      minimum: 0,
    }),
    groupState: string({
      description:
        'State of the consumer group at the last read (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead).',
    }),
    topics: array(
      object(
        {
          name: string({ description: 'The topic.' }),
          partitions: integer({ description: 'Its partitions.', minimum: 0 }),
          lag: integer({ description: "The group's lag on it.", minimum: 0 }),
        },
        { description: 'Lag on one topic.', required: ['name', 'partitions', 'lag'] },
      ),
      { description: 'Lag per topic at the last read.', listType: 'map', mapKeys: ['name'] },
    ),
    currentReplicas: integer({ description: 'Replicas the target had at the last read of its /scale.', minimum: 0 }),
    desiredReplicas: integer({
      description: 'Replicas the operator last decided on (and set, when they differed).',
      minimum: 0,
    }),
    lastScaleTime: string({
      description: "When the operator last changed the target's replicas.",
      format: 'date-time',
    }),
    lastDecision: string({ description: 'Why the desired replica count is what it is, in words.' }),
    recommendations: array(
      object(
        {
          replicas: integer({ description: 'A recommended replica count (before stabilization).', minimum: 0 }),
          time: string({ description: 'The last time it was recommended.', format: 'date-time' }),
        },
        { description: 'One past recommendation.', required: ['replicas', 'time'] },
      ),
      {
        description:
          'Recent recommendations, each replica count with the last time it was recommended, kept for the longer stabilization window. Kept in status, so a restarted or new leader operator honours the windows (the HorizontalPodAutoscaler forgets them on restart).',
        listType: 'atomic',
      },
    ),
  },
  { description: 'What the operator observed and decided, written through the status subresource.' },
);

export type ConsumerAutoscalerSpec = Infer<typeof consumerAutoscalerSpecSchema>;
export type ConsumerAutoscalerStatus = Infer<typeof consumerAutoscalerStatusSchema>;
export type OffsetResetPolicy = NonNullable<ConsumerAutoscalerSpec['offsetResetPolicy']>;

export interface ConsumerAutoscaler {
  apiVersion: typeof CONSUMER_AUTOSCALER_API_VERSION;
  kind: typeof CONSUMER_AUTOSCALER_KIND;
  metadata: ObjectMeta;
  spec: ConsumerAutoscalerSpec;
  status?: ConsumerAutoscalerStatus;
}

export const consumerAutoscalerCrd: CustomResourceDescription<ConsumerAutoscalerSpec, ConsumerAutoscalerStatus> = {
  group: ECOM_GROUP,
  version: ECOM_VERSION,
  kind: CONSUMER_AUTOSCALER_KIND,
  plural: 'consumerautoscalers',
  singular: 'consumerautoscaler',
  shortNames: ['cas'],
  categories: ['ecom'],
  scope: 'Namespaced',
  description:
    "ConsumerAutoscaler scales a consumer workload on its Kafka consumer group's lag: ceil(lag / lagThreshold) replicas, within minReplicas and min(maxReplicas, partitions), with an activation threshold (scale to zero) and HorizontalPodAutoscaler-style stabilization windows. A failed lag read holds the replicas, and nothing is scaled while the group rebalances.",
  spec: consumerAutoscalerSpecSchema,
  status: consumerAutoscalerStatusSchema,
  printerColumns: [
    { name: 'Target', type: 'string', jsonPath: '.spec.scaleTargetRef.name', description: 'The scaled workload' },
    {
      name: 'Group',
      type: 'string',
      jsonPath: '.spec.consumerGroup',
      description: 'The consumer group',
      priority: 1,
    },
    { name: 'Lag', type: 'integer', jsonPath: '.status.totalLag', description: 'Total lag of the group' },
    {
      name: 'TimeLag',
      type: 'integer',
      jsonPath: '.status.timeLagSeconds',
      description: 'Age in seconds of the oldest unconsumed record',
      priority: 1,
    },
    { name: 'Current', type: 'integer', jsonPath: '.status.currentReplicas', description: 'Replicas of the target' },
    { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas', description: 'Replicas decided on' },
    { name: 'Min', type: 'integer', jsonPath: '.spec.minReplicas', description: 'Fewest replicas', priority: 1 },
    { name: 'Max', type: 'integer', jsonPath: '.spec.maxReplicas', description: 'Most replicas', priority: 1 },
    {
      name: 'Ready',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
      description: 'Whether lag and target could be read',
    },
    {
      name: 'Active',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Active")].status',
      description: 'Whether the lag is above the activation threshold',
      priority: 1,
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' },
  ],
};
