import type { TopicAdmin } from '../kafka/client.js';
import { fitToCluster, planTopic } from './plan.js';
import type { TopicPlan, TopicSpec } from './types.js';

/**
 * Observes the given topics, plans each against its spec fitted to the cluster's broker count, and
 * carries out the actions. Refusals are returned, not thrown: the caller decides how loud to be.
 */
export async function applyTopicSpecs(admin: TopicAdmin, specs: TopicSpec[]): Promise<TopicPlan[]> {
  const brokers = await admin.brokerCount();
  const fitted = specs.map((spec) => fitToCluster(spec, brokers));
  const observed = await admin.describeTopics(fitted.map((s) => s.name));
  const plans = fitted.map((spec) => planTopic(spec, observed.get(spec.name)));
  for (const plan of plans) {
    for (const action of plan.actions) await admin.apply(action);
  }
  return plans;
}
