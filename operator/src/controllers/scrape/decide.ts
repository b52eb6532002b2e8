import type { OwnerReference } from '../../api/meta.js';
import { jsonEqual } from '../../runtime/conditions.js';
import type { EventNote } from '../../runtime/events.js';
import { isScrapeLabelled, parseScrapeAnnotations, SCRAPE_LABEL, type ScrapeSettings } from './annotations.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MONITOR_PLURALS,
  MONITORING_API_VERSION,
  type Monitor,
  type MonitorEndpoint,
  type MonitorKind,
} from './monitors.js';
import { MONITOR_KIND_OF, WORKLOAD_API_VERSIONS, type Workload } from './workload.js';

export interface ScrapeObservation {
  /** The workload, fresh from the API server. */
  workload: Workload;
  /** Whether the API server serves the workload's monitor kind (its Prometheus Operator CRD is installed). */
  monitorServed: boolean;
  /** The monitor of the workload's name, when served and present. */
  monitor?: Monitor;
}

export interface ScrapeContext {
  /** Labels every monitor carries (operator setting): what a Prometheus selects monitors on. */
  monitorLabels: Record<string, string>;
  /** How often the operator re-checks for the CRDs (for messages). */
  crdCheckSeconds: number;
}

/** Where a workload stands; the operator's scrape metric counts workloads by it. */
export type ScrapeState = 'monitored' | 'notLabelled' | 'waitingForCrds' | 'invalid' | 'conflict';

export type ScrapeStep =
  | { type: 'apply'; monitor: Monitor }
  | { type: 'delete'; kind: MonitorKind; namespace: string; name: string; uid: string };

export interface ScrapeDecision {
  steps: ScrapeStep[];
  /** Events on the workload, recorded once the steps succeeded. */
  events: EventNote[];
  state: ScrapeState;
}

export const ScrapeReasons = {
  PrometheusOperatorNotInstalled: 'PrometheusOperatorNotInstalled',
  InvalidScrapeConfig: 'InvalidScrapeConfig',
  ScrapePortNotFound: 'ScrapePortNotFound',
  MonitorExistsNotManaged: 'MonitorExistsNotManaged',
  MonitorCreated: 'MonitorCreated',
  MonitorUpdated: 'MonitorUpdated',
  MonitorDeleted: 'MonitorDeleted',
} as const;

/**
 * The scrape decision for one workload: keep a PodMonitor (Deployment, StatefulSet) or
 * ServiceMonitor (Service) of the workload's name, owned by it, while it carries
 * `ecom.dev/scrape: "true"`; delete the one it owns once the label is gone. The monitor is applied
 * on every pass (server-side apply is a no-op when nothing changed, and takes back fields edited by
 * hand); events say only what changed. Pure: the I/O layer observes and acts.
 */
export function decide(observed: ScrapeObservation, ctx: ScrapeContext): ScrapeDecision {
  const { workload, monitor } = observed;
  const kind = MONITOR_KIND_OF[workload.kind];
  const owner = ownership(monitor, workload);

  if (!isScrapeLabelled(workload.metadata.labels)) {
    if (!monitor || owner !== 'ours') return { steps: [], events: [], state: 'notLabelled' };
    return {
      steps: [
        {
          type: 'delete',
          kind,
          namespace: monitor.metadata.namespace ?? '',
          name: monitor.metadata.name ?? '',
          uid: monitor.metadata.uid ?? '',
        },
      ],
      events: [
        normal(
          ScrapeReasons.MonitorDeleted,
          'Delete',
          `deleted ${kind} ${monitor.metadata.name}: the ${SCRAPE_LABEL}="true" label is gone`,
        ),
      ],
      state: 'notLabelled',
    };
  }

  if (!observed.monitorServed) {
    return refuse(
      'waitingForCrds',
      ScrapeReasons.PrometheusOperatorNotInstalled,
      `${workload.kind} ${workload.metadata.name} has ${SCRAPE_LABEL}="true", but the API server does not serve ${MONITORING_API_VERSION} ${kind} (${MONITOR_PLURALS[kind]}): the Prometheus Operator CRDs are not installed. The operator checks again every ${ctx.crdCheckSeconds}s and creates the ${kind} once they are.`,
    );
  }

  const parsed = parseScrapeAnnotations(workload.metadata.annotations);
  if (!parsed.ok) {
    return refuse('invalid', ScrapeReasons.InvalidScrapeConfig, `no ${kind} kept: ${parsed.problems.join('; ')}`);
  }
  const endpoint = scrapeEndpoint(workload, parsed.settings);
  if (!endpoint.ok) return refuse('invalid', ScrapeReasons.ScrapePortNotFound, `no ${kind} kept: ${endpoint.problem}`);

  if (monitor && owner === 'foreign') {
    return refuse(
      'conflict',
      ScrapeReasons.MonitorExistsNotManaged,
      `${kind} ${monitor.metadata.name} already exists and is not owned by ${workload.kind} ${workload.metadata.name}; the operator leaves it alone. Delete or rename it to let the operator keep its own.`,
    );
  }

  const desired = desiredMonitor(workload, endpoint.endpoint, ctx.monitorLabels);
  const events: EventNote[] = [];
  const what = describeEndpoint(endpoint.endpoint);
  if (!monitor) {
    events.push(normal(ScrapeReasons.MonitorCreated, 'Create', `created ${kind} ${desired.metadata.name} (${what})`));
  } else if (owner === 'stale' || !carries(monitor, desired)) {
    events.push(normal(ScrapeReasons.MonitorUpdated, 'Update', `updated ${kind} ${desired.metadata.name} (${what})`));
  }
  return { steps: [{ type: 'apply', monitor: desired }], events, state: 'monitored' };
}

