import { describe, expect, it } from 'vitest';
import { configDrift, fitToCluster, isEmptyPlan, planTopic } from './plan.js';
import type { ObservedTopic, TopicSpec } from './types.js';

const spec: TopicSpec = {
  name: 'ecom.orders',
  partitions: 6,
  replicationFactor: 3,
  config: { 'retention.ms': '604800000', 'min.insync.replicas': '2' },
  deletionPolicy: 'Retain',
};
const matching: ObservedTopic = {
  name: 'ecom.orders',
  partitions: 6,
  replicationFactor: 3,
  config: { ...spec.config },
};

describe('planTopic', () => {
  it('creates a missing topic with its partitions, replication factor and config', () => {
    expect(planTopic(spec, undefined)).toEqual({
      topic: 'ecom.orders',
      actions: [{ type: 'create', topic: 'ecom.orders', partitions: 6, replicationFactor: 3, config: spec.config }],
      refusals: [],
    });
  });

  it('does nothing when the topic matches', () => {
    expect(isEmptyPlan(planTopic(spec, matching))).toBe(true);
  });

  it('grows partitions', () => {
    const plan = planTopic({ ...spec, partitions: 12 }, matching);
    expect(plan.actions).toEqual([{ type: 'addPartitions', topic: 'ecom.orders', from: 6, to: 12 }]);
    expect(plan.refusals).toEqual([]);
  });

  it('refuses a partition decrease and leaves the partitions alone', () => {
    const plan = planTopic({ ...spec, partitions: 3 }, matching);
    expect(plan.actions).toEqual([]);
    expect(plan.refusals).toHaveLength(1);
    expect(plan.refusals[0]?.reason).toBe('PartitionDecreaseRefused');
    expect(plan.refusals[0]?.message).toContain('has 6');
  });

  it('refuses a replication factor change', () => {
    const plan = planTopic({ ...spec, replicationFactor: 1 }, matching);
    expect(plan.actions).toEqual([]);
    expect(plan.refusals.map((r) => r.reason)).toEqual(['ReplicationFactorChangeRefused']);
  });

  it('corrects config drift: a changed value and an override the spec does not have', () => {
    const plan = planTopic(spec, {
      ...matching,
      config: { 'retention.ms': '1000', 'min.insync.replicas': '2', 'max.message.bytes': '10' },
    });
    expect(plan.actions).toEqual([
      {
        type: 'alterConfig',
        topic: 'ecom.orders',
        config: spec.config,
        drift: [
          { key: 'max.message.bytes', desired: undefined, observed: '10' },
          { key: 'retention.ms', desired: '604800000', observed: '1000' },
        ],
      },
    ]);
  });

  it('still corrects config while refusing a partition decrease', () => {
    const plan = planTopic({ ...spec, partitions: 1 }, { ...matching, config: {} });
    expect(plan.actions.map((a) => a.type)).toEqual(['alterConfig']);
    expect(plan.refusals.map((r) => r.reason)).toEqual(['PartitionDecreaseRefused']);
  });
});

describe('configDrift', () => {
  it('is empty for equal maps regardless of key order', () => {
    expect(configDrift({ a: '1', b: '2' }, { b: '2', a: '1' })).toEqual([]);
  });
});

describe('fitToCluster', () => {
  it('caps the replication factor and min.insync.replicas at the broker count', () => {
    expect(fitToCluster(spec, 1)).toMatchObject({ replicationFactor: 1, config: { 'min.insync.replicas': '1' } });
  });

  it('leaves a spec that fits unchanged', () => {
    expect(fitToCluster(spec, 3)).toEqual(spec);
  });
});
