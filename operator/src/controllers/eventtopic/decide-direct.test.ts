import type { ObservedTopic } from '@ecom/kit/topics';
import { describe, expect, it } from 'vitest';
import type { EventTopic } from '../../api/eventtopic.js';
import { decide } from './decide.js';
import type { DecideContext, DirectObservation } from './types.js';

const now = new Date('2026-01-01T00:00:00Z');
const ctx: DecideContext = { now, fitReplicationToBrokers: false };
const config = { 'retention.ms': '604800000', 'min.insync.replicas': '2' };

function resource(overrides: Partial<EventTopic['metadata']> = {}, spec: Partial<EventTopic['spec']> = {}): EventTopic {
  return {
    apiVersion: 'ecom.dev/v1alpha1',
    kind: 'EventTopic',
    metadata: {
      name: 'ecom.orders',
      namespace: 'default',
      uid: 'u1',
      generation: 1,
      resourceVersion: '10',
      ...overrides,
    },
    spec: { partitions: 6, replicationFactor: 3, config, deletionPolicy: 'Retain', ...spec },
  };
}

const managed = {
  finalizers: ['ecom.dev/topic-protection'],
  annotations: { 'ecom.dev/managed-topic': 'ecom.orders', 'ecom.dev/ownership': 'created' },
};
const topic: ObservedTopic = { name: 'ecom.orders', partitions: 6, replicationFactor: 3, config: { ...config } };
const direct = (t: ObservedTopic | undefined, brokerCount?: number): DirectObservation => ({
  mode: 'direct',
  topic: t,
  ...(brokerCount !== undefined ? { brokerCount } : {}),
});

