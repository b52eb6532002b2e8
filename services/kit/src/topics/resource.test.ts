import { describe, expect, it } from 'vitest';
import { TopicSpecError, topicSpecFromResource } from './resource.js';

const base = { apiVersion: 'ecom.dev/v1alpha1', kind: 'EventTopic', metadata: { name: 'ecom.orders' } };

describe('topicSpecFromResource', () => {
  it('applies the CRD defaults and stringifies config values', () => {
    expect(
      topicSpecFromResource({ ...base, spec: { partitions: 6, config: { 'retention.ms': 1000 } } }, 'f.yaml'),
    ).toEqual({
      name: 'ecom.orders',
      partitions: 6,
      replicationFactor: 3,
      config: { 'retention.ms': '1000' },
      deletionPolicy: 'Retain',
    });
  });

  it('prefers spec.topicName over metadata.name', () => {
    expect(topicSpecFromResource({ ...base, spec: { topicName: 'Other_Topic', partitions: 1 } }, 'f').name).toBe(
      'Other_Topic',
    );
  });

  it.each([
    [{ partitions: 0 }, 'spec.partitions'],
    [{ partitions: 1.5 }, 'spec.partitions'],
    [{ partitions: 1, replicationFactor: '3' }, 'spec.replicationFactor'],
    [{ partitions: 1, deletionPolicy: 'Keep' }, 'spec.deletionPolicy'],
    [{ partitions: 1, config: ['a'] }, 'spec.config'],
    [{ partitions: 1, config: { a: { b: 1 } } }, 'spec.config.a'],
    [{ partitions: 1, topicName: 'bad name' }, 'spec.topicName'],
  ])('rejects %j naming %s', (spec, field) => {
    try {
      topicSpecFromResource({ ...base, spec }, 'k8s/topics/x.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TopicSpecError);
      expect((error as TopicSpecError).field).toBe(field);
      expect((error as Error).message).toContain('k8s/topics/x.yaml');
    }
  });

  it('rejects another kind', () => {
    expect(() => topicSpecFromResource({ ...base, kind: 'KafkaTopic', spec: { partitions: 1 } }, 'f')).toThrow(
      /must be ecom.dev/,
    );
  });
});
