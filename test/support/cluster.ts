// The real one-node cluster of local/cluster/cluster.sh for the tests under test/cluster/: bring it
// up, run helm and kubectl against it, install a release of charts/ecom and reach its Services.
//
// The cluster has its own kube-apiserver: every command here gets the cluster's kubeconfig
// explicitly (--kubeconfig and KUBECONFIG in its env). The KUBECONFIG the integration global setup
// exports points at the tests' node-less API server and must never reach these commands.

import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '@ecom/kit/testing';
import { localIssuer } from '../../local/src/auth.js';
import { SERVICES, type ServiceName, type ServiceUrls } from './stack.js';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  /** Kill the command after this long (a hung kubectl or helm fails the test instead of its timeout). */
  timeoutMs?: number;
}

export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      cmd,
      args,
      {
        cwd: repoRoot,
        env: { ...process.env, ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 15 * 60_000,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Like run(), but a non-zero exit throws with both outputs, stderr last: that is where a script's
 * own error line is, and a log cut short keeps the tail.
 */
export async function ok(cmd: string, args: string[], options: RunOptions = {}): Promise<Run> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects read back are free-form
export type Obj = Record<string, any>;

/** Parses `cluster.sh env` (`export K=V` lines; `$PATH` stands for the current PATH). */
export function parseClusterEnv(text: string, path = process.env.PATH ?? ''): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2].replace(/^["']|["']$/g, '').replace(/\$PATH|\$\{PATH\}/g, path);
  }
  return env;
}

export class Cluster {
  private constructor(
    /** The cluster's env from `cluster.sh env`: KUBECONFIG (its own), PATH, CONTAINERD_ADDRESS, ... */
    readonly env: Record<string, string>,
    readonly helmBin: string,
  ) {}

  get kubeconfig(): string {
    return this.env.KUBECONFIG as string;
  }

  /**
   * `cluster.sh up` (idempotent: seconds when it runs, ~30 s warm, up to ~25 min on a fresh
   * machine, which builds the node and the images) and helm (local/tools/install.sh, built once).
   * The cluster is left running afterwards, like the rest of the test infrastructure.
   */
  static async up(): Promise<Cluster> {
    await ok('bash', ['local/cluster/cluster.sh', 'up'], { timeoutMs: 40 * 60_000 });
    const env = parseClusterEnv((await ok('bash', ['local/cluster/cluster.sh', 'env'])).stdout);
    if (!env.KUBECONFIG) throw new Error('cluster.sh env printed no KUBECONFIG');
    const helmBin = (await ok('bash', ['local/tools/install.sh', 'helm'], { timeoutMs: 30 * 60_000 })).stdout
      .trim()
      .split('\n')
      .pop();
    if (!helmBin) throw new Error('local/tools/install.sh helm printed no path');
    return new Cluster(env, helmBin);
  }

  private options(options: RunOptions = {}): RunOptions {
    return { ...options, env: { ...this.env, ...options.env } };
  }

  kubectl(args: string[], options: RunOptions = {}): Promise<Run> {
    return run('kubectl', ['--kubeconfig', this.kubeconfig, ...args], this.options(options));
  }

  kubectlOk(args: string[], options: RunOptions = {}): Promise<Run> {
    return ok('kubectl', ['--kubeconfig', this.kubeconfig, ...args], this.options(options));
  }

  helm(args: string[], options: RunOptions = {}): Promise<Run> {
    return run(this.helmBin, ['--kubeconfig', this.kubeconfig, ...args], this.options(options));
  }

  helmOk(args: string[], options: RunOptions = {}): Promise<Run> {
    return ok(this.helmBin, ['--kubeconfig', this.kubeconfig, ...args], this.options(options));
  }

  /** `kubectl get ... -o json`: the object, or the list's items. */
  async get(args: string[]): Promise<Obj> {
    return JSON.parse((await this.kubectlOk(['get', ...args, '-o', 'json'])).stdout) as Obj;
  }

  async items(args: string[]): Promise<Obj[]> {
    return ((await this.get(args)).items ?? []) as Obj[];
  }

  /**
   * Every object in the namespace, as `kind/name`, over every namespaced resource that can be
   * listed (Events left out: they record what happened and expire on their own).
   */
  async namespaceObjects(namespace: string): Promise<string[]> {
    const resources = (await this.kubectlOk(['api-resources', '--verbs=list', '--namespaced', '-o', 'name'])).stdout
      .split('\n')
      .map((r) => r.trim())
      .filter((r) => r && !/^events(\.events\.k8s\.io)?$/.test(r));
    const r = await this.kubectl(['get', resources.join(','), '-n', namespace, '-o', 'json', '--ignore-not-found']);
    // A namespace already gone lists nothing.
    if (r.code !== 0 && /not found/i.test(r.stderr)) return [];
    if (r.code !== 0) throw new Error(`listing namespace ${namespace} failed:\n${r.stderr}`);
    if (!r.stdout.trim()) return [];
    return ((JSON.parse(r.stdout) as Obj).items as Obj[]).map((o) => `${o.kind}/${o.metadata.name}`).sort();
  }
}

/** Security contexts a pod of our image needs under the restricted Pod Security level. */
export const RESTRICTED = {
  pod: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  container: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
};

/**
 * One HTTP request on a connection of its own (no keep-alive pool): kube-proxy balances
 * connections, so each such request is routed by the Service's endpoints of that moment.
 */
export function freshRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: options.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)));
    req.on('error', fail);
    req.end(options.body);
  });
}

