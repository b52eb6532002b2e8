import { DLQ_TOPIC, EVENT_CATALOG } from '@ecom/schemas';
import { describe, expect, it } from 'vitest';
import { operatorKafkaAcls, TOPIC_PREFIX } from './kafka-acls.js';
import { REPLAY_DEFAULTS } from './replay/config.js';

const topicOps = (mode: 'direct' | 'strimzi') =>
  operatorKafkaAcls(mode, ['order']).find((a) => a.resource.type === 'topic')?.operations;

describe('operatorKafkaAcls', () => {
  it('strimzi mode: lag and replay only (read, write, describe the ecom. topics), no topic administration', () => {
    expect(topicOps('strimzi')).toEqual(['Read', 'Write', 'Describe']);
  });

  it('direct mode: also creates, alters, reconfigures and deletes the ecom. topics', () => {
    expect(topicOps('direct')).toEqual([
      'Read',
      'Write',
      'Describe',
      'Create',
      'Alter',
      'DescribeConfigs',
      'AlterConfigs',
      'Delete',
    ]);
  });

  it('describes each watched group once (lag), and owns the replay groups and transactional ids by prefix', () => {
    const acls = operatorKafkaAcls('strimzi', ['payment', 'order', 'payment']);
    expect(acls.filter((a) => a.resource.type !== 'topic')).toEqual([
      { resource: { type: 'group', name: 'order', patternType: 'literal' }, operations: ['Describe'] },
      { resource: { type: 'group', name: 'payment', patternType: 'literal' }, operations: ['Describe'] },
      { resource: { type: 'group', name: 'ecom-replay-', patternType: 'prefix' }, operations: ['Read', 'Describe'] },
      {
        resource: { type: 'transactionalId', name: 'ecom-replay-', patternType: 'prefix' },
        operations: ['Write', 'Describe'],
      },
    ]);
  });

  it('the topic prefix covers every topic of the event catalog and the dead-letter topic the replay reads', () => {
    const topics = [...Object.values(EVENT_CATALOG).map((e) => e.topic), DLQ_TOPIC, REPLAY_DEFAULTS.source];
    for (const topic of topics) expect(topic.startsWith(TOPIC_PREFIX), topic).toBe(true);
  });
});
