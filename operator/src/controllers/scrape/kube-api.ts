import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isNotFound, type KubeClients } from '../../runtime/kube.js';
import { FIELD_MANAGER } from '../eventtopic/kube-api.js';
import {
  MONITOR_PLURALS,
  MONITORING_GROUP,
  MONITORING_VERSION,
  type Monitor,
  type MonitorKind,
  type ServedMonitors,
} from './monitors.js';
import { type Workload, type WorkloadRef, workloadFromDeployment, workloadFromService } from './workload.js';

/** The Kubernetes reads and writes of the scrape controller. */
export interface ScrapeKube {
  getWorkload(ref: WorkloadRef): Promise<Workload | undefined>;
  getMonitor(kind: MonitorKind, namespace: string, name: string): Promise<Monitor | undefined>;
  applyMonitor(monitor: Monitor): Promise<void>;
  /** Deletes the monitor only if it is still the object with `uid` (a precondition). */
  deleteMonitor(kind: MonitorKind, namespace: string, name: string, uid: string): Promise<void>;
  /** Which monitor kinds the API server serves now (discovery of monitoring.coreos.com/v1). */
  servedMonitors(): Promise<ServedMonitors>;
}

const serverSideApply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const monitors = (kind: MonitorKind) => ({
  group: MONITORING_GROUP,
  version: MONITORING_VERSION,
  plural: MONITOR_PLURALS[kind],
});

async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function scrapeKube(clients: KubeClients): ScrapeKube {
  const apps = clients.config.makeApiClient(AppsV1Api);
  const core = clients.config.makeApiClient(CoreV1Api);
  const custom = clients.customObjects;
  return {
    async getWorkload({ kind, namespace, name }) {
      switch (kind) {
        case 'Deployment': {
          const d = await orUndefined(apps.readNamespacedDeployment({ namespace, name }));
          return d && workloadFromDeployment(d, kind);
        }
        case 'StatefulSet': {
          const s = await orUndefined(apps.readNamespacedStatefulSet({ namespace, name }));
          return s && workloadFromDeployment(s, kind);
        }
        case 'Service': {
          const s = await orUndefined(core.readNamespacedService({ namespace, name }));
          return s && workloadFromService(s);
        }
      }
    },
    async getMonitor(kind, namespace, name) {
      return (await orUndefined(custom.getNamespacedCustomObject({ ...monitors(kind), namespace, name }))) as
        | Monitor
        | undefined;
    },
    async applyMonitor(monitor) {
      // Server-side apply: the operator owns exactly the fields it sends; force takes back fields
      // someone edited by hand (drift correction). A no-op apply writes nothing.
      await custom.patchNamespacedCustomObject(
        {
          ...monitors(monitor.kind),
          namespace: monitor.metadata.namespace ?? '',
          name: monitor.metadata.name ?? '',
          body: monitor,
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        serverSideApply,
      );
    },
    async deleteMonitor(kind, namespace, name, uid) {
      await orUndefined(
        custom.deleteNamespacedCustomObject({ ...monitors(kind), namespace, name, body: { preconditions: { uid } } }),
      );
    },
    async servedMonitors() {
      const list = await orUndefined(custom.getAPIResources({ group: MONITORING_GROUP, version: MONITORING_VERSION }));
      const names = new Set((list?.resources ?? []).map((r) => r.name));
      return {
        PodMonitor: names.has(MONITOR_PLURALS.PodMonitor),
        ServiceMonitor: names.has(MONITOR_PLURALS.ServiceMonitor),
      };
    },
  };
}