/** The way a test reaches a Service: its ClusterIP, routed by kube-proxy on this host. */
export async function serviceUrl(cluster: Cluster, namespace: string, name: string): Promise<string> {
  const svc = await cluster.get(['service', name, '-n', namespace]);
  const ip: string = svc.spec.clusterIP;
  const port: number = svc.spec.ports[0].port;
  return `http://${ip}:${port}`;
}

export interface ReleaseOptions {
  name?: string;
  namespace: string;
  /** Labels of the namespace (e.g. pod-security.kubernetes.io/enforce: restricted). */
  namespaceLabels?: Record<string, string>;
  /** helm flags after the chart, e.g. ['-f', 'charts/ecom/values-local.yaml']. */
  values: string[];
}

/** A release of charts/ecom (without its Strimzi dependency) in a namespace of its own. */
export class Release {
  readonly name: string;
  readonly namespace: string;
  private chartDir: string | undefined;

  constructor(
    readonly cluster: Cluster,
    private readonly options: ReleaseOptions,
  ) {
    this.name = options.name ?? 'ecom';
    this.namespace = options.namespace;
  }

  /** `<release>-<component>`, as the chart names its objects (ecom.componentName). */
  object(component: string): string {
    return this.name.includes('ecom') ? `${this.name}-${component}` : `${this.name}-ecom-${component}`;
  }

  /** A dependency-free copy of charts/ecom (local/packaging/render-chart.sh), made once, removed by cleanup(). */
  async chart(): Promise<string> {
    if (!this.chartDir) {
      this.chartDir = (
        await ok('bash', ['local/packaging/render-chart.sh', '--print-chart-dir'], {
          env: { HELM: this.cluster.helmBin },
        })
      ).stdout.trim();
    }
    return this.chartDir;
  }

  private valueArgs(extra: string[]): string[] {
    return [...this.options.values, ...extra].map((a) => (a.endsWith('.yaml') ? resolve(repoRoot, a) : a));
  }

