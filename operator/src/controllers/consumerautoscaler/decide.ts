import type { Condition } from '../../api/condition.js';
import type { ConsumerAutoscaler, ConsumerAutoscalerStatus } from '../../api/consumerautoscaler.js';
import { type ConditionUpdate, findCondition, setCondition } from '../../runtime/conditions.js';
import type { EventNote } from '../../runtime/events.js';
import { isRebalancing } from './lag.js';
import { recommend } from './recommend.js';
import { type EffectiveSpec, effectiveSpec, targetName } from './spec.js';
import { stabilize } from './stabilize.js';
import type { Decision, LagObservation, Observation } from './types.js';

export const Conditions = { Ready: 'Ready', Active: 'Active', ScalingLimited: 'ScalingLimited' } as const;

export const Reasons = {
  LagRead: 'LagRead',
  LagUnavailable: 'LagUnavailable',
  TargetNotFound: 'TargetNotFound',
  TargetConflict: 'TargetConflict',
  TopicNotFound: 'TopicNotFound',
  NoTopics: 'NoTopics',
  LagAboveActivation: 'LagAboveActivation',
  LagAtOrBelowActivation: 'LagAtOrBelowActivation',
  Rebalancing: 'Rebalancing',
  DesiredWithinRange: 'DesiredWithinRange',
} as const;

type Update = Omit<ConditionUpdate, 'type' | 'observedGeneration'>;
type MeasuredLag = Extract<LagObservation, { ok: true }>;

/**
 * The ConsumerAutoscaler decision: from the resource (spec, and the status holding the last
 * recommendations) and what was observed (the target's replicas, the group's lag), the replicas to
 * set, the status and the events. Pure and deterministic for a given `now`.
 *
 * Whatever cannot be read holds the replicas where they are: a lag that cannot be read is never
 * taken for zero (scale in, rebalance, more failures: the spiral KEDA users report, kedacore/keda#4098),
 * and nothing is resized while the group rebalances (kedacore/keda#5096).
 */
export function decide(resource: ConsumerAutoscaler, observed: Observation, now: Date): Decision {
  const spec = effectiveSpec(resource);
  const { target, lag } = observed;
  const previous = resource.status;
  const requeueAfterMs = spec.pollIntervalSeconds * 1000;
  const status: ConsumerAutoscalerStatus = {
    ...(resource.metadata.generation !== undefined ? { observedGeneration: resource.metadata.generation } : {}),
    ...(lag.ok ? lagStatus(lag) : {}),
    ...(target.found ? { currentReplicas: target.replicas } : {}),
    ...(previous?.lastScaleTime ? { lastScaleTime: previous.lastScaleTime } : {}),
    ...(previous?.recommendations ? { recommendations: previous.recommendations } : {}),
  };
  const conditions = new Conditioned(resource, now);
  const hold = (ready: Update, limited: Update, active: Update | undefined, why: string): Decision => {
    conditions.set(Conditions.Ready, ready);
    conditions.set(Conditions.Active, active ?? { status: 'Unknown', reason: ready.reason, message: ready.message });
    conditions.set(Conditions.ScalingLimited, limited);
    if (target.found) status.desiredReplicas = target.replicas;
    return {
      status: { ...status, conditions: conditions.list, lastDecision: why },
      events: warnOnNewProblem(resource, ready),
      requeueAfterMs,
    };
  };

  if (observed.targetOwner) {
    const message = `${targetName(spec)} is already scaled by ConsumerAutoscaler ${observed.targetOwner} (the older one): delete one of the two`;
    return hold(
      { status: 'False', reason: Reasons.TargetConflict, message },
      { status: 'True', reason: Reasons.TargetConflict, message: 'not scaling a target another autoscaler owns' },
      lag.ok && lag.missingTopics.length === 0 ? activeCondition(spec, lag) : undefined,
      `${targetName(spec)} belongs to ConsumerAutoscaler ${observed.targetOwner}: nothing scaled`,
    );
  }
  if (!target.found) {
    const message = `${targetName(spec)}: ${target.message}`;
    return hold(
      { status: 'False', reason: Reasons.TargetNotFound, message },
      { status: 'True', reason: Reasons.TargetNotFound, message: `nothing to scale: ${message}` },
      lag.ok && lag.missingTopics.length === 0 ? activeCondition(spec, lag) : undefined,
      `${targetName(spec)} not found: nothing scaled`,
    );
  }
  const current = target.replicas;
  const held = `holding ${current} replicas`;
  if (!lag.ok) {
    const message = `cannot read the lag of group ${spec.consumerGroup}: ${lag.message}`;
    return hold(
      { status: 'False', reason: Reasons.LagUnavailable, message: `${message}; ${held}` },
      { status: 'True', reason: Reasons.LagUnavailable, message: `${held} until the lag can be read` },
      undefined,
      `lag unavailable: ${held} (a failed read is never taken for zero lag)`,
    );
  }
  if (lag.missingTopics.length > 0) {
    const message = `topic(s) ${lag.missingTopics.join(', ')} of spec.topics do not exist; ${held}`;
    return hold(
      { status: 'False', reason: Reasons.TopicNotFound, message },
      { status: 'True', reason: Reasons.TopicNotFound, message: held },
      undefined,
      `the lag is incomplete without ${lag.missingTopics.join(', ')}: ${held}`,
    );
  }
  if (lag.measurement.partitions === 0) {
    const message = `group ${spec.consumerGroup} has no committed offsets and spec.topics is empty, so there is no lag to measure: list the topics it consumes in spec.topics; ${held}`;
    return hold(
      { status: 'False', reason: Reasons.NoTopics, message },
      { status: 'True', reason: Reasons.NoTopics, message: held },
      undefined,
      `no topics to measure: ${held}`,
    );
  }
  return scale(resource, spec, lag, current, status, conditions, now);
}

