import { consumerAutoscalerCrd } from './consumerautoscaler.js';
import type { CustomResourceDescription } from './crd.js';
import { deadLetterReplayCrd } from './deadletterreplay.js';
import { eventTopicCrd } from './eventtopic.js';

export * from './condition.js';
export * from './consumerautoscaler.js';
export * from './crd.js';
export * from './deadletterreplay.js';
export * from './eventtopic.js';
export * from './meta.js';

/**
 * Every CRD this operator serves; the generator writes one YAML file per entry. Later resources
 * (lag autoscaler, DeadLetterReplay) are added here.
 */
export const CRDS: readonly CustomResourceDescription<unknown, unknown>[] = [
  eventTopicCrd as CustomResourceDescription<unknown, unknown>,
  consumerAutoscalerCrd as CustomResourceDescription<unknown, unknown>,
  deadLetterReplayCrd as CustomResourceDescription<unknown, unknown>,
];