function refuse(state: ScrapeState, reason: string, note: string): ScrapeDecision {
  return { steps: [], events: [{ type: 'Warning', reason, action: 'Refuse', note }], state };
}

function normal(reason: string, action: string, note: string): EventNote {
  return { type: 'Normal', reason, action, note };
}

/**
 * ours: its controller reference is this workload. stale: it names a previous object of this kind
 * and name (a different uid): that object is gone, since the name now belongs to this one.
 * foreign: anything else (a hand-written monitor, another controller's).
 */
function ownership(monitor: Monitor | undefined, workload: Workload): 'ours' | 'stale' | 'foreign' | undefined {
  if (!monitor) return undefined;
  const ref = monitor.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return 'foreign';
  if (ref.uid === workload.metadata.uid) return 'ours';
  const sameObject =
    ref.apiVersion === WORKLOAD_API_VERSIONS[workload.kind] &&
    ref.kind === workload.kind &&
    ref.name === workload.metadata.name;
  return sameObject ? 'stale' : 'foreign';
}

type EndpointResult = { ok: true; endpoint: MonitorEndpoint } | { ok: false; problem: string };

/** Resolves the annotated port against the workload's own ports, so a typo fails here and not silently in Prometheus. */
export function scrapeEndpoint(workload: Workload, settings: ScrapeSettings): EndpointResult {
  const { port } = settings;
  const matches = workload.ports.filter((p) => ('name' in port ? p.name === port.name : p.number === port.number));
  const found = matches[0];
  const wanted = 'name' in port ? `named ${JSON.stringify(port.name)}` : `${port.number}`;
  const listed = workload.ports.map((p) => (p.name ? `${p.name}:${p.number}` : `${p.number}`)).join(', ') || 'none';
  const where = workload.kind === 'Service' ? 'Service' : `pod template of ${workload.kind}`;
  if (!found) {
    return {
      ok: false,
      problem: `no ${workload.kind === 'Service' ? 'Service' : 'container'} port ${wanted} in the ${where} ${workload.metadata.name} (ports: ${listed}); name the port or set ecom.dev/scrape-port`,
    };
  }
  const base = { path: settings.path, interval: settings.interval };
  if (workload.kind !== 'Service') {
    return { ok: true, endpoint: found.name ? { port: found.name, ...base } : { portNumber: found.number, ...base } };
  }
  if (!found.name) {
    return {
      ok: false,
      problem: `Service port ${found.number} of ${workload.metadata.name} has no name, and a ServiceMonitor selects Service ports by name; name it`,
    };
  }
  // A ServiceMonitor selects Services by label; this keeps the targets of exactly this Service.
  const keepThisService = {
    action: 'keep',
    sourceLabels: ['__meta_kubernetes_service_name'],
    regex: workload.metadata.name ?? '',
  };
  return { ok: true, endpoint: { port: found.name, ...base, relabelings: [keepThisService] } };
}

/** The monitor this operator keeps for the workload: exactly the fields it owns under server-side apply. */
export function desiredMonitor(workload: Workload, endpoint: MonitorEndpoint, labels: Record<string, string>): Monitor {
  const kind = MONITOR_KIND_OF[workload.kind];
  // No blockOwnerDeletion: it would need update on the owner's finalizers wherever the
  // OwnerReferencesPermissionEnforcement admission plugin runs; garbage collection works without it.
  const ownerReference: OwnerReference = {
    apiVersion: WORKLOAD_API_VERSIONS[workload.kind],
    kind: workload.kind,
    name: workload.metadata.name ?? '',
    uid: workload.metadata.uid ?? '',
    controller: true,
  };
  const spec: Monitor['spec'] =
    kind === 'PodMonitor'
      ? { selector: workload.selector ?? {}, podMetricsEndpoints: [endpoint] }
      : { selector: { matchLabels: { ...(workload.metadata.labels ?? {}) } }, endpoints: [endpoint] };
  return {
    apiVersion: MONITORING_API_VERSION,
    kind,
    metadata: {
      name: workload.metadata.name,
      namespace: workload.metadata.namespace,
      labels: { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY },
      ownerReferences: [ownerReference],
    },
    spec,
  };
}

/** Does the observed monitor already carry what the desired one sets? Fields others added do not count. */
function carries(observed: Monitor, desired: Monitor): boolean {
  const labels = observed.metadata.labels ?? {};
  return (
    Object.entries(desired.metadata.labels ?? {}).every(([k, v]) => labels[k] === v) &&
    jsonEqual(observed.spec.selector, desired.spec.selector) &&
    contains(observed.spec, desired.spec)
  );
}

function contains(observed: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(observed) && observed.length === desired.length && desired.every((d, i) => contains(observed[i], d))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (observed === null || typeof observed !== 'object') return false;
    return Object.entries(desired).every(([k, v]) => contains((observed as Record<string, unknown>)[k], v));
  }
  return observed === desired;
}

function describeEndpoint(e: MonitorEndpoint): string {
  return `port ${e.port ?? e.portNumber}, path ${e.path}, every ${e.interval}`;
}
