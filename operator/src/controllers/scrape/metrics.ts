import { Gauge, type Registry } from 'prom-client';
import type { ScrapeState } from './decide.js';
import type { MonitorKind, ServedMonitors } from './monitors.js';

/** The states counted (a workload that is not labelled is not the scrape controller's). */
export const SCRAPE_STATES: readonly ScrapeState[] = ['monitored', 'waitingForCrds', 'invalid', 'conflict'];

/**
 * The scrape controller's metrics, on the operator's registry. Made once per operator process
 * (the controller itself is rebuilt on every leadership change and a registry takes a name once).
 */
export class ScrapeMetrics {
  readonly crdsInstalled: Gauge<'kind'>;
  readonly workloads: Gauge<'state'>;

  constructor(registry: Registry) {
    this.crdsInstalled = new Gauge({
      name: 'operator_prometheus_operator_crds_installed',
      help: 'Whether the API server serves the Prometheus Operator monitor kind (1) or not (0), by kind (PodMonitor, ServiceMonitor); re-checked periodically',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
    this.workloads = new Gauge({
      name: 'operator_scrape_workloads',
      help: 'Workloads seen by the scrape controller, by state: monitored, waitingForCrds (Prometheus Operator CRDs not installed), invalid (bad scrape annotations or port), conflict (a monitor of that name not owned by the workload)',
      labelNames: ['state'] as const,
      registers: [registry],
    });
  }

  setServed(served: ServedMonitors): void {
    for (const kind of Object.keys(served) as MonitorKind[]) this.crdsInstalled.set({ kind }, served[kind] ? 1 : 0);
  }

  setStates(states: Iterable<ScrapeState>): void {
    const counts = new Map<ScrapeState, number>(SCRAPE_STATES.map((s) => [s, 0]));
    for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [state, n] of counts) this.workloads.set({ state }, n);
  }
}
