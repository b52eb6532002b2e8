import { describe, expect, it } from 'vitest';
import type { EventTopic } from '../../api/eventtopic.js';
import { decide } from './decide.js';
import { desiredKafkaTopic, mirrorReady } from './decide-strimzi.js';
import type { KafkaTopic } from './kafka-topic.js';
import type { DecideContext } from './types.js';

const now = new Date('2026-01-01T00:00:00Z');
const ctx: DecideContext = { now, fitReplicationToBrokers: false, strimziCluster: 'my-cluster' };
const config = { 'retention.ms': '604800000' };

function resource(meta: Partial<EventTopic['metadata']> = {}, spec: Partial<EventTopic['spec']> = {}): EventTopic {
  return {
    apiVersion: 'ecom.dev/v1alpha1',
    kind: 'EventTopic',
    metadata: {
      name: 'ecom.orders',
      namespace: 'ns',
      uid: 'u1',
      generation: 1,
      resourceVersion: '10',
      finalizers: ['ecom.dev/topic-protection'],
      ...meta,
    },
    spec: { partitions: 6, replicationFactor: 3, config, deletionPolicy: 'Retain', ...spec },
  };
}

function kafkaTopic(status?: KafkaTopic['status'], patch: Partial<KafkaTopic['metadata']> = {}): KafkaTopic {
  const kt = desiredKafkaTopic(
    resource(),
    { name: 'ecom.orders', partitions: 6, replicationFactor: 3, config, deletionPolicy: 'Retain' },
    'my-cluster',
  );
  return { ...kt, metadata: { ...kt.metadata, generation: 1, ...patch }, ...(status ? { status } : {}) };
}

const strimzi = (kt: KafkaTopic | undefined) => ({ mode: 'strimzi' as const, kafkaTopic: kt });

describe('decide (strimzi mode)', () => {
  it('applies an owned KafkaTopic with the cluster label and reports Ready=Unknown Pending', () => {
    const d = decide(resource({ finalizers: [] }), strimzi(undefined), ctx);
    expect(d.steps[0]).toEqual({
      type: 'patchMetadata',
      patch: { resourceVersion: '10', finalizers: ['ecom.dev/topic-protection'] },
    });
    expect(d.steps[1]).toEqual({
      type: 'applyKafkaTopic',
      object: {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaTopic',
        metadata: {
          name: 'ecom.orders',
          namespace: 'ns',
          labels: { 'strimzi.io/cluster': 'my-cluster', 'app.kubernetes.io/managed-by': 'ecom-operator' },
          ownerReferences: [
            {
              apiVersion: 'ecom.dev/v1alpha1',
              kind: 'EventTopic',
              name: 'ecom.orders',
              uid: 'u1',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: { topicName: 'ecom.orders', partitions: 6, replicas: 3, config },
      },
    });
    expect(d.status?.conditions?.[0]).toMatchObject({ status: 'Unknown', reason: 'Pending' });
    expect(d.status?.mode).toBe('strimzi');
  });

  it('does not re-apply a matching KafkaTopic and mirrors its Ready condition', () => {
    const kt = kafkaTopic({
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'TopicReady', message: 'ok' }],
    });
    const d = decide(resource(), strimzi(kt), ctx);
    expect(d.steps).toEqual([]);
    expect(d.status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'TopicReady', message: 'ok' });
  });

  it('carries a KafkaTopic Ready=False over with its reason and message', () => {
    const kt = kafkaTopic({
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'False', reason: 'KafkaError', message: 'broker down' }],
    });
    expect(decide(resource(), strimzi(kt), ctx).status?.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'KafkaError',
      message: 'broker down',
    });
  });

  it('is Pending while Strimzi has not observed the latest KafkaTopic generation', () => {
    const kt = kafkaTopic(
      { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'R', message: 'm' }] },
      { generation: 2 },
    );
    expect(mirrorReady(kt)).toMatchObject({ status: 'Unknown', reason: 'Pending' });
  });

  it('updates the KafkaTopic when the spec grows', () => {
    const d = decide(resource({}, { partitions: 8 }), strimzi(kafkaTopic()), ctx);
    expect(d.steps).toMatchObject([{ type: 'applyKafkaTopic', object: { spec: { partitions: 8 } } }]);
  });

  it('refuses a partition decrease: keeps the KafkaTopic partitions and sets PartitionDecreaseRefused', () => {
    const d = decide(resource({}, { partitions: 2 }), strimzi(kafkaTopic()), ctx);
    expect(d.steps).toEqual([]);
    expect(d.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'PartitionDecreaseRefused' });
    expect(d.status?.partitions).toBe(6);
  });

  it('does not take over a KafkaTopic it does not own unless annotated for adoption', () => {
    const foreign = kafkaTopic(undefined, { ownerReferences: [] });
    expect(decide(resource(), strimzi(foreign), ctx).status?.conditions?.[0]).toMatchObject({
      reason: 'TopicExistsNotManaged',
    });
    const adopt = decide(resource({ annotations: { 'ecom.dev/adopt': 'true' } }), strimzi(foreign), ctx);
    expect(adopt.steps.map((s) => s.type)).toEqual(['applyKafkaTopic']);
  });

  describe('deletion', () => {
    const deleting = (policy: 'Delete' | 'Retain') =>
      resource({ deletionTimestamp: '2026-01-01T00:00:00Z' }, { deletionPolicy: policy });

    it('Retain: marks the KafkaTopic strimzi.io/managed=false, deletes it, keeps the finalizer until it is gone', () => {
      const d = decide(deleting('Retain'), strimzi(kafkaTopic()), ctx);
      expect(d.steps).toEqual([
        {
          type: 'annotateKafkaTopic',
          namespace: 'ns',
          name: 'ecom.orders',
          annotations: { 'strimzi.io/managed': 'false' },
        },
        { type: 'deleteKafkaTopic', namespace: 'ns', name: 'ecom.orders' },
      ]);
      expect(d.requeueAfterMs).toBeGreaterThan(0);
    });

    it('Delete: deletes the KafkaTopic (Strimzi deletes the topic)', () => {
      const d = decide(deleting('Delete'), strimzi(kafkaTopic()), ctx);
      expect(d.steps).toEqual([{ type: 'deleteKafkaTopic', namespace: 'ns', name: 'ecom.orders' }]);
    });

    it('waits while the KafkaTopic is being deleted', () => {
      const d = decide(deleting('Delete'), strimzi(kafkaTopic(undefined, { deletionTimestamp: 'x' })), ctx);
      expect(d.steps).toEqual([]);
      expect(d.requeueAfterMs).toBeGreaterThan(0);
    });

    it('removes the finalizer once the KafkaTopic is gone', () => {
      expect(decide(deleting('Delete'), strimzi(undefined), ctx).steps).toEqual([
        { type: 'patchMetadata', patch: { resourceVersion: '10', finalizers: [] } },
      ]);
    });
  });
});