  async createNamespace(): Promise<void> {
    await this.cluster.kubectlOk(['create', 'namespace', this.namespace]);
    const labels = Object.entries(this.options.namespaceLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    if (labels.length > 0) await this.cluster.kubectlOk(['label', 'namespace', this.namespace, ...labels]);
    // The Secret values-local.yaml's auth.publicKeySecret names: the pods trust the tests' tokens.
    const publicKey = (await localIssuer()).env.AUTH_PUBLIC_KEY_FILE as string;
    await this.cluster.kubectlOk([
      ...['-n', this.namespace, 'create', 'secret', 'generic', 'ecom-auth-public-key'],
      `--from-file=public-key.pem=${publicKey}`,
    ]);
  }

  /**
   * helm install --wait (the watcher: every Deployment available, every pod Ready). The CRDs are
   * cluster-wide and outlive releases: another tool may have applied them since (Tilt relabels them
   * managed-by=tilt), which server-side apply reports as a conflict; the chart's own win.
   */
  async install(extra: string[] = []): Promise<Run> {
    return this.cluster.helmOk(
      [
        'install',
        this.name,
        await this.chart(),
        '-n',
        this.namespace,
        ...this.valueArgs(extra),
        '--force-conflicts',
        '--wait',
        '--timeout',
        '10m',
      ],
      { timeoutMs: 12 * 60_000 },
    );
  }

  async upgrade(extra: string[] = []): Promise<Run> {
    return this.cluster.helmOk(
      [
        'upgrade',
        this.name,
        await this.chart(),
        '-n',
        this.namespace,
        ...this.valueArgs(extra),
        '--wait',
        '--timeout',
        '10m',
      ],
      { timeoutMs: 12 * 60_000 },
    );
  }

  async rollback(revision?: number): Promise<Run> {
    return this.cluster.helmOk(
      [
        'rollback',
        this.name,
        ...(revision === undefined ? [] : [String(revision)]),
        '-n',
        this.namespace,
        '--wait',
        '--timeout',
        '10m',
      ],
      { timeoutMs: 12 * 60_000 },
    );
  }

  async history(): Promise<Array<{ revision: number; status: string; description: string }>> {
    return JSON.parse(
      (await this.cluster.helmOk(['history', this.name, '-n', this.namespace, '-o', 'json'])).stdout,
    ) as Array<{ revision: number; status: string; description: string }>;
  }

  /** The URL of each service's Service (its ClusterIP), for useServiceUrls(). */
  async serviceUrls(): Promise<Required<ServiceUrls>> {
    const names = Object.keys(SERVICES) as ServiceName[];
    const urls = await Promise.all(names.map((s) => serviceUrl(this.cluster, this.namespace, this.object(s))));
    return Object.fromEntries(names.map((s, i) => [s, urls[i]])) as Required<ServiceUrls>;
  }

  /** The pods of one of the release's components (app.kubernetes.io/name: order, operator, ...). */
  async pods(component: string): Promise<Obj[]> {
    return this.cluster.items([
      'pods',
      '-n',
      this.namespace,
      '-l',
      `app.kubernetes.io/instance=${this.name},app.kubernetes.io/name=${component}`,
    ]);
  }

  /** Waits until no pod of the release runs (helm uninstall --wait only waits for its own objects). */
  async podsGone(timeoutMs = 180_000): Promise<void> {
    await eventually(
      async () => ((await this.cluster.items(['pods', '-n', this.namespace])).length === 0 ? true : undefined),
      `the pods of namespace ${this.namespace} to go away`,
      timeoutMs,
    );
  }

  /**
   * Removes everything, whatever state a test left: the custom resources the operator holds with
   * finalizers first (while it runs, so it releases them: Retain keeps their Kafka topics), then
   * `helm uninstall --wait`, the pods' exit (a pod still consuming would take the next tests'
   * messages: they share the broker's consumer groups and the database), and the namespace. Kept
   * EventTopics whose operator is gone have their finalizer removed (it guards nothing but the
   * Kafka topic's deletion, which Retain never does). The cluster stays up.
   */
  async destroy(): Promise<void> {
    const ns = this.namespace;
    const exists = (await this.cluster.kubectl(['get', 'namespace', ns])).code === 0;
    if (exists) {
      for (const kind of ['deadletterreplays.ecom.dev', 'eventtopics.ecom.dev']) {
        await this.cluster.kubectl(['delete', kind, '--all', '-n', ns, '--wait=false']);
      }
      // The operator releases them within a resync; a finalizer left after that is stripped below.
      await eventually(
        async () => ((await this.cluster.items(['eventtopics.ecom.dev', '-n', ns])).length === 0 ? true : undefined),
        'the EventTopics to go',
        60_000,
      ).catch(() => undefined);
      const listed = await this.cluster.helm(['status', this.name, '-n', ns]);
      if (listed.code === 0) {
        await this.cluster.helmOk(['uninstall', this.name, '-n', ns, '--wait', '--timeout', '5m'], {
          timeoutMs: 6 * 60_000,
        });
      }
      await this.stripFinalizers();
      await this.cluster.kubectlOk(['delete', 'namespace', ns, '--wait=true', '--timeout=5m'], {
        timeoutMs: 6 * 60_000,
      });
    }
    this.cleanup();
  }

  /** Removes the finalizers of the EventTopics left in the namespace (the only kind with one; its operator is gone). */
  async stripFinalizers(): Promise<void> {
    for (const o of await this.cluster.items(['eventtopics.ecom.dev', '-n', this.namespace]).catch(() => [] as Obj[])) {
      if ((o.metadata.finalizers ?? []).length === 0) continue;
      await this.cluster.kubectlOk([
        'patch',
        'eventtopics.ecom.dev',
        o.metadata.name,
        '-n',
        this.namespace,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
    }
  }

  /** Removes the temp chart copy. */
  cleanup(): void {
    if (this.chartDir) rmSync(dirname(this.chartDir), { recursive: true, force: true });
    this.chartDir = undefined;
  }
}
