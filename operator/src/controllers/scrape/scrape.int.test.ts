// Scrape wiring against the real kube-apiserver and the real Prometheus Operator CRDs (vendored in
// test/crds/prometheus-operator/): the CRDs start absent (deleted here), are installed while the
// operator runs, and the operator must notice without a restart. The operator runs in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { OperatorHandle } from '../../operator.js';
import {
  createNamespace,
  deleteNamespace,
  ensureKubeApiserver,
  installCrds,
  kubectl,
  kubectlJson,
  kubectlMergePatch,
  kubectlOk,
  waitFor,
} from '../../testing/kube.js';
import { metricValue, startTestOperator, testOperatorConfig } from '../../testing/operator.js';
import type { Monitor } from './monitors.js';

const CRD_CHECK_SECONDS = 2;
let namespace: string;
let operator: OperatorHandle | undefined;

interface KubeEvent {
  type: string;
  reason: string;
  note: string;
  regarding: { kind: string; name: string };
}

async function eventsOf(kind: string, name: string, reason: string): Promise<KubeEvent[]> {
  const list = await kubectlJson<{ items: KubeEvent[] }>(['get', 'events.events.k8s.io', '-n', namespace]);
  return list.items.filter((e) => e.regarding.kind === kind && e.regarding.name === name && e.reason === reason);
}

const getMonitor = async (kind: 'podmonitor' | 'servicemonitor', name: string) =>
  kubectlJson<Monitor & { metadata: { managedFields?: { manager: string; operation: string }[] } }>([
    'get',
    `${kind}s.monitoring.coreos.com`,
    name,
    '-n',
    namespace,
    '--show-managed-fields',
  ]);

const monitorGone = async (kind: string, name: string) =>
  (await kubectl(['get', `${kind}s.monitoring.coreos.com`, name, '-n', namespace])).code !== 0 ? true : undefined;

function deployment(name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...labels }, annotations },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image: 'ghcr.io/ecom-platform/ecom:0.1.0', ports: [{ name: 'http', containerPort: 3001 }] },
          ],
        },
      },
    },
  });
}

function service(name: string, labels: Record<string, string>, annotations: Record<string, string> = {}) {
  return stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { app: name, ...labels }, annotations },
    spec: { selector: { app: name }, ports: [{ name: 'web', port: 80, targetPort: 3001 }] },
  });
}

/** Deletes every monitoring.coreos.com CRD, so the test starts where the Prometheus Operator is not installed. */
async function uninstallMonitoringCrds(): Promise<void> {
  const names = (await kubectlOk(['get', 'crd', '-o', 'name']))
    .split('\n')
    .filter((n) => n.endsWith('.monitoring.coreos.com'));
  if (names.length > 0) await kubectlOk(['delete', ...names, '--wait=true', '--timeout=60s']);
}

beforeAll(async () => {
  await ensureKubeApiserver();
  await uninstallMonitoringCrds();
  namespace = await createNamespace('scrape');
  operator = await startTestOperator(
    testOperatorConfig(namespace, {
      scrape: true,
      scrapeMonitorLabels: { release: 'test' },
      scrapeCrdCheckSeconds: CRD_CHECK_SECONDS,
    }),
  );
});

afterAll(async () => {
  await operator?.stop();
  if (namespace) await deleteNamespace(namespace);
  // Other tests (the chart's dry-run) expect the real CRDs installed.
  await installCrds('test/crds/prometheus-operator');
});

