import type {
  V1Deployment,
  V1LabelSelector,
  V1ObjectMeta,
  V1PodTemplateSpec,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { ObjectMeta } from '../../api/meta.js';
import type { LabelSelector, MonitorKind } from './monitors.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'Service';

export const WORKLOAD_API_VERSIONS: Record<WorkloadKind, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  Service: 'v1',
};

/** Pods of Deployments and StatefulSets are scraped through a PodMonitor, Services through a ServiceMonitor. */
export const MONITOR_KIND_OF: Record<WorkloadKind, MonitorKind> = {
  Deployment: 'PodMonitor',
  StatefulSet: 'PodMonitor',
  Service: 'ServiceMonitor',
};

export interface WorkloadPort {
  name?: string;
  /** containerPort of a pod template, `port` of a Service. */
  number: number;
}

/** What the scrape decision needs of a Deployment, StatefulSet or Service. */
export interface Workload {
  kind: WorkloadKind;
  metadata: ObjectMeta;
  /** Deployment/StatefulSet: spec.selector (its pods). Services are selected by their own labels. */
  selector?: LabelSelector;
  /** Pod template container ports, or Service ports. */
  ports: WorkloadPort[];
}

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

const KEY_PREFIX: Record<WorkloadKind, string> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  Service: 'service',
};

/** The work queue key: `deployment/ns/name`, `statefulset/ns/name`, `service/ns/name`. */
export function workloadKey(ref: WorkloadRef): string {
  return `${KEY_PREFIX[ref.kind]}/${ref.namespace}/${ref.name}`;
}

export function parseWorkloadKey(key: string): WorkloadRef {
  const [prefix, namespace, name] = key.split('/');
  const kind = (Object.keys(KEY_PREFIX) as WorkloadKind[]).find((k) => KEY_PREFIX[k] === prefix);
  if (!kind || !namespace || !name) throw new Error(`not a scrape work queue key: ${JSON.stringify(key)}`);
  return { kind, namespace, name };
}

/** The workload kind an owner reference points at, if it is one this controller keeps monitors for. */
export function workloadKindOf(ownerApiVersion: string, ownerKind: string): WorkloadKind | undefined {
  const kind = (Object.keys(WORKLOAD_API_VERSIONS) as WorkloadKind[]).find((k) => k === ownerKind);
  return kind && WORKLOAD_API_VERSIONS[kind] === ownerApiVersion ? kind : undefined;
}

function meta(object: { metadata?: V1ObjectMeta }): ObjectMeta {
  const m = object.metadata ?? {};
  return {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    labels: m.labels,
    annotations: m.annotations,
  };
}

function templatePorts(template: V1PodTemplateSpec | undefined): WorkloadPort[] {
  return (template?.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), number: p.containerPort })),
  );
}

function selectorOf(selector: V1LabelSelector | undefined): LabelSelector {
  return {
    ...(selector?.matchLabels ? { matchLabels: { ...selector.matchLabels } } : {}),
    ...(selector?.matchExpressions
      ? {
          matchExpressions: selector.matchExpressions.map((e) => ({
            key: e.key,
            operator: e.operator,
            ...(e.values ? { values: [...e.values] } : {}),
          })),
        }
      : {}),
  };
}

export function workloadFromDeployment(d: V1Deployment | V1StatefulSet, kind: 'Deployment' | 'StatefulSet'): Workload {
  return {
    kind,
    metadata: meta(d),
    selector: selectorOf(d.spec?.selector),
    ports: templatePorts(d.spec?.template),
  };
}

export function workloadFromService(s: V1Service): Workload {
  return {
    kind: 'Service',
    metadata: meta(s),
    ports: (s.spec?.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), number: p.port })),
  };
}
