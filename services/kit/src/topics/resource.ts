import type { TopicSpec } from './types.js';

export const EVENT_TOPIC_API_VERSION = 'ecom.dev/v1alpha1';
export const EVENT_TOPIC_KIND = 'EventTopic';

/** Defaults the EventTopic CRD applies; the local loader applies the same ones, since no API server does it there. */
export const EVENT_TOPIC_DEFAULTS = {
  replicationFactor: 3,
  deletionPolicy: 'Retain',
} as const;

/** Kafka's legal topic names (see Kafka's Topic.validate). */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** An EventTopic as it appears in YAML or from the API server. */
export interface EventTopicResource {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown };
  spec?: {
    topicName?: unknown;
    partitions?: unknown;
    replicationFactor?: unknown;
    config?: unknown;
    deletionPolicy?: unknown;
  };
}

export class TopicSpecError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${source}: ${field} ${problem}`);
    this.name = 'TopicSpecError';
  }
}

/**
 * Turns an EventTopic resource into a TopicSpec, applying the CRD's defaults. `source` names where
 * the resource came from (a file, or namespace/name) so errors point the user at it.
 */
export function topicSpecFromResource(resource: EventTopicResource, source: string): TopicSpec {
  if (resource.apiVersion !== EVENT_TOPIC_API_VERSION || resource.kind !== EVENT_TOPIC_KIND) {
    throw new TopicSpecError(
      source,
      'apiVersion/kind',
      `must be ${EVENT_TOPIC_API_VERSION} ${EVENT_TOPIC_KIND}, got ${String(resource.apiVersion)} ${String(resource.kind)}`,
    );
  }
  const spec = resource.spec ?? {};
  const name = spec.topicName ?? resource.metadata?.name;
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new TopicSpecError(
      source,
      'spec.topicName',
      `must be a Kafka topic name (letters, digits, . _ -), got ${JSON.stringify(name)}`,
    );
  }
  const partitions = positiveInt(spec.partitions, source, 'spec.partitions');
  const replicationFactor = positiveInt(
    spec.replicationFactor ?? EVENT_TOPIC_DEFAULTS.replicationFactor,
    source,
    'spec.replicationFactor',
  );
  const deletionPolicy = spec.deletionPolicy ?? EVENT_TOPIC_DEFAULTS.deletionPolicy;
  if (deletionPolicy !== 'Delete' && deletionPolicy !== 'Retain') {
    throw new TopicSpecError(
      source,
      'spec.deletionPolicy',
      `must be Delete or Retain, got ${JSON.stringify(deletionPolicy)}`,
    );
  }
  return { name, partitions, replicationFactor, config: configMap(spec.config, source), deletionPolicy };
}

function positiveInt(value: unknown, source: string, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TopicSpecError(source, field, `must be an integer >= 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Kafka config values are strings; YAML users write numbers, so numbers and booleans are accepted and stringified. */
function configMap(value: unknown, source: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TopicSpecError(source, 'spec.config', 'must be a map of config name to value');
  }
  const config: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new TopicSpecError(
        source,
        `spec.config.${key}`,
        `must be a string, number or boolean, got ${JSON.stringify(v)}`,
      );
    }
    config[key] = String(v);
  }
  return config;
}
