import { type Logger, openTopicAdmin } from '@ecom/kit';
import { applyTopicSpecs, loadTopicSpecs, type TopicPlan } from '@ecom/kit/topics';
import { repoPath } from './repo.js';

/**
 * Applies the EventTopic resources of k8s/topics/ (or `dir`) to a cluster, with the same plan the
 * operator uses, fitted to the cluster's broker count.
 */
export async function applyRepoTopics(options: {
  brokers: string[];
  logger: Logger;
  dir?: string;
}): Promise<TopicPlan[]> {
  const specs = await loadTopicSpecs(options.dir ?? repoPath('k8s/topics'));
  const admin = await openTopicAdmin({ brokers: options.brokers, clientId: 'ecom-topics', logger: options.logger });
  try {
    return await applyTopicSpecs(admin, specs);
  } finally {
    await admin.close();
  }
}

export function describePlan(plan: TopicPlan): string {
  const parts = plan.actions.map((a) => {
    if (a.type === 'create') return `created (${a.partitions} partitions, replication ${a.replicationFactor})`;
    if (a.type === 'addPartitions') return `partitions ${a.from} -> ${a.to}`;
    return `config corrected (${a.drift.map((d) => d.key).join(', ')})`;
  });
  parts.push(...plan.refusals.map((r) => `REFUSED ${r.reason}: ${r.message}`));
  return `${plan.topic}: ${parts.length > 0 ? parts.join('; ') : 'up to date'}`;
}
