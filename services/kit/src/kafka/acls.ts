import { DLQ_TOPIC, EVENT_CATALOG, type EventType } from '@ecom/schemas';

/** A Kafka ACL in the shape of Strimzi's `KafkaUser.spec.authorization.acls[]` (kafka.strimzi.io/v1). */
export interface KafkaAcl {
  resource: { type: 'topic' | 'group' | 'cluster'; name?: string; patternType?: 'literal' | 'prefix' };
  operations: KafkaOperation[];
}

export type KafkaOperation =
  | 'Read'
  | 'Write'
  | 'Create'
  | 'Delete'
  | 'Alter'
  | 'Describe'
  | 'DescribeConfigs'
  | 'AlterConfigs'
  | 'IdempotentWrite';

/** What a service's Kafka ACLs follow from: the parts of its ServiceDefinition that touch Kafka. */
export interface KafkaFootprint {
  name: string;
  produces: readonly EventType[];
  consumer?: { topics: readonly string[] };
}

/**
 * The least privilege a service needs, derived from its definition and nothing else: write the
 * topics of the events it produces; read the topics it consumes, as its own group (the group id
 * is the service name, see startService); write dead letters if it consumes. Describe comes with
 * each topic because producers and consumers fetch its metadata. No idempotence ACL: since
 * Kafka 3.0 (KIP-679) Write on a topic also allows an idempotent producer.
 */
export function serviceKafkaAcls(service: KafkaFootprint): KafkaAcl[] {
  const consumed = [...new Set(service.consumer?.topics ?? [])].sort();
  const written = new Set(service.produces.map((type) => EVENT_CATALOG[type].topic));
  if (service.consumer) written.add(DLQ_TOPIC);
  const topics = [...new Set([...consumed, ...written])].sort();
  const acls: KafkaAcl[] = topics.map((name) => ({
    resource: { type: 'topic', name, patternType: 'literal' },
    operations: [
      ...(consumed.includes(name) ? (['Read'] as const) : []),
      ...(written.has(name) ? (['Write'] as const) : []),
      'Describe',
    ],
  }));
  if (service.consumer) {
    acls.push({ resource: { type: 'group', name: service.name, patternType: 'literal' }, operations: ['Read'] });
  }
  return acls;
}