describe('scrape wiring', () => {
  it('without the Prometheus Operator CRDs: one Warning Event on the workload, a metric, no error loop', async () => {
    await kubectlOk(['apply', '-n', namespace, '-f', '-'], deployment('orders', { 'ecom.dev/scrape': 'true' }));
    const [warning] = await waitFor('PrometheusOperatorNotInstalled event', async () => {
      const events = await eventsOf('Deployment', 'orders', 'PrometheusOperatorNotInstalled');
      return events.length > 0 ? events : undefined;
    });
    expect(warning?.type).toBe('Warning');
    expect(warning?.note).toContain('does not serve monitoring.coreos.com/v1 PodMonitor');
    const handle = operator as OperatorHandle;
    expect(await metricValue(handle, 'operator_prometheus_operator_crds_installed', { kind: 'PodMonitor' })).toBe(0);
    expect(await metricValue(handle, 'operator_scrape_workloads', { state: 'waitingForCrds' })).toBe(1);

    // Several resyncs (3 s) and discovery re-checks (2 s) later: still one event, no failed reconcile.
    await new Promise((r) => setTimeout(r, 7_000));
    expect(await eventsOf('Deployment', 'orders', 'PrometheusOperatorNotInstalled')).toHaveLength(1);
    expect(await metricValue(handle, 'operator_reconcile_total', { controller: 'scrape', result: 'error' })).toBe(0);
    expect(await metricValue(handle, 'operator_reconcile_total', { controller: 'scrape' })).toBeGreaterThan(1);
    const ready = await fetch(`http://127.0.0.1:${handle.port}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('installing the CRDs later creates the PodMonitor, without a restart: owned, labelled, with the defaults', async () => {
    await installCrds('test/crds/prometheus-operator');
    const monitor = await waitFor('PodMonitor orders', async () => getMonitor('podmonitor', 'orders'), 30_000);
    const owner = await kubectlJson<{ metadata: { uid: string } }>(['get', 'deployment', 'orders', '-n', namespace]);
    expect(monitor.metadata.labels).toMatchObject({ release: 'test', 'app.kubernetes.io/managed-by': 'ecom-operator' });
    expect(monitor.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders', uid: owner.metadata.uid, controller: true },
    ]);
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { app: 'orders' } },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    });
    expect(monitor.metadata.managedFields?.some((f) => f.manager === 'ecom-operator' && f.operation === 'Apply')).toBe(
      true,
    );
    const handle = operator as OperatorHandle;
    await waitFor('metrics to follow', async () =>
      (await metricValue(handle, 'operator_prometheus_operator_crds_installed', { kind: 'PodMonitor' })) === 1 &&
      (await metricValue(handle, 'operator_scrape_workloads', { state: 'monitored' })) === 1
        ? true
        : undefined,
    );
    expect(await eventsOf('Deployment', 'orders', 'MonitorCreated')).toHaveLength(1);
  });

  it('a labelled Service gets a ServiceMonitor from its annotations, selecting only that Service', async () => {
    await kubectlOk(
      ['apply', '-n', namespace, '-f', '-'],
      service(
        'orders-api',
        { 'ecom.dev/scrape': 'true' },
        {
          'ecom.dev/scrape-port': 'web',
          'ecom.dev/scrape-path': '/internal/metrics',
          'ecom.dev/scrape-interval': '15s',
        },
      ),
    );
    const monitor = await waitFor('ServiceMonitor orders-api', async () => getMonitor('servicemonitor', 'orders-api'));
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { app: 'orders-api', 'ecom.dev/scrape': 'true' } },
      endpoints: [
        {
          port: 'web',
          path: '/internal/metrics',
          interval: '15s',
          relabelings: [{ action: 'keep', sourceLabels: ['__meta_kubernetes_service_name'], regex: 'orders-api' }],
        },
      ],
    });
    expect(monitor.metadata.ownerReferences?.[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'Service',
      name: 'orders-api',
    });
  });

  it('puts back a monitor edited or deleted by hand', async () => {
    await kubectlMergePatch('podmonitors.monitoring.coreos.com', 'orders', namespace, {
      spec: { podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '1h' }] },
    });
    await waitFor('interval restored', async () =>
      (await getMonitor('podmonitor', 'orders')).spec.podMetricsEndpoints?.[0]?.interval === '30s' ? true : undefined,
    );
    await kubectlOk(['delete', 'podmonitors.monitoring.coreos.com', 'orders', '-n', namespace]);
    await waitFor('PodMonitor recreated', async () => getMonitor('podmonitor', 'orders'));
  });

  it('a bad annotation: a Warning naming it, and the monitor stays as it was', async () => {
    await kubectlOk(['annotate', 'deployment', 'orders', '-n', namespace, 'ecom.dev/scrape-interval=often']);
    const [warning] = await waitFor('InvalidScrapeConfig event', async () => {
      const events = await eventsOf('Deployment', 'orders', 'InvalidScrapeConfig');
      return events.length > 0 ? events : undefined;
    });
    expect(warning?.note).toContain('ecom.dev/scrape-interval "often" must be a Prometheus duration');
    expect((await getMonitor('podmonitor', 'orders')).spec.podMetricsEndpoints?.[0]?.interval).toBe('30s');

    await kubectlOk([
      'annotate',
      '--overwrite',
      'deployment',
      'orders',
      '-n',
      namespace,
      'ecom.dev/scrape-interval=5s',
    ]);
    await waitFor('interval 5s', async () =>
      (await getMonitor('podmonitor', 'orders')).spec.podMetricsEndpoints?.[0]?.interval === '5s' ? true : undefined,
    );
  });

  it('removing the label deletes the monitor; a monitor it does not own is left alone', async () => {
    // A hand-written PodMonitor of another Deployment's name: the operator refuses to take it.
    await kubectlOk(
      ['apply', '-n', namespace, '-f', '-'],
      stringify({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: 'payments' },
        spec: { selector: { matchLabels: { app: 'payments' } }, podMetricsEndpoints: [{ port: 'http' }] },
      }),
    );
    await kubectlOk(['apply', '-n', namespace, '-f', '-'], deployment('payments', { 'ecom.dev/scrape': 'true' }));
    await waitFor('MonitorExistsNotManaged event', async () =>
      (await eventsOf('Deployment', 'payments', 'MonitorExistsNotManaged')).length > 0 ? true : undefined,
    );

    await kubectlOk(['label', 'deployment', 'orders', '-n', namespace, 'ecom.dev/scrape-']);
    await kubectlOk(['label', '--overwrite', 'service', 'orders-api', '-n', namespace, 'ecom.dev/scrape=false']);
    await kubectlOk(['label', 'deployment', 'payments', '-n', namespace, 'ecom.dev/scrape-']);
    await waitFor('PodMonitor orders gone', async () => monitorGone('podmonitor', 'orders'));
    await waitFor('ServiceMonitor orders-api gone', async () => monitorGone('servicemonitor', 'orders-api'));
    expect(await eventsOf('Deployment', 'orders', 'MonitorDeleted')).toHaveLength(1);
    // Give the operator a resync to do something wrong with the foreign one.
    await new Promise((r) => setTimeout(r, 4_000));
    expect((await getMonitor('podmonitor', 'payments')).metadata.ownerReferences).toBeUndefined();
    const handle = operator as OperatorHandle;
    expect(await metricValue(handle, 'operator_scrape_workloads', { state: 'monitored' })).toBe(0);
  });
});
