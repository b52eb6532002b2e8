// Our monitors through the real thing: the real prometheus-operator (built from the Go module proxy
// by local/tools/install.sh) runs against the test kube-apiserver with a Prometheus resource that
// selects `release: test`, and Debian's prometheus runs the configuration it generates and scrapes
// a real /metrics endpoint: the in-process ecom operator's own. No kubelet runs pods here, so the
// scraped pod is a Pod object whose status the test writes (Running, podIP 127.0.0.1). Debian
// builds prometheus without kubernetes_sd_configs, so each generated job's discovery is swapped for
// the targets Kubernetes discovery would report for the real Pod and Service read back from the
// API server (testing/discovery-labels.ts); the generated relabeling, which is where our monitors'
// selectors, ports and paths end up, decides which targets are scraped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { OperatorHandle } from '../../operator.js';
import { endpointTargets, podTargets } from '../../testing/discovery-labels.js';
import {
  createNamespace,
  deleteNamespace,
  ensureKubeApiserver,
  installCrds,
  kubectlJson,
  kubectlOk,
  waitFor,
} from '../../testing/kube.js';
import { startTestOperator, testOperatorConfig } from '../../testing/operator.js';
import {
  freePort,
  installTool,
  kubeApiAccess,
  type RunningProcess,
  startProcess,
  tail,
} from '../../testing/prometheus.js';

/** Debian bookworm's prometheus package; the Prometheus resource asks the operator for its config dialect. */
const PROMETHEUS_VERSION = 'v2.42.0';

// biome-ignore lint/suspicious/noExplicitAny: generated Prometheus configuration is free-form YAML
type Obj = Record<string, any>;

let namespace: string;
let dir: string;
let ecomOperator: OperatorHandle | undefined;
let prometheusOperator: RunningProcess | undefined;
let prometheus: RunningProcess | undefined;
let prometheusBinary: string;
let generated: Obj;

const podJob = () => `podMonitor/${namespace}/metrics-app/0`;
const serviceJob = () => `serviceMonitor/${namespace}/metrics-api/0`;
const apply = (object: Obj) => kubectlOk(['apply', '-n', namespace, '-f', '-'], stringify(object));

