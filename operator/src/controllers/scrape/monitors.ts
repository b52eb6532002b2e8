import type { ObjectMeta } from '../../api/meta.js';

export const MONITORING_GROUP = 'monitoring.coreos.com';
export const MONITORING_VERSION = 'v1';
export const MONITORING_API_VERSION = `${MONITORING_GROUP}/${MONITORING_VERSION}`;

export type MonitorKind = 'PodMonitor' | 'ServiceMonitor';

export const MONITOR_PLURALS: Record<MonitorKind, string> = {
  PodMonitor: 'podmonitors',
  ServiceMonitor: 'servicemonitors',
};

/** Label on every monitor this operator keeps, so it watches only those. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'ecom-operator';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface RelabelConfig {
  action: string;
  sourceLabels: string[];
  regex: string;
}

/** One scrape endpoint: the fields of PodMetricsEndpoint / Endpoint this operator sets. */
export interface MonitorEndpoint {
  port?: string;
  /** PodMonitor only: a container port that has no name. */
  portNumber?: number;
  path: string;
  interval: string;
  relabelings?: RelabelConfig[];
}

/** A PodMonitor or ServiceMonitor (monitoring.coreos.com/v1), the parts this operator writes and reads. */
export interface Monitor {
  apiVersion: typeof MONITORING_API_VERSION;
  kind: MonitorKind;
  metadata: ObjectMeta;
  spec: {
    selector: LabelSelector;
    podMetricsEndpoints?: MonitorEndpoint[];
    endpoints?: MonitorEndpoint[];
  };
}

/** Which monitor kinds the API server serves (their CRDs are installed and established). */
export type ServedMonitors = Record<MonitorKind, boolean>;
