import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The operator's own metrics, on its own registry (no global state shared with other code). */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'operator_reconcile_total',
    help: 'Reconciles by controller and result (success, error, requeue)',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'operator_reconcile_duration_seconds',
    help: 'Time a reconcile took, by controller',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly workqueueDepth = new Gauge({
    name: 'operator_workqueue_depth',
    help: 'Keys waiting in the work queue, by controller',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'operator_leader',
    help: '1 while this instance holds the leader lease, else 0',
    registers: [this.registry],
  });
  readonly informerRestarts = new Counter({
    name: 'operator_informer_restarts_total',
    help: 'Informer restarts after a watch error or a silent watch, by informer',
    labelNames: ['informer'] as const,
    registers: [this.registry],
  });

  constructor() {
    this.leader.set(0);
  }
}
