import {
  AppsV1Api,
  CoreV1Api,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Controller, type ControllerOptions, type WatchSource } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { KubeClients } from '../../runtime/kube.js';
import type { OperatorMetrics } from '../../runtime/metrics.js';
import { SCRAPE_LABEL_SELECTOR } from './annotations.js';
import type { ScrapeState } from './decide.js';
import { changedKinds, MonitorDiscovery } from './discovery.js';
import { scrapeKube } from './kube-api.js';
import type { ScrapeMetrics } from './metrics.js';
import { MonitorWatch } from './monitor-watch.js';
import { scrapeReconciler } from './reconciler.js';
import { MONITOR_KIND_OF, parseWorkloadKey, type WorkloadKind, workloadKey } from './workload.js';

export interface ScrapeControllerOptions {
  clients: KubeClients;
  namespace?: string;
  /** Labels every monitor carries (what a Prometheus selects monitors on). */
  monitorLabels: Record<string, string>;
  /** How often to re-check whether the Prometheus Operator CRDs are served. */
  crdCheckMs: number;
  recorder: EventRecorder;
  metrics: OperatorMetrics;
  scrapeMetrics: ScrapeMetrics;
  logger: Logger;
  resyncMs: number;
  watchSilenceMs: number;
  concurrency: number;
}

const INFORMER_BACKOFF = { baseMs: 500, maxMs: 30_000 };

/** A controller with things that run beside its informers: CRD discovery and the monitor watch. */
class ScrapeController extends Controller {
  constructor(
    options: ControllerOptions,
    private readonly discovery: MonitorDiscovery,
    private readonly monitorWatch: MonitorWatch,
  ) {
    super(options);
  }

  override async start(): Promise<void> {
    await this.discovery.start();
    await super.start();
  }

  override async stop(): Promise<void> {
    this.discovery.stop();
    await this.monitorWatch.stop();
    await super.stop();
  }
}

/**
 * The scrape controller: Deployments, StatefulSets and Services labelled `ecom.dev/scrape: "true"`
 * get an owned PodMonitor or ServiceMonitor. It watches only labelled workloads (a workload that
 * loses the label leaves the watch as a delete event, and its reconcile deletes the monitor), the
 * monitors it keeps while their CRDs are served, and re-checks discovery every `crdCheckMs`.
 */
export function scrapeController(options: ScrapeControllerOptions): Controller {
  const { clients, namespace, scrapeMetrics } = options;
  const kube = scrapeKube(clients);
  const states = new Map<string, ScrapeState>();
  scrapeMetrics.setStates([]);
  /** Keys of the labelled workloads the informers hold, to re-run them when the CRDs come or go. */
  const known = new Set<string>();
  let enqueue: (key: string) => void = () => undefined;

  const monitorWatch = new MonitorWatch({
    clients,
    namespace,
    enqueue: (key) => enqueue(key),
    resyncMs: options.resyncMs,
    silenceMs: options.watchSilenceMs,
    backoff: INFORMER_BACKOFF,
    onRestart: (informer) => options.metrics.informerRestarts.inc({ informer }),
    logger: options.logger,
  });
  const discovery = new MonitorDiscovery({
    check: () => kube.servedMonitors(),
    intervalMs: options.crdCheckMs,
    logger: options.logger,
    onChange: async (served, previous) => {
      scrapeMetrics.setServed(served);
      await monitorWatch.sync(served);
      const changed = new Set(changedKinds(served, previous));
      for (const key of known) if (changed.has(MONITOR_KIND_OF[parseWorkloadKey(key).kind])) enqueue(key);
    },
  });

  const apps = clients.config.makeApiClient(AppsV1Api);
  const core = clients.config.makeApiClient(CoreV1Api);
  const labelSelector = SCRAPE_LABEL_SELECTOR;
  const source = (
    kind: WorkloadKind,
    resource: string,
    list: () => Promise<KubernetesListObject<KubernetesObject>>,
  ): WatchSource => {
    const group = kind === 'Service' ? '/api/v1' : '/apis/apps/v1';
    const path = namespace ? `${group}/namespaces/${namespace}/${resource}` : `${group}/${resource}`;
    return {
      name: resource,
      factory: () => makeInformer(clients.config, path, list, labelSelector),
      keysFor: (object, event) => {
        const key = workloadKey({
          kind,
          namespace: object.metadata?.namespace ?? '',
          name: object.metadata?.name ?? '',
        });
        if (event === 'delete') known.delete(key);
        else known.add(key);
        return [key];
      },
    };
  };
  const sources = [
    source('Deployment', 'deployments', async () =>
      namespace
        ? apps.listNamespacedDeployment({ namespace, labelSelector })
        : apps.listDeploymentForAllNamespaces({ labelSelector }),
    ),
    source('StatefulSet', 'statefulsets', async () =>
      namespace
        ? apps.listNamespacedStatefulSet({ namespace, labelSelector })
        : apps.listStatefulSetForAllNamespaces({ labelSelector }),
    ),
    source('Service', 'services', async () =>
      namespace
        ? core.listNamespacedService({ namespace, labelSelector })
        : core.listServiceForAllNamespaces({ labelSelector }),
    ),
  ];

  const controller = new ScrapeController(
    {
      name: 'scrape',
      sources,
      reconcile: scrapeReconciler({
        kube,
        discovery,
        recorder: options.recorder,
        monitorLabels: options.monitorLabels,
        crdCheckSeconds: Math.round(options.crdCheckMs / 1000),
        onState: (key, state) => {
          if (state) states.set(key, state);
          else states.delete(key);
          scrapeMetrics.setStates(states.values());
        },
        logger: options.logger,
      }),
      concurrency: options.concurrency,
      resyncMs: options.resyncMs,
      watchSilenceMs: options.watchSilenceMs,
      retryBackoff: { baseMs: 250, maxMs: 60_000 },
      informerBackoff: INFORMER_BACKOFF,
      minRequeueAfterMs: 100,
      metrics: options.metrics,
      logger: options.logger,
    },
    discovery,
    monitorWatch,
  );
  enqueue = (key) => controller.enqueue(key);
  return controller;
}
