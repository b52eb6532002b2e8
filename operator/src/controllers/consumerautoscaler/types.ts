import type { ConsumerAutoscalerStatus } from '../../api/consumerautoscaler.js';
import type { EventNote } from '../../runtime/events.js';
import type { LagMeasurement } from './lag.js';

/** The target's /scale subresource as read, or why it could not be. */
export type TargetObservation = { found: true; replicas: number } | { found: false; message: string };

/** The group's lag as read from Kafka, or why it could not be. */
export type LagObservation =
  | {
      ok: true;
      /** The group coordinator's state (Stable, Empty, PreparingRebalance, ...). */
      groupState: string;
      measurement: LagMeasurement;
      timeLagSeconds: number;
      /** Topics named in the spec that do not exist. */
      missingTopics: string[];
    }
  | { ok: false; message: string };

export interface Observation {
  target: TargetObservation;
  lag: LagObservation;
  /** Another ConsumerAutoscaler that owns the same target (see targetOwner): this one stands aside. */
  targetOwner?: string;
}

export interface Decision {
  /** Set the target's /scale replicas to this (absent: leave it). */
  scaleTo?: number;
  status: ConsumerAutoscalerStatus;
  events: EventNote[];
  /** Poll again after this long (spec.pollIntervalSeconds). */
  requeueAfterMs: number;
}
