import { type KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import type { EventTopic, EventTopicStatus } from '../../api/eventtopic.js';
import { ECOM_GROUP, ECOM_VERSION, eventTopicCrd } from '../../api/eventtopic.js';
import { isNotFound, type KubeClients, mergePatch } from '../../runtime/kube.js';
import { patchStatus } from '../../runtime/status.js';
import { KAFKA_TOPIC_GROUP, KAFKA_TOPIC_PLURAL, KAFKA_TOPIC_VERSION, type KafkaTopic } from './kafka-topic.js';
import type { MetadataPatch } from './types.js';

/** Field manager of every server-side apply this operator makes. */
export const FIELD_MANAGER = 'ecom-operator';

/** The Kubernetes reads and writes the EventTopic reconciler makes. */
export interface EventTopicKube {
  getEventTopic(namespace: string, name: string): Promise<EventTopic | undefined>;
  patchEventTopicMetadata(namespace: string, name: string, patch: MetadataPatch): Promise<EventTopic>;
  patchEventTopicStatus(
    namespace: string,
    name: string,
    previous: EventTopicStatus | undefined,
    next: EventTopicStatus,
  ): Promise<void>;
  getKafkaTopic(namespace: string, name: string): Promise<KafkaTopic | undefined>;
  applyKafkaTopic(object: KafkaTopic): Promise<void>;
  annotateKafkaTopic(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  deleteKafkaTopic(namespace: string, name: string): Promise<void>;
}

const eventTopics = { group: ECOM_GROUP, version: ECOM_VERSION, plural: eventTopicCrd.plural };
const kafkaTopics = { group: KAFKA_TOPIC_GROUP, version: KAFKA_TOPIC_VERSION, plural: KAFKA_TOPIC_PLURAL };

export function eventTopicKube(clients: KubeClients): EventTopicKube {
  const api = clients.customObjects;
  return {
    async getEventTopic(namespace, name) {
      try {
        return (await api.getNamespacedCustomObject({ ...eventTopics, namespace, name })) as EventTopic;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async patchEventTopicMetadata(namespace, name, patch) {
      return (await api.patchNamespacedCustomObject(
        { ...eventTopics, namespace, name, body: { metadata: patch } },
        mergePatch,
      )) as EventTopic;
    },
    async patchEventTopicStatus(namespace, name, previous, next) {
      await patchStatus(
        api,
        { ...eventTopics, namespace, name },
        previous as Record<string, unknown> | undefined,
        next as Record<string, unknown>,
      );
    },
    async getKafkaTopic(namespace, name) {
      try {
        return (await api.getNamespacedCustomObject({ ...kafkaTopics, namespace, name })) as KafkaTopic;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async applyKafkaTopic(object) {
      // Server-side apply: the operator owns exactly the fields it sends; force takes them back
      // from anyone who edited them by hand (drift correction).
      await clients.objects.patch(
        object as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    },
    async annotateKafkaTopic(namespace, name, annotations) {
      await api.patchNamespacedCustomObject(
        { ...kafkaTopics, namespace, name, body: { metadata: { annotations } } },
        mergePatch,
      );
    },
    async deleteKafkaTopic(namespace, name) {
      try {
        await api.deleteNamespacedCustomObject({ ...kafkaTopics, namespace, name });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}
