import type { ConsumerAutoscaler } from '../../api/consumerautoscaler.js';
import { effectiveSpec } from './spec.js';

const time = (r: ConsumerAutoscaler) => {
  const t = r.metadata.creationTimestamp;
  return t === undefined ? Number.POSITIVE_INFINITY : new Date(t).getTime();
};

/**
 * The ConsumerAutoscaler that owns `resource`'s target when it is not `resource` itself: of all the
 * autoscalers in the namespace with the same target, the oldest (then the first by name). Two
 * autoscalers on one target would undo each other's counts every poll (KEDA refuses the second
 * ScaledObject in its admission webhook; without a webhook, the later one stands aside).
 */
export function targetOwner(resource: ConsumerAutoscaler, all: readonly ConsumerAutoscaler[]): string | undefined {
  const target = effectiveSpec(resource).target;
  const same = all.filter((other) => {
    const t = effectiveSpec(other).target;
    return t.apiVersion === target.apiVersion && t.kind === target.kind && t.name === target.name;
  });
  const owner = [...same, resource].sort(
    (a, b) => time(a) - time(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  )[0];
  return owner && owner.metadata.name !== resource.metadata.name ? owner.metadata.name : undefined;
}