describe('decide (direct mode)', () => {
  it('creates a missing topic: claims it (finalizer + ownership annotations) first, then creates it', () => {
    const d = decide(resource(), direct(undefined), ctx);
    expect(d.steps).toEqual([
      {
        type: 'patchMetadata',
        patch: {
          resourceVersion: '10',
          finalizers: ['ecom.dev/topic-protection'],
          annotations: { 'ecom.dev/managed-topic': 'ecom.orders', 'ecom.dev/ownership': 'created' },
        },
      },
      {
        type: 'topicAction',
        action: { type: 'create', topic: 'ecom.orders', partitions: 6, replicationFactor: 3, config },
      },
    ]);
    expect(d.events.map((e) => e.reason)).toEqual(['TopicCreated']);
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      topicName: 'ecom.orders',
      partitions: 6,
      replicationFactor: 3,
      mode: 'direct',
      conditions: [{ type: 'Ready', status: 'True', reason: 'TopicReady', observedGeneration: 1 }],
    });
  });

  it('recreates a managed topic that was deleted behind its back, without claiming again', () => {
    const d = decide(resource(managed), direct(undefined), ctx);
    expect(d.steps.map((s) => s.type)).toEqual(['topicAction']);
  });

  it('does nothing and keeps the status when the topic matches (second reconcile)', () => {
    const first = decide(resource(managed), direct(topic), ctx);
    expect(first.steps).toEqual([]);
    expect(first.events).toEqual([]);
    const later = new Date(now.getTime() + 60_000);
    const second = decide({ ...resource(managed), status: first.status }, direct(topic), { ...ctx, now: later });
    expect(second.steps).toEqual([]);
    expect(second.status).toEqual(first.status);
  });

  it('grows partitions', () => {
    const d = decide(resource(managed, { partitions: 12 }), direct(topic), ctx);
    expect(d.steps).toEqual([
      { type: 'topicAction', action: { type: 'addPartitions', topic: 'ecom.orders', from: 6, to: 12 } },
    ]);
    expect(d.events).toMatchObject([{ type: 'Normal', reason: 'PartitionsIncreased' }]);
    expect(d.status?.partitions).toBe(12);
  });

  it('corrects config drift', () => {
    const drifted = { ...topic, config: { ...config, 'retention.ms': '1000' } };
    const d = decide(resource(managed), direct(drifted), ctx);
    expect(d.steps).toMatchObject([{ type: 'topicAction', action: { type: 'alterConfig', config } }]);
    expect(d.events[0]).toMatchObject({ reason: 'ConfigUpdated' });
    expect(d.events[0]?.note).toContain('retention.ms 1000 -> 604800000');
    expect(d.status?.conditions?.[0]?.status).toBe('True');
  });

  it('refuses a partition decrease: no action, Ready=False PartitionDecreaseRefused with the plan message, a warning', () => {
    const d = decide(resource({ ...managed, generation: 2 }, { partitions: 3 }), direct(topic), ctx);
    expect(d.steps).toEqual([]);
    expect(d.status?.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'PartitionDecreaseRefused',
      observedGeneration: 2,
    });
    expect(d.status?.conditions?.[0]?.message).toContain('topic ecom.orders has 6');
    expect(d.status?.partitions).toBe(6);
    expect(d.events).toMatchObject([{ type: 'Warning', reason: 'PartitionDecreaseRefused' }]);
  });

  it('warns about a refusal once: a resync of the same generation records no new event', () => {
    const first = decide(resource(managed, { partitions: 3 }), direct(topic), ctx);
    const again = decide({ ...resource(managed, { partitions: 3 }), status: first.status }, direct(topic), ctx);
    expect(again.events).toEqual([]);
    expect(again.status).toEqual(first.status);
  });

  it('refuses a replication factor change', () => {
    const d = decide(resource(managed, { replicationFactor: 1 }), direct(topic), ctx);
    expect(d.steps).toEqual([]);
    expect(d.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'ReplicationFactorChangeRefused' });
    expect(d.status?.replicationFactor).toBe(3);
  });

  it('fits the replication factor to the brokers when asked', () => {
    const d = decide(resource(), direct(undefined, 1), { ...ctx, fitReplicationToBrokers: true });
    expect(d.steps[1]).toMatchObject({
      type: 'topicAction',
      action: { type: 'create', replicationFactor: 1, config: { 'min.insync.replicas': '1' } },
    });
  });

  it('reports an invalid spec and touches nothing', () => {
    const d = decide(resource({}, { partitions: 0 }), direct(undefined), ctx);
    expect(d.steps).toEqual([]);
    expect(d.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(d.status?.conditions?.[0]?.message).toContain('spec.partitions');
    expect(d.events).toMatchObject([{ type: 'Warning', reason: 'InvalidSpec' }]);
  });

  it('leaves a pre-existing topic alone unless annotated for adoption', () => {
    const d = decide(resource(), direct({ ...topic, partitions: 2 }), ctx);
    expect(d.steps).toEqual([]);
    expect(d.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TopicExistsNotManaged' });
    expect(d.status?.conditions?.[0]?.message).toContain('ecom.dev/adopt="true"');
    expect(d.status?.partitions).toBe(2);
  });

  it('adopts a pre-existing topic annotated ecom.dev/adopt=true, then reconciles it', () => {
    const d = decide(resource({ annotations: { 'ecom.dev/adopt': 'true' } }), direct({ ...topic, partitions: 2 }), ctx);
    expect(d.steps).toEqual([
      {
        type: 'patchMetadata',
        patch: {
          resourceVersion: '10',
          finalizers: ['ecom.dev/topic-protection'],
          annotations: { 'ecom.dev/managed-topic': 'ecom.orders', 'ecom.dev/ownership': 'adopted' },
        },
      },
      { type: 'topicAction', action: { type: 'addPartitions', topic: 'ecom.orders', from: 2, to: 6 } },
    ]);
    expect(d.events.map((e) => e.reason)).toEqual(['TopicAdopted', 'PartitionsIncreased']);
  });

  it('refuses to switch to another topic name than the one it manages', () => {
    const d = decide(resource(managed, { topicName: 'other' }), direct(undefined), ctx);
    expect(d.steps).toEqual([]);
    expect(d.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'TopicNameChangeRefused' });
  });

  it('adds a missing finalizer to a managed resource', () => {
    const d = decide(resource({ annotations: managed.annotations }), direct(topic), ctx);
    expect(d.steps).toEqual([
      { type: 'patchMetadata', patch: { resourceVersion: '10', finalizers: ['ecom.dev/topic-protection'] } },
    ]);
  });

  describe('deletion', () => {
    const deleting = (policy: 'Delete' | 'Retain', extra: Partial<EventTopic['metadata']> = {}) =>
      resource({ ...managed, deletionTimestamp: '2026-01-01T00:00:00Z', ...extra }, { deletionPolicy: policy });

    it('Delete: deletes the topic, then removes the finalizer', () => {
      const d = decide(deleting('Delete', { finalizers: ['other', 'ecom.dev/topic-protection'] }), direct(topic), ctx);
      expect(d.steps).toEqual([
        { type: 'deleteTopic', topic: 'ecom.orders' },
        { type: 'patchMetadata', patch: { resourceVersion: '10', finalizers: ['other'] } },
      ]);
      expect(d.events.map((e) => e.reason)).toEqual(['TopicDeleted']);
      expect(d.status).toBeUndefined();
    });

    it('Retain: keeps the topic and removes the finalizer', () => {
      const d = decide(deleting('Retain'), direct(topic), ctx);
      expect(d.steps).toEqual([{ type: 'patchMetadata', patch: { resourceVersion: '10', finalizers: [] } }]);
      expect(d.events.map((e) => e.reason)).toEqual(['TopicRetained']);
    });

    it('Delete never deletes a topic the resource does not manage', () => {
      const d = decide(
        deleting('Delete', { annotations: {}, finalizers: ['ecom.dev/topic-protection'] }),
        direct(topic),
        ctx,
      );
      expect(d.steps.map((s) => s.type)).toEqual(['patchMetadata']);
    });

    it('Delete of an already-missing topic only removes the finalizer', () => {
      const d = decide(deleting('Delete'), direct(undefined), ctx);
      expect(d.steps.map((s) => s.type)).toEqual(['patchMetadata']);
    });

    it('does nothing once the finalizer is gone', () => {
      expect(decide(deleting('Delete', { finalizers: [] }), direct(topic), ctx)).toEqual({ steps: [], events: [] });
    });
  });
});
