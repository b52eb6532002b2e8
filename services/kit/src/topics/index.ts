export { applyTopicSpecs } from './apply.js';
export { loadTopicSpecs } from './load.js';
export { configDrift, fitToCluster, isEmptyPlan, planTopic } from './plan.js';
export {
  EVENT_TOPIC_API_VERSION,
  EVENT_TOPIC_DEFAULTS,
  EVENT_TOPIC_KIND,
  type EventTopicResource,
  TopicSpecError,
  topicSpecFromResource,
} from './resource.js';
export * from './types.js';
