import type { EventTopic } from '../../api/eventtopic.js';
import { decideDirect } from './decide-direct.js';
import { decideStrimzi } from './decide-strimzi.js';
import type { DecideContext, Decision, Observation } from './types.js';

/**
 * The EventTopic reconcile decision: given the resource and what was observed (the Kafka topic in
 * direct mode, the KafkaTopic in strimzi mode), the steps to take, the status to hold and the
 * events to record. Pure and deterministic for a given `ctx.now`.
 */
export function decide(resource: EventTopic, observed: Observation, ctx: DecideContext): Decision {
  return observed.mode === 'direct' ? decideDirect(resource, observed, ctx) : decideStrimzi(resource, observed, ctx);
}
