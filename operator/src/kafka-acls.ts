// The operator's Kafka ACLs (its Strimzi KafkaUser), derived here and only here: the chart reads
// them from charts/ecom/files/access.yaml, which local/scripts/chart-access.ts generates from this
// function (and the services' ACLs from their definitions), `--check` failing when it is stale.
import type { KafkaAcl, KafkaOperation } from '@ecom/kit';
import type { OperatorMode } from './api/eventtopic.js';
import { REPLAY_GROUP_PREFIX } from './controllers/deadletterreplay/job.js';

/** Strimzi's ACL shape; unlike a service's, the operator's also names transactional ids. */
export interface OperatorKafkaAcl {
  resource: { type: KafkaAcl['resource']['type'] | 'transactionalId'; name: string; patternType: 'literal' | 'prefix' };
  operations: KafkaOperation[];
}

/**
 * The topics the operator may touch: every topic of the platform is `ecom.<name>` (the event
 * catalog's, the dead-letter topic, EventTopics such as k8s/examples' ecom.returns). An EventTopic
 * named otherwise is refused by the broker (TOPIC_AUTHORIZATION_FAILED in its status).
 */
export const TOPIC_PREFIX = 'ecom.';

/**
 * What the operator does on Kafka, as ACLs:
 * - consumer lag (ConsumerAutoscalers): list offsets and fetch the group's committed offsets
 *   (Describe on topic and group), describe the group, read a record's timestamp (Read on topic);
 * - dead-letter replay (its Jobs run `ecom replay` with these credentials): read the dead-letter
 *   topic as the replay's own group, commit its progress through a transactional id of the same
 *   name, write the records back to their original topics (any `ecom.` topic, or the spec's target);
 * - direct mode only, the EventTopics' topics: create, add partitions (Alter), read and replace their
 *   config, delete (deletionPolicy Delete). In strimzi mode Strimzi's Topic Operator does that.
 * `consumerGroups` are the groups the autoscalers watch: the services' (their names).
 */
export function operatorKafkaAcls(mode: OperatorMode, consumerGroups: readonly string[]): OperatorKafkaAcl[] {
  const topicAdmin: KafkaOperation[] =
    mode === 'direct' ? ['Create', 'Alter', 'DescribeConfigs', 'AlterConfigs', 'Delete'] : [];
  return [
    {
      resource: { type: 'topic', name: TOPIC_PREFIX, patternType: 'prefix' },
      operations: ['Read', 'Write', 'Describe', ...topicAdmin],
    },
    ...[...new Set(consumerGroups)].sort().map(
      (name): OperatorKafkaAcl => ({
        resource: { type: 'group', name, patternType: 'literal' },
        operations: ['Describe'],
      }),
    ),
    {
      resource: { type: 'group', name: REPLAY_GROUP_PREFIX, patternType: 'prefix' },
      operations: ['Read', 'Describe'],
    },
    {
      resource: { type: 'transactionalId', name: REPLAY_GROUP_PREFIX, patternType: 'prefix' },
      operations: ['Write', 'Describe'],
    },
  ];
}
