import { Counter, Gauge, type Registry } from 'prom-client';
import { findCondition } from '../../runtime/conditions.js';
import type { Decision } from './types.js';

const LABELS = ['namespace', 'name'] as const;
type Labels = { namespace: string; name: string };

/**
 * Per-ConsumerAutoscaler metrics on the operator's registry: what KEDA users chart (the lag the
 * decision used, current and desired replicas, activity) plus the oldest record's age, scale
 * counts and failed lag reads. Created once per operator process (a registry refuses a second
 * registration), shared by every controller instance a leadership change starts.
 */
export class AutoscalerMetrics {
  private readonly lag: Gauge<(typeof LABELS)[number]>;
  private readonly timeLag: Gauge<(typeof LABELS)[number]>;
  private readonly current: Gauge<(typeof LABELS)[number]>;
  private readonly desired: Gauge<(typeof LABELS)[number]>;
  private readonly active: Gauge<(typeof LABELS)[number]>;
  private readonly scales: Counter<'namespace' | 'name' | 'direction'>;
  private readonly lagReadErrors: Counter<(typeof LABELS)[number]>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.lag = new Gauge({
      name: 'operator_autoscaler_lag',
      help: 'Total lag of the consumer group of a ConsumerAutoscaler, at the last successful read',
      labelNames: LABELS,
      registers,
    });
    this.timeLag = new Gauge({
      name: 'operator_autoscaler_time_lag_seconds',
      help: 'Age of the oldest record the group has not consumed yet',
      labelNames: LABELS,
      registers,
    });
    this.current = new Gauge({
      name: 'operator_autoscaler_current_replicas',
      help: 'Replicas of the scale target at the last read',
      labelNames: LABELS,
      registers,
    });
    this.desired = new Gauge({
      name: 'operator_autoscaler_desired_replicas',
      help: 'Replicas the autoscaler decided on',
      labelNames: LABELS,
      registers,
    });
    this.active = new Gauge({
      name: 'operator_autoscaler_active',
      help: '1 while the lag is above the activation threshold, else 0',
      labelNames: LABELS,
      registers,
    });
    this.scales = new Counter({
      name: 'operator_autoscaler_scale_total',
      help: 'Changes of the target replicas, by direction (up, down)',
      labelNames: ['namespace', 'name', 'direction'] as const,
      registers,
    });
    this.lagReadErrors = new Counter({
      name: 'operator_autoscaler_lag_read_errors_total',
      help: 'Lag reads that failed (the replicas were held)',
      labelNames: LABELS,
      registers,
    });
  }

  lagReadFailed(labels: Labels): void {
    this.lagReadErrors.inc(labels);
  }

  /** After a reconcile applied `decision`, scaling from `previousReplicas`. */
  record(labels: Labels, decision: Decision, previousReplicas: number | undefined): void {
    const s = decision.status;
    const set = (gauge: Gauge<(typeof LABELS)[number]>, value: number | undefined) => {
      if (value === undefined) gauge.remove(labels);
      else gauge.set(labels, value);
    };
    set(this.lag, s.totalLag);
    set(this.timeLag, s.timeLagSeconds);
    set(this.current, s.currentReplicas);
    set(this.desired, s.desiredReplicas);
    const active = findCondition(s.conditions, 'Active')?.status;
    set(this.active, active === 'True' ? 1 : active === 'False' ? 0 : undefined);
    if (decision.scaleTo !== undefined && previousReplicas !== undefined) {
      this.scales.inc({ ...labels, direction: decision.scaleTo > previousReplicas ? 'up' : 'down' });
    }
  }

  /** The resource is gone: its series go too. */
  forget(labels: Labels): void {
    for (const gauge of [this.lag, this.timeLag, this.current, this.desired, this.active]) gauge.remove(labels);
    this.lagReadErrors.remove(labels);
    for (const direction of ['up', 'down']) this.scales.remove({ ...labels, direction });
  }
}
