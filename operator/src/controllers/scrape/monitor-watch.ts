import { type KubernetesListObject, type KubernetesObject, makeInformer } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BackoffOptions } from '../../runtime/backoff.js';
import { ResilientInformer } from '../../runtime/informer.js';
import type { KubeClients } from '../../runtime/kube.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MONITOR_PLURALS,
  MONITORING_GROUP,
  MONITORING_VERSION,
  type MonitorKind,
  type ServedMonitors,
} from './monitors.js';
import { workloadKey, workloadKindOf } from './workload.js';

export interface MonitorWatchOptions {
  clients: KubeClients;
  namespace?: string;
  /** Called with the owning workload's key for every event on one of our monitors. */
  enqueue: (key: string) => void;
  resyncMs: number;
  silenceMs: number;
  backoff: BackoffOptions;
  onRestart: (informer: string) => void;
  logger: Logger;
}

const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/** The work queue key of the workload that controls a monitor, if it is one of ours. */
export function ownerKeyOf(monitor: KubernetesObject): string | undefined {
  const ref = monitor.metadata?.ownerReferences?.find((r) => r.controller);
  const kind = ref && workloadKindOf(ref.apiVersion, ref.kind);
  const namespace = monitor.metadata?.namespace;
  return kind && namespace ? workloadKey({ kind, namespace, name: ref.name }) : undefined;
}

/**
 * Watches the monitors this operator keeps, while their CRDs are served: an edit or deletion by
 * hand, or a monitor left behind while the operator was down, re-runs its workload at once. Started
 * and stopped by discovery, since a watch on a resource that is not served only fails.
 */
export class MonitorWatch {
  private readonly running = new Map<MonitorKind, ResilientInformer<KubernetesObject>>();
  /** Once stopped, a discovery result that arrives late starts nothing. */
  private stopped = false;

  constructor(private readonly options: MonitorWatchOptions) {}

  async sync(served: ServedMonitors): Promise<void> {
    if (this.stopped) return;
    for (const kind of Object.keys(served) as MonitorKind[]) {
      const informer = this.running.get(kind);
      if (served[kind] && !informer) {
        const started = this.informer(kind);
        this.running.set(kind, started);
        await started.start();
      } else if (!served[kind] && informer) {
        this.running.delete(kind);
        await informer.stop();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const informers = [...this.running.values()];
    this.running.clear();
    await Promise.all(informers.map((i) => i.stop()));
  }

  private informer(kind: MonitorKind): ResilientInformer<KubernetesObject> {
    const { clients, namespace } = this.options;
    const r = { group: MONITORING_GROUP, version: MONITORING_VERSION, plural: MONITOR_PLURALS[kind] };
    const path = namespace
      ? `/apis/${r.group}/${r.version}/namespaces/${namespace}/${r.plural}`
      : `/apis/${r.group}/${r.version}/${r.plural}`;
    const list = async () =>
      (namespace
        ? await clients.customObjects.listNamespacedCustomObject({ ...r, namespace, labelSelector: MANAGED_SELECTOR })
        : await clients.customObjects.listClusterCustomObject({
            ...r,
            labelSelector: MANAGED_SELECTOR,
          })) as KubernetesListObject<KubernetesObject>;
    const name = `${r.plural}.${r.group}`;
    return new ResilientInformer<KubernetesObject>({
      name,
      factory: () => makeInformer(clients.config, path, list, MANAGED_SELECTOR),
      resyncMs: this.options.resyncMs,
      silenceMs: this.options.silenceMs,
      restartBackoff: this.options.backoff,
      logger: this.options.logger,
      onRestart: () => this.options.onRestart(name),
      onEvent: (_event, monitor) => {
        const key = ownerKeyOf(monitor);
        if (key) this.options.enqueue(key);
      },
    });
  }
}