/** The lag is known and the target exists: recommend, stabilize, and scale unless the group rebalances. */
function scale(
  resource: ConsumerAutoscaler,
  spec: EffectiveSpec,
  lag: MeasuredLag,
  current: number,
  status: ConsumerAutoscalerStatus,
  conditions: Conditioned,
  now: Date,
): Decision {
  const rec = recommend({
    totalLag: lag.measurement.totalLag,
    partitions: lag.measurement.partitions,
    currentReplicas: current,
    lagThreshold: spec.lagThreshold,
    activationLagThreshold: spec.activationLagThreshold,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
  });
  const stable = stabilize({
    history: resource.status?.recommendations ?? [],
    recommendation: rec.replicas,
    currentReplicas: current,
    upWindowSeconds: spec.scaleUpWindowSeconds,
    downWindowSeconds: spec.scaleDownWindowSeconds,
    now,
  });
  // A window may remember a count from before the bounds changed: the bounds always win.
  const bounded = Math.min(Math.max(stable.replicas, spec.minReplicas), rec.upper);
  const rebalancing = isRebalancing(lag.groupState);
  const desired = rebalancing ? current : bounded;

  let why = rec.why;
  let limited: Update;
  if (rebalancing) {
    why = `${why}; group ${spec.consumerGroup} is rebalancing (${lag.groupState}): holding ${current} replicas`;
    limited = {
      status: 'True',
      reason: Reasons.Rebalancing,
      message: `group is ${lag.groupState}: holding ${current} replicas (would be ${bounded}) until it is stable`,
    };
  } else if (stable.held) {
    const window = stable.held === 'ScaleDownStabilized' ? spec.scaleDownWindowSeconds : spec.scaleUpWindowSeconds;
    const side = stable.held === 'ScaleDownStabilized' ? 'highest' : 'lowest';
    const message = `held at ${bounded} by the ${window} s scale-${stable.held === 'ScaleDownStabilized' ? 'down' : 'up'} stabilization window (${side} recommendation in it: ${stable.windowReplicas}); recommended now: ${rec.replicas}`;
    why = `${why}; ${message}`;
    limited = { status: 'True', reason: stable.held, message };
  } else if (rec.limit) {
    limited = { status: 'True', reason: rec.limit, message: rec.why };
  } else {
    limited = {
      status: 'False',
      reason: Reasons.DesiredWithinRange,
      message: 'the desired count is within the bounds',
    };
  }

  conditions.set(Conditions.Ready, {
    status: 'True',
    reason: Reasons.LagRead,
    message: `read the lag of group ${spec.consumerGroup} on ${lag.measurement.partitions} partitions of ${lag.measurement.topics.length} topic(s)`,
  });
  conditions.set(Conditions.Active, activeCondition(spec, lag));
  conditions.set(Conditions.ScalingLimited, limited);

  const events: EventNote[] = [];
  const next: ConsumerAutoscalerStatus = {
    ...status,
    desiredReplicas: desired,
    lastDecision: why,
    recommendations: stable.history,
  };
  if (desired !== current) {
    next.lastScaleTime = now.toISOString();
    const up = desired > current;
    events.push({
      type: 'Normal',
      reason: up ? 'ScaledUp' : 'ScaledDown',
      action: 'Scale',
      note: `${targetName(spec)} ${current} -> ${desired} replicas: ${why}`,
    });
  }
  return {
    ...(desired !== current ? { scaleTo: desired } : {}),
    status: { ...next, conditions: conditions.list },
    events,
    requeueAfterMs: spec.pollIntervalSeconds * 1000,
  };
}

function lagStatus(lag: MeasuredLag): ConsumerAutoscalerStatus {
  const m = lag.measurement;
  return {
    totalLag: m.totalLag,
    timeLagSeconds: lag.timeLagSeconds,
    partitions: m.partitions,
    partitionsWithoutOffset: m.partitionsWithoutOffset,
    groupState: lag.groupState,
    topics: m.topics,
  };
}

function activeCondition(spec: EffectiveSpec, lag: MeasuredLag): Update {
  const total = lag.measurement.totalLag;
  return total > spec.activationLagThreshold
    ? {
        status: 'True',
        reason: Reasons.LagAboveActivation,
        message: `total lag ${total} is above activationLagThreshold ${spec.activationLagThreshold}`,
      }
    : {
        status: 'False',
        reason: Reasons.LagAtOrBelowActivation,
        message: `total lag ${total} is at or below activationLagThreshold ${spec.activationLagThreshold}`,
      };
}

/** The conditions list, each set with this generation; transition times move only on a status change. */
class Conditioned {
  list: Condition[];
  constructor(
    private readonly resource: ConsumerAutoscaler,
    private readonly now: Date,
  ) {
    this.list = resource.status?.conditions ?? [];
  }
  set(type: string, update: Update): void {
    const generation = this.resource.metadata.generation;
    this.list = setCondition(
      this.list,
      { type, ...update, ...(generation !== undefined ? { observedGeneration: generation } : {}) },
      this.now,
    );
  }
}

/**
 * A Warning when Ready turns False for a new reason (or a new generation of the spec); polls that
 * find the same problem stay quiet instead of flooding Events.
 */
function warnOnNewProblem(resource: ConsumerAutoscaler, ready: Update): EventNote[] {
  const previous = findCondition(resource.status?.conditions, Conditions.Ready);
  const same = previous?.reason === ready.reason && previous.observedGeneration === resource.metadata.generation;
  return same ? [] : [{ type: 'Warning', reason: ready.reason, action: 'Scale', note: ready.message }];
}
