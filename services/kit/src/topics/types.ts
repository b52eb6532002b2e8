/** What a topic should look like: the spec of an EventTopic resource, after defaults. */
export interface TopicSpec {
  /** The Kafka topic name. */
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level config overrides (Kafka's own keys, string values). */
  config: Record<string, string>;
  /** What deleting the resource does to the topic. */
  deletionPolicy: 'Delete' | 'Retain';
}

/** What the cluster says a topic looks like. `config` holds only topic-level overrides. */
export interface ObservedTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

export interface ConfigDrift {
  key: string;
  desired: string | undefined;
  observed: string | undefined;
}

export type TopicAction =
  | {
      type: 'create';
      topic: string;
      partitions: number;
      replicationFactor: number;
      config: Record<string, string>;
    }
  | { type: 'addPartitions'; topic: string; from: number; to: number }
  /** Replaces the topic's whole override set with `config`: keys not in it fall back to the broker default. */
  | { type: 'alterConfig'; topic: string; config: Record<string, string>; drift: ConfigDrift[] };

/** A change the spec asks for that Kafka cannot make; the topic is left alone in that respect. */
export interface Refusal {
  reason: 'PartitionDecreaseRefused' | 'ReplicationFactorChangeRefused';
  message: string;
}

export interface TopicPlan {
  topic: string;
  actions: TopicAction[];
  refusals: Refusal[];
}