beforeAll(async () => {
  const operatorBinary = await installTool('prometheus-operator');
  prometheusBinary = await installTool('prometheus');
  await ensureKubeApiserver();
  await installCrds('test/crds/prometheus-operator');
  namespace = await createNamespace('scrape-prom');
  dir = mkdtempSync(join(tmpdir(), 'ecom-scrape-'));

  ecomOperator = await startTestOperator(
    testOperatorConfig(namespace, { scrape: true, scrapeMonitorLabels: { release: 'test' } }),
  );
  const port = ecomOperator.port;
  const template = {
    metadata: { labels: { app: 'metrics-app' } },
    spec: {
      containers: [
        { name: 'app', image: 'ghcr.io/ecom-platform/ecom:0.1.0', ports: [{ name: 'http', containerPort: port }] },
      ],
    },
  };
  await apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'metrics-app',
      labels: { app: 'metrics-app', 'ecom.dev/scrape': 'true' },
      annotations: { 'ecom.dev/scrape-interval': '2s' },
    },
    spec: { selector: { matchLabels: { app: 'metrics-app' } }, template },
  });
  await apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'metrics-app-0', ...template.metadata },
    spec: template.spec,
  });
  await kubectlOk([
    'patch',
    'pod',
    'metrics-app-0',
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        phase: 'Running',
        podIP: '127.0.0.1',
        podIPs: [{ ip: '127.0.0.1' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    }),
  ]);
  await apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'metrics-api',
      labels: { app: 'metrics-api', 'ecom.dev/scrape': 'true' },
      annotations: { 'ecom.dev/scrape-port': 'metrics', 'ecom.dev/scrape-interval': '2s' },
    },
    spec: { selector: { app: 'metrics-app' }, ports: [{ name: 'metrics', port: 80, targetPort: port }] },
  });
  // A monitor without the label the Prometheus selects on: it must stay out of the configuration.
  await apply({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: 'not-selected' },
    spec: { selector: { matchLabels: { app: 'metrics-app' } }, podMetricsEndpoints: [{ port: 'http' }] },
  });
  await waitFor('our PodMonitor and ServiceMonitor', async () => {
    const pm = await kubectlJson<Obj>(['get', 'podmonitors.monitoring.coreos.com', 'metrics-app', '-n', namespace]);
    const sm = await kubectlJson<Obj>(['get', 'servicemonitors.monitoring.coreos.com', 'metrics-api', '-n', namespace]);
    return pm && sm;
  });

  const kube = kubeApiAccess();
  prometheusOperator = startProcess(
    operatorBinary,
    [
      `--apiserver=${kube.server}`,
      `--ca-file=${kube.caFile}`,
      `--cert-file=${kube.certFile}`,
      `--key-file=${kube.keyFile}`,
      `--namespaces=${namespace}`,
      '--web.listen-address=127.0.0.1:0',
    ],
    join(dir, 'prometheus-operator.log'),
  );
  await apply({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'Prometheus',
    metadata: { name: 'test' },
    spec: {
      version: PROMETHEUS_VERSION,
      replicas: 1,
      podMonitorSelector: { matchLabels: { release: 'test' } },
      serviceMonitorSelector: { matchLabels: { release: 'test' } },
    },
  });
}, 40 * 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await prometheusOperator?.stop();
  await ecomOperator?.stop();
  if (namespace) await deleteNamespace(namespace);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const relabelKeeps = (job: Obj) =>
  (job.relabel_configs as Obj[])
    .filter((r) => r.action === 'keep')
    .map((r) => `${(r.source_labels as string[]).join(',')}=${r.regex}`);

