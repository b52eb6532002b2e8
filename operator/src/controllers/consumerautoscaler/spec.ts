import {
  type ConsumerAutoscaler,
  CONSUMER_AUTOSCALER_DEFAULTS as D,
  type OffsetResetPolicy,
} from '../../api/consumerautoscaler.js';

/** A ConsumerAutoscaler spec with every default filled in: what the controller works from. */
export interface EffectiveSpec {
  target: { apiVersion: string; kind: string; name: string };
  consumerGroup: string;
  topics: string[];
  lagThreshold: number;
  activationLagThreshold: number;
  minReplicas: number;
  maxReplicas: number;
  pollIntervalSeconds: number;
  offsetResetPolicy: OffsetResetPolicy;
  scaleUpWindowSeconds: number;
  scaleDownWindowSeconds: number;
}

/**
 * The API server applies the CRD's defaults on write; this applies the same ones (a single table,
 * CONSUMER_AUTOSCALER_DEFAULTS) so an object stored before a default existed reads the same.
 */
export function effectiveSpec(resource: ConsumerAutoscaler): EffectiveSpec {
  const s = resource.spec;
  return {
    target: {
      apiVersion: s.scaleTargetRef.apiVersion ?? D.targetApiVersion,
      kind: s.scaleTargetRef.kind ?? D.targetKind,
      name: s.scaleTargetRef.name,
    },
    consumerGroup: s.consumerGroup,
    topics: s.topics ?? [],
    lagThreshold: s.lagThreshold ?? D.lagThreshold,
    activationLagThreshold: s.activationLagThreshold ?? D.activationLagThreshold,
    minReplicas: s.minReplicas ?? D.minReplicas,
    maxReplicas: s.maxReplicas ?? D.maxReplicas,
    pollIntervalSeconds: s.pollIntervalSeconds ?? D.pollIntervalSeconds,
    offsetResetPolicy: s.offsetResetPolicy ?? D.offsetResetPolicy,
    scaleUpWindowSeconds: s.scaleUp?.stabilizationWindowSeconds ?? D.scaleUpStabilizationWindowSeconds,
    scaleDownWindowSeconds: s.scaleDown?.stabilizationWindowSeconds ?? D.scaleDownStabilizationWindowSeconds,
  };
}

/** `Deployment/inventory`, for messages. */
export function targetName(spec: EffectiveSpec): string {
  return `${spec.target.kind}/${spec.target.name}`;
}
