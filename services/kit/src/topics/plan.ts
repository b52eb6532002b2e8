import type { ConfigDrift, ObservedTopic, Refusal, TopicAction, TopicPlan, TopicSpec } from './types.js';

/**
 * Compares a topic's spec with what the cluster has and returns the admin actions that close the
 * gap. Pure: the caller observes and acts. An empty plan means the topic matches its spec.
 */
export function planTopic(desired: TopicSpec, observed: ObservedTopic | undefined): TopicPlan {
  const topic = desired.name;
  if (!observed) {
    return {
      topic,
      actions: [
        {
          type: 'create',
          topic,
          partitions: desired.partitions,
          replicationFactor: desired.replicationFactor,
          config: { ...desired.config },
        },
      ],
      refusals: [],
    };
  }

  const actions: TopicAction[] = [];
  const refusals: Refusal[] = [];

  if (desired.partitions > observed.partitions) {
    actions.push({ type: 'addPartitions', topic, from: observed.partitions, to: desired.partitions });
  } else if (desired.partitions < observed.partitions) {
    refusals.push({
      reason: 'PartitionDecreaseRefused',
      message: `spec asks for ${desired.partitions} partitions but topic ${topic} has ${observed.partitions}; Kafka cannot remove partitions, so the topic keeps ${observed.partitions}`,
    });
  }

  if (desired.replicationFactor !== observed.replicationFactor) {
    refusals.push({
      reason: 'ReplicationFactorChangeRefused',
      message: `spec asks for replication factor ${desired.replicationFactor} but topic ${topic} has ${observed.replicationFactor}; changing it needs a partition reassignment, which this operator does not do`,
    });
  }

  const drift = configDrift(desired.config, observed.config);
  if (drift.length > 0) {
    actions.push({ type: 'alterConfig', topic, config: { ...desired.config }, drift });
  }

  return { topic, actions, refusals };
}

/** Every key whose observed override differs from the spec, including overrides the spec does not have. */
export function configDrift(desired: Record<string, string>, observed: Record<string, string>): ConfigDrift[] {
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(observed)])].sort();
  return keys
    .filter((key) => desired[key] !== observed[key])
    .map((key) => ({ key, desired: desired[key], observed: observed[key] }));
}

/**
 * Fits a spec written for a production cluster to a smaller one: the replication factor cannot
 * exceed the broker count, and `min.insync.replicas` cannot exceed the replication factor, or
 * every acks=all write would fail.
 */
export function fitToCluster(spec: TopicSpec, brokerCount: number): TopicSpec {
  const replicationFactor = Math.min(spec.replicationFactor, brokerCount);
  const config = { ...spec.config };
  const minIsr = config['min.insync.replicas'];
  if (minIsr !== undefined && Number(minIsr) > replicationFactor) {
    config['min.insync.replicas'] = String(replicationFactor);
  }
  return { ...spec, replicationFactor, config };
}

export function isEmptyPlan(plan: TopicPlan): boolean {
  return plan.actions.length === 0 && plan.refusals.length === 0;
}