describe('the real prometheus-operator and Prometheus', () => {
  it('prometheus-operator takes our monitors into the configuration it generates (the prometheus-test Secret)', async () => {
    const log = () => tail(prometheusOperator?.logFile ?? '');
    generated = await waitFor(
      'the prometheus-test Secret with both our scrape jobs',
      async () => {
        if (prometheusOperator?.exited()) throw new Error(`prometheus-operator exited:\n${log()}`);
        const secret = await kubectlJson<{ data: Record<string, string> }>([
          'get',
          'secret',
          'prometheus-test',
          '-n',
          namespace,
        ]);
        const gz = secret.data['prometheus.yaml.gz'];
        if (!gz) return undefined;
        const config = parse(gunzipSync(Buffer.from(gz, 'base64')).toString('utf8')) as Obj;
        const jobs = (config.scrape_configs ?? []).map((j: Obj) => j.job_name);
        return jobs.includes(podJob()) && jobs.includes(serviceJob()) ? config : undefined;
      },
      120_000,
      500,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\nprometheus-operator log:\n${log()}`);
    });
    const jobs: Obj[] = generated.scrape_configs;
    expect(jobs.map((j) => j.job_name)).not.toContain(`podMonitor/${namespace}/not-selected/0`);

    const pod = jobs.find((j) => j.job_name === podJob()) as Obj;
    expect(pod).toMatchObject({ scrape_interval: '2s', metrics_path: '/metrics' });
    expect(pod.kubernetes_sd_configs).toEqual([
      expect.objectContaining({ role: 'pod', namespaces: { names: [namespace] } }),
    ]);
    expect(relabelKeeps(pod)).toEqual(
      expect.arrayContaining([
        '__meta_kubernetes_pod_label_app,__meta_kubernetes_pod_labelpresent_app=(metrics-app);true',
        '__meta_kubernetes_pod_container_port_name=http',
      ]),
    );

    const svc = jobs.find((j) => j.job_name === serviceJob()) as Obj;
    expect(svc).toMatchObject({ scrape_interval: '2s', metrics_path: '/metrics' });
    expect(relabelKeeps(svc)).toEqual(expect.arrayContaining(['__meta_kubernetes_service_name=metrics-api']));
    expect(relabelKeeps(svc).some((k) => k.endsWith('port_name=metrics'))).toBe(true);
  });

  it("Debian's prometheus runs that configuration and scrapes the targets: up == 1", async () => {
    expect(generated, 'the previous test produced the configuration').toBeDefined();
    const pod = await kubectlJson<V1Pod>(['get', 'pod', 'metrics-app-0', '-n', namespace]);
    const service = await kubectlJson<V1Service>(['get', 'service', 'metrics-api', '-n', namespace]);
    const config = runnableConfig(generated, pod, service);
    const file = join(dir, 'prometheus.yaml');
    writeFileSync(file, stringify(config));
    const port = await freePort();
    prometheus = startProcess(
      prometheusBinary,
      [`--config.file=${file}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      join(dir, 'prometheus.log'),
    );
    const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      if (prometheus?.exited()) throw new Error(`prometheus exited:\n${tail(prometheus.logFile)}`);
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await r.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result;
    };
    const up = await waitFor(
      'up == 1 for the PodMonitor and the ServiceMonitor targets',
      async () => {
        const result = await query('up');
        const ours = result.filter((s) => s.metric.namespace === namespace && s.value[1] === '1');
        const pod = ours.find((s) => s.metric.job === `${namespace}/metrics-app`);
        const svc = ours.find((s) => s.metric.job === 'metrics-api');
        return pod && svc ? { pod, svc } : undefined;
      },
      60_000,
      500,
    ).catch(async (error: unknown) => {
      const targets = await fetch(`http://127.0.0.1:${port}/api/v1/targets?state=any`)
        .then((r) => r.text())
        .catch(() => '(no answer)');
      throw new Error(
        `${(error as Error).message}\nprometheus targets: ${targets}\nprometheus log:\n${tail(prometheus?.logFile ?? '')}`,
      );
    });
    expect(up.pod.metric).toMatchObject({ pod: 'metrics-app-0', container: 'app', endpoint: 'http' });
    expect(up.svc.metric).toMatchObject({ service: 'metrics-api', endpoint: 'metrics', pod: 'metrics-app-0' });
    // What was scraped is the ecom operator's own /metrics: it is the leader of its Lease.
    const leader = await query(`operator_leader{job="${namespace}/metrics-app"}`);
    expect(leader.map((s) => s.value[1])).toEqual(['1']);
  }, 120_000);
});

/**
 * The generated configuration as Prometheus runs it in the pod, minus Kubernetes discovery:
 * prometheus-config-reloader first expands $(VAR) with its container's environment (SHARD=0, the
 * pod's name), and each job's kubernetes_sd_configs gives way to the targets that discovery would
 * report for the Pod and the Service (their role comes from the generated job).
 */
function runnableConfig(config: Obj, pod: V1Pod, service: V1Service): Obj {
  const env: Record<string, string> = { SHARD: '0', POD_NAME: 'prometheus-test-0' };
  const expanded = parse(
    stringify(config).replace(/\$\(([A-Z_]+)\)/g, (whole, name: string) => env[name] ?? whole),
  ) as Obj;
  return {
    ...expanded,
    scrape_configs: (expanded.scrape_configs as Obj[]).map(({ kubernetes_sd_configs: sd, ...job }) => {
      const role = (sd as Obj[])[0]?.role;
      const targets =
        role === 'pod'
          ? podTargets(pod)
          : role === 'endpoints' || role === 'endpointslice'
            ? endpointTargets(service, [pod], role)
            : [];
      if (targets.length === 0) throw new Error(`job ${job.job_name}: no targets for role ${role}`);
      return { ...job, static_configs: targets };
    }),
  };
}
