// Checks of charts/ecom, k8s/ and the Tiltfile with the real tools: helm 4 (built by
// local/tools/install.sh), the test kube-apiserver (started by the integration global setup) for
// server-side dry-run applies, and tilt for `tilt alpha tiltfile-result`. No cluster runs workloads
// here, so what is checked is what the API server and the tools can check without one.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceKafkaAcls } from '@ecom/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SERVICES as DEFINITIONS } from '../../local/scripts/services.js';
import { REPLAY_JOB_LABELS } from '../../operator/src/controllers/deadletterreplay/job.js';
import {
  parseReplayKafkaAccess,
  REPLAY_KAFKA_FILE_FLAG,
} from '../../operator/src/controllers/deadletterreplay/kafka-access.js';
import { operatorKafkaAcls } from '../../operator/src/kafka-acls.js';
import { CONSUMER_GROUPS } from '../support/services.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const kubeconfig = resolve(repoRoot, '.local/kube/kubeconfig');
const SERVICES = ['order', 'payment', 'inventory', 'shipping', 'notification', 'analytics'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      cmd,
      args,
      { cwd: repoRoot, env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

async function ok(cmd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects are free-form
type Obj = Record<string, any>;

function parseObjects(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`rendered YAML does not parse: ${d.errors[0]?.message}`);
      return d.toJSON() as Obj | null;
    })
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

let helm = '';
const kubectl = (args: string[], input?: string) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { input });

/** helm template of charts/ecom with the Strimzi dependency left out (local/packaging/render-chart.sh). */
function render(args: string[], namespace = 'ecom'): Promise<Run> {
  return run('bash', ['local/packaging/render-chart.sh', ...AUTH, ...args], {
    env: { HELM: helm, ECOM_NAMESPACE: namespace },
  });
}

/**
 * The chart needs an issuer to render (auth.mode jwt is the default): the least a user must set,
 * as a values file before the test's own, so a variant's auth values win.
 */
const AUTH = ['-f', 'test/packaging/values-auth.yaml'];

const VARIANTS: Record<string, string[]> = {
  default: [],
  dev: ['-f', 'charts/ecom/values-dev.yaml'],
  staging: ['-f', 'charts/ecom/values-staging.yaml'],
  'dev+liveUpdate (Tilt)': ['-f', 'charts/ecom/values-dev.yaml', '--set', 'liveUpdate=true'],
  'external Kafka (example)': ['-f', 'k8s/examples/values-external-kafka.yaml'],
  'local cluster (local/cluster)': ['-f', 'charts/ecom/values-local.yaml'],
};

beforeAll(async () => {
  // Builds helm 4 from the Go module proxy on a fresh machine (minutes), cached afterwards.
  const r = await ok('bash', ['local/tools/install.sh', 'helm']);
  helm = r.stdout.trim().split('\n').pop() ?? '';
  expect(existsSync(helm), `install.sh helm printed ${helm}`).toBe(true);
}, 30 * 60_000);

describe('helm lint', () => {
  it('passes on the chart as shipped (the Strimzi dependency is only reported missing)', async () => {
    const r = await run(helm, ['lint', 'charts/ecom', ...AUTH]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('[ERROR]');
    expect(r.stdout).toContain('missing these dependencies: strimzi-kafka-operator');
  });

  it.each(Object.entries(VARIANTS))('passes --strict without the dependency: %s values', async (_name, args) => {
    const dir = (
      await ok('bash', ['local/packaging/render-chart.sh', '--print-chart-dir'], { env: { HELM: helm } })
    ).stdout.trim();
    try {
      const files = [...AUTH, ...args].map((a) => (a.endsWith('.yaml') ? resolve(repoRoot, a) : a));
      const r = await run(helm, ['lint', '--strict', dir, ...files]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
    } finally {
      rmSync(resolve(dir, '..'), { recursive: true, force: true });
    }
  });
});

describe.each(Object.entries(VARIANTS))('helm template with %s values', (name, args) => {
  let objects: Obj[] = [];
  beforeAll(async () => {
    const r = await render(args);
    expect(r.code, r.stderr).toBe(0);
    objects = parseObjects(r.stdout);
  });

  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const podSpecs = () =>
    objects.flatMap((o) => {
      if (['Deployment', 'StatefulSet'].includes(o.kind))
        return [
          {
            owner: `${o.kind}/${o.metadata.name}`,
            spec: o.spec.template.spec,
            labels: o.spec.template.metadata.labels,
          },
        ];
      if (o.kind === 'Pod') return [{ owner: `Pod/${o.metadata.name}`, spec: o.spec, labels: o.metadata.labels }];
      return [];
    });

  it('renders the six services, the operator, RBAC, CRD, topics and PDBs', () => {
    const deployments = ofKind('Deployment').map((d) => d.metadata.name);
    for (const s of SERVICES) expect(deployments).toContain(`ecom-${s}`);
    expect(deployments).toContain('ecom-operator');
    expect(ofKind('CustomResourceDefinition').map((c) => c.metadata.name)).toContain('eventtopics.ecom.dev');
    expect(ofKind('EventTopic')).toHaveLength(6);
    expect(ofKind('ServiceAccount').map((s) => s.metadata.name)).toContain('ecom-operator');
    for (const o of objects) {
      if (o.kind === 'CustomResourceDefinition' || o.kind.startsWith('Cluster')) continue;
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name} has a namespace`).toBe('ecom');
    }
  });

  it('gives every container resources, probes, a restricted securityContext and a pinned image', () => {
    const liveUpdate = name.includes('liveUpdate');
    for (const { owner, spec } of podSpecs()) {
      const pod = spec.securityContext ?? {};
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        const where = `${owner} container ${c.name}`;
        for (const k of ['requests', 'limits']) {
          expect(c.resources?.[k]?.cpu, `${where}: resources.${k}.cpu`).toBeTruthy();
          expect(c.resources?.[k]?.memory, `${where}: resources.${k}.memory`).toBeTruthy();
        }
        const sc = c.securityContext ?? {};
        expect(sc.allowPrivilegeEscalation, `${where}: allowPrivilegeEscalation`).toBe(false);
        expect(sc.capabilities?.drop, `${where}: capabilities.drop`).toContain('ALL');
        expect(sc.capabilities?.add ?? [], `${where}: capabilities.add`).toEqual([]);
        expect(sc.privileged ?? false, `${where}: privileged`).toBe(false);
        expect(sc.runAsNonRoot ?? pod.runAsNonRoot, `${where}: runAsNonRoot`).toBe(true);
        expect((sc.seccompProfile ?? pod.seccompProfile)?.type, `${where}: seccompProfile`).toBe('RuntimeDefault');
        const ecomImage = owner !== 'StatefulSet/ecom-postgresql';
        expect(sc.readOnlyRootFilesystem, `${where}: readOnlyRootFilesystem`).toBe(!(liveUpdate && ecomImage));
        const image: string = c.image;
        expect(image, `${where}: image`).toMatch(/(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[a-f0-9]{64})$/);
        expect(image, `${where}: image tag`).not.toMatch(/:latest$/);
        if (owner.startsWith('Pod/')) continue; // the helm test pod runs once
        expect(c.livenessProbe, `${where}: livenessProbe`).toBeTruthy();
        expect(c.readinessProbe, `${where}: readinessProbe`).toBeTruthy();
      }
      expect(pod.runAsNonRoot, `${owner}: pod runAsNonRoot`).toBe(true);
    }
  });

  it('probes each service on /healthz (startup, liveness) and /readyz (readiness)', () => {
    for (const s of SERVICES) {
      const d = ofKind('Deployment').find((x) => x.metadata.name === `ecom-${s}`);
      const c = d?.spec.template.spec.containers[0];
      expect(c.args).toEqual([s]);
      expect(c.startupProbe.httpGet.path).toBe('/healthz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
      expect(env.DATABASE_URL.secretKeyRef.name, `${s}: DATABASE_URL from a Secret`).toBeTruthy();
      expect(env.KAFKA_BROKERS).toMatch(/^[^\s:,]+:\d+(,[^\s:,]+:\d+)*$/);
    }
  });

  it('gives every Deployment a PodDisruptionBudget that selects its pods', () => {
    const pdbs = ofKind('PodDisruptionBudget');
    for (const d of ofKind('Deployment')) {
      const labels = d.spec.template.metadata.labels;
      const match = pdbs.filter((p) =>
        Object.entries(p.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v),
      );
      expect(match, `PDB for Deployment/${d.metadata.name}`).toHaveLength(1);
    }
  });

  /** The policies written for pods with these labels (not the namespace-wide default deny). */
  const policiesOf = (labels: Record<string, string>) =>
    ofKind('NetworkPolicy').filter((p) => {
      const selector = Object.entries((p.spec.podSelector.matchLabels ?? {}) as Record<string, string>);
      return selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
    });

  it('puts every ecom pod (the helm test pod too) under a NetworkPolicy of its own for ingress and egress', () => {
    for (const { owner, labels } of podSpecs()) {
      const match = policiesOf(labels);
      expect(match.length, `NetworkPolicy for ${owner}`).toBeGreaterThan(0);
      expect(match[0]?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    }
  });

  it('denies all ingress and egress in the namespace by default, and opens no egress to 0.0.0.0/0', () => {
    const deny = ofKind('NetworkPolicy').filter((p) => Object.keys(p.spec.podSelector).length === 0);
    expect(deny).toEqual([expect.objectContaining({ spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } })]);
    const egress = ofKind('NetworkPolicy').flatMap((p) => p.spec.egress ?? []);
    expect(egress.length).toBeGreaterThan(0);
    expect(JSON.stringify(egress)).not.toContain('0.0.0.0/0');
  });

  it('puts the pods of the operator-made replay Jobs under a NetworkPolicy: nothing in, DNS and Kafka out', () => {
    const replay = policiesOf(REPLAY_JOB_LABELS);
    expect(replay).toHaveLength(1);
    expect(replay[0]?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(replay[0]?.spec.ingress).toEqual([]);
    const ports = replay[0]?.spec.egress.flatMap((e: Obj) => e.ports.map((p: Obj) => p.port));
    expect(ports).toContain(53);
    expect(ports).not.toContain(5432);
  });

  it('points the database Secret reference at a Secret the chart renders or the user names', () => {
    const d = ofKind('Deployment').find((x) => x.metadata.name === 'ecom-order');
    const ref = d?.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'DATABASE_URL').valueFrom
      .secretKeyRef;
    const rendered = ofKind('Secret').find((s) => s.metadata.name === ref.name);
    if (rendered) expect(rendered.stringData[ref.key]).toMatch(/^postgres(ql)?:\/\//);
    else expect(ref.name).toBe('ecom-database-order'); // perService: the Secret the user makes per service
  });
});

describe('rendered contents', () => {
  const objectsOf = async (args: string[]) => {
    const r = await render(args);
    expect(r.code, r.stderr).toBe(0);
    return parseObjects(r.stdout);
  };

  it('defaults the EventTopics to the six topics of k8s/topics/', async () => {
    const topics = (await objectsOf([])).filter((o) => o.kind === 'EventTopic');
    const files = readdirSync(resolve(repoRoot, 'k8s/topics')).filter((f) => f.endsWith('.yaml'));
    const expected = files.flatMap((f) => parseObjects(readFileSync(resolve(repoRoot, 'k8s/topics', f), 'utf8')));
    expect(topics.map((t) => t.metadata.name).sort()).toEqual(expected.map((t) => t.metadata.name).sort());
    for (const e of expected) {
      const t = topics.find((x) => x.metadata.name === e.metadata.name);
      expect(t?.spec, `spec of ${e.metadata.name}`).toEqual(e.spec);
    }
  });

  it('ships the generated CRDs unchanged in charts/ecom/crds', async () => {
    await ok('bash', ['local/packaging/sync-crds.sh', '--check']);
  });

  it('renders a KRaft Kafka 4.3 in kafka.strimzi.io/v1: one ephemeral node on dev, three with min.insync.replicas=2 on staging', async () => {
    const dev = await objectsOf(VARIANTS.dev ?? []);
    const staging = await objectsOf(VARIANTS.staging ?? []);
    for (const objs of [dev, staging]) {
      const kafka = objs.find((o) => o.kind === 'Kafka');
      expect(kafka?.apiVersion).toBe('kafka.strimzi.io/v1');
      expect(kafka?.spec.kafka.version).toMatch(/^4\.3\.\d+$/);
      expect(kafka?.spec.zookeeper).toBeUndefined();
      expect(objs.find((o) => o.kind === 'KafkaNodePool')?.spec.roles).toEqual(['controller', 'broker']);
    }
    const devPool = dev.find((o) => o.kind === 'KafkaNodePool');
    expect(devPool?.spec.replicas).toBe(1);
    expect(devPool?.spec.storage.type).toBe('ephemeral');
    const stPool = staging.find((o) => o.kind === 'KafkaNodePool');
    expect(stPool?.spec.replicas).toBe(3);
    expect(stPool?.spec.storage.volumes[0].type).toBe('persistent-claim');
    const stConfig = staging.find((o) => o.kind === 'Kafka')?.spec.kafka.config;
    expect(stConfig['min.insync.replicas']).toBe(2);
    expect(stConfig['default.replication.factor']).toBe(3);
    // The dev operator fits the topics' replication to the one broker.
    const devOp = dev.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ecom-operator');
    expect(devOp?.spec.template.spec.containers[0].args).toContain('--fit-replication-to-brokers');
  });

  it('gives the operator only the RBAC its mode needs, and flags it understands', async () => {
    const usage = readFileSync(resolve(repoRoot, 'operator/src/config.ts'), 'utf8');
    for (const [args, mode] of [
      [[], 'strimzi'],
      [VARIANTS['external Kafka (example)'] ?? [], 'direct'],
    ] as const) {
      const objs = await objectsOf([...args]);
      const role = objs.find((o) => o.kind === 'Role' && o.metadata.name === 'ecom-operator');
      const groups = role?.rules.map((r: Obj) => `${r.apiGroups[0]}/${r.resources[0]}`);
      expect(groups).toContain('ecom.dev/eventtopics');
      expect(groups).toContain('ecom.dev/eventtopics/status');
      expect(groups).toContain('events.k8s.io/events');
      // ConsumerAutoscalers: read and status; their Deployments only through /scale (read, update).
      const rule = (resource: string) => role?.rules.find((r: Obj) => r.resources.includes(resource));
      expect(rule('consumerautoscalers')?.verbs).toEqual(['get', 'list', 'watch']);
      expect(rule('consumerautoscalers/status')?.verbs).toEqual(['patch']);
      expect(rule('deployments/scale')).toEqual({
        apiGroups: ['apps'],
        resources: ['deployments/scale'],
        verbs: ['get', 'update'],
      });
      // DeadLetterReplays: read and status; each one's Job created by server-side apply and watched.
      expect(rule('deadletterreplays')?.verbs).toEqual(['get', 'list', 'watch']);
      expect(rule('deadletterreplays/status')?.verbs).toEqual(['patch']);
      expect(rule('jobs')).toEqual({
        apiGroups: ['batch'],
        resources: ['jobs'],
        verbs: ['get', 'list', 'watch', 'create', 'patch'],
      });
      expect(groups.includes('kafka.strimzi.io/kafkatopics')).toBe(mode === 'strimzi');
      for (const r of role?.rules ?? []) expect(r.verbs).not.toContain('*');
      expect(objs.some((o) => o.kind === 'ClusterRole')).toBe(false);
      const op = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ecom-operator');
      const opArgs: string[] = op?.spec.template.spec.containers[0].args;
      expect(opArgs[0]).toBe('operator');
      expect(opArgs).toContain(`--mode=${mode}`);
      // Replay Jobs run the operator's own image, and reach Kafka in either mode.
      expect(opArgs).toContain(`--replay-image=${op?.spec.template.spec.containers[0].image}`);
      expect(opArgs.some((a) => a.startsWith('--kafka-brokers='))).toBe(true);
      for (const a of opArgs.slice(1)) {
        const flag = a.split('=')[0] ?? '';
        expect(usage, `operator flag ${flag} exists in operator/src/config.ts`).toContain(`'${flag.slice(2)}'`);
      }
    }
    const cluster = await objectsOf(['--set', 'operator.watchScope=cluster']);
    expect(cluster.some((o) => o.kind === 'ClusterRole' && o.metadata.name === 'ecom-operator')).toBe(true);
  });

  it('on staging, every workload serving /metrics opts into the operator scrape wiring (no static monitors)', async () => {
    const staging = await objectsOf(VARIANTS.staging ?? []);
    expect(staging.filter((o) => ['ServiceMonitor', 'PodMonitor'].includes(o.kind))).toEqual([]);
    const deployments = staging.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      [...SERVICES.map((s) => `ecom-${s}`), 'ecom-operator'].sort(),
    );
    for (const d of deployments) {
      const where = `Deployment/${d.metadata.name}`;
      expect(d.metadata.labels['ecom.dev/scrape'], where).toBe('true');
      const port = d.metadata.annotations['ecom.dev/scrape-port'];
      const ports = d.spec.template.spec.containers.flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.name));
      expect(ports, `${where}: the annotated port ${port} is a container port`).toContain(port);
      expect(d.metadata.annotations['ecom.dev/scrape-path'], where).toBe('/metrics');
      expect(d.metadata.annotations['ecom.dev/scrape-interval'], where).toBe('30s');
    }
    const op = deployments.find((d) => d.metadata.name === 'ecom-operator');
    const args: string[] = op?.spec.template.spec.containers[0].args;
    expect(args).toContain('--scrape');
    expect(args).toContain('--scrape-monitor-labels=release=kube-prometheus-stack');
    const usage = readFileSync(resolve(repoRoot, 'operator/src/config.ts'), 'utf8');
    for (const a of args.filter((x) => x.startsWith('--scrape'))) expect(usage).toContain(`  ${a.split('=')[0]} `);
    const role = staging.find((o) => o.kind === 'Role' && o.metadata.name === 'ecom-operator');
    const rules = role?.rules.map((r: Obj) => `${r.apiGroups.join(',')}/${r.resources.join(',')}:${r.verbs.join(',')}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'apps/deployments,statefulsets:get,list,watch',
        '/services:get,list,watch',
        'monitoring.coreos.com/podmonitors,servicemonitors:get,list,watch,create,patch,delete',
      ]),
    );
  });

  it('leaves scrape wiring off by default: no label, no flag, no RBAC for it', async () => {
    const objects = await objectsOf([]);
    for (const o of objects)
      expect(o.metadata.labels?.['ecom.dev/scrape'], `${o.kind}/${o.metadata.name}`).toBeUndefined();
    const op = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ecom-operator');
    expect(op?.spec.template.spec.containers[0].args).not.toContain('--scrape');
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'ecom-operator');
    const groups = role?.rules.flatMap((r: Obj) => r.apiGroups);
    expect(groups).not.toContain('monitoring.coreos.com');
    expect(groups).not.toContain('');
  });

  it('with otel.endpoint, gives every service the OTEL_* environment and a policy rule to the trace backend', async () => {
    const collector = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } };
    const objects = await objectsOf([
      '--set',
      'otel.endpoint=http://otel-collector.observability:4318',
      '--set',
      'otel.samplerArg=0.25',
      '--set-json',
      `networkPolicy.otelCollector.to=${JSON.stringify([collector])}`,
    ]);
    for (const name of SERVICES) {
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `ecom-${name}`);
      const env = Object.fromEntries(
        deployment?.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]) ?? [],
      );
      expect(env, name).toMatchObject({
        OTEL_SERVICE_NAME: name,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      });
      const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `ecom-${name}`);
      expect(policy?.spec.egress, name).toContainEqual({
        to: [collector],
        ports: [
          { port: 4317, protocol: 'TCP' },
          { port: 4318, protocol: 'TCP' },
        ],
      });
    }
  });

  it('without otel.endpoint, loads no tracing: no OTEL_* variable, no rule to a trace backend', async () => {
    const objects = await objectsOf([
      '--set-json',
      'networkPolicy.otelCollector.to=[{"ipBlock":{"cidr":"10.0.0.1/32"}}]',
    ]);
    for (const o of objects.filter((x) => x.kind === 'Deployment')) {
      const names = o.spec.template.spec.containers.flatMap((c: Obj) => (c.env ?? []).map((e: Obj) => e.name));
      expect(
        names.filter((n: string) => n.startsWith('OTEL_')),
        o.metadata.name,
      ).toEqual([]);
    }
    const egress = objects.filter((o) => o.kind === 'NetworkPolicy').flatMap((p) => p.spec.egress ?? []);
    expect(JSON.stringify(egress)).not.toContain('10.0.0.1/32');
  });

  it('renders the Grafana dashboard as valid JSON', async () => {
    const staging = await objectsOf(VARIANTS.staging ?? []);
    const dash = staging.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'ecom-dashboard');
    expect(dash?.metadata.labels.grafana_dashboard).toBe('1');
    const json = JSON.parse(dash?.data['ecom-overview.json']);
    expect(json.panels.length).toBeGreaterThan(4);
  });

  const pick = (objs: Obj[], kind: string, name: string) =>
    objs.find((o) => o.kind === kind && o.metadata?.name === name);

  it('API auth: every service trusts the issuer given, probes and scrapes use the ops port the Service does not expose', async () => {
    const objs = parseObjects((await render([])).stdout);
    for (const name of SERVICES) {
      const d = pick(objs, 'Deployment', `ecom-${name}`);
      const c = d?.spec.template.spec.containers[0];
      const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
      expect(env, name).toMatchObject({
        AUTH_MODE: 'jwt',
        AUTH_ISSUER: 'https://id.example.com',
        AUTH_AUDIENCE: 'ecom',
        AUTH_PUBLIC_KEY_FILE: '/etc/ecom/auth/public-key.pem',
        OPS_PORT: '9464',
      });
      expect(d?.spec.template.spec.volumes).toContainEqual(
        expect.objectContaining({
          name: 'auth-public-key',
          secret: expect.objectContaining({ secretName: 'ecom-auth-public-key' }),
        }),
      );
      expect(c.readinessProbe.httpGet.port, name).toBe('ops');
      expect(d?.metadata.annotations?.['ecom.dev/scrape-port'] ?? 'ops', name).toBe('ops');
      expect(
        pick(objs, 'Service', `ecom-${name}`)?.spec.ports.map((p: Obj) => p.name),
        name,
      ).toEqual(['http']);
    }
    const jwks = parseObjects(
      (
        await render([
          '--set',
          'auth.jwksUrl=https://id.example.com/jwks',
          '--set-json',
          'networkPolicy.authIssuer.to=[{"ipBlock":{"cidr":"203.0.113.10/32"}}]',
        ])
      ).stdout,
    );
    const order = pick(jwks, 'Deployment', 'ecom-order')?.spec.template.spec.containers[0];
    expect(order.env).toContainEqual({ name: 'AUTH_JWKS_URL', value: 'https://id.example.com/jwks' });
    expect(order.env.map((e: Obj) => e.name)).not.toContain('AUTH_PUBLIC_KEY_FILE');
    const egress = pick(jwks, 'NetworkPolicy', 'ecom-order')?.spec.egress as Obj[];
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '203.0.113.10/32' } }],
      ports: [{ port: 443, protocol: 'TCP' }],
    });
  });

  it.each([
    [['--set', 'auth.issuer='], /auth.issuer is required with auth.mode=jwt/],
    [['--set', 'auth.publicKeySecret='], /auth: set auth.jwksUrl/],
  ])('refuses API auth without an issuer or keys, saying what to set: %j', async (args, message) => {
    const r = await render(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('auth.mode=off: AUTH_MODE=off and nothing else of auth', async () => {
    const objs = parseObjects((await render(['--set', 'auth.mode=off'])).stdout);
    const env = pick(objs, 'Deployment', 'ecom-order')?.spec.template.spec.containers[0].env as Obj[];
    expect(env.filter((e) => String(e.name).startsWith('AUTH_'))).toEqual([{ name: 'AUTH_MODE', value: 'off' }]);
  });

  it('prints NOTES that tell how to reach every API', async () => {
    const dir = (
      await ok('bash', ['local/packaging/render-chart.sh', '--print-chart-dir'], { env: { HELM: helm } })
    ).stdout.trim();
    try {
      const r = await ok(helm, [
        'install',
        'ecom',
        dir,
        '-n',
        'ecom',
        '--dry-run=client',
        '--set',
        'strimzi.enabled=false',
        ...AUTH,
      ]);
      const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
      SERVICES.forEach((s, i) => {
        expect(notes).toContain(`http://ecom-${s}.ecom.svc:${3001 + i}`);
      });
      expect(notes).toContain('kubectl -n ecom port-forward svc/ecom-order 3001:3001');
      expect(notes).toContain('create secret generic ecom-database');
    } finally {
      rmSync(resolve(dir, '..'), { recursive: true, force: true });
    }
  });

  it('keeps values.schema.json self-contained (no remote $ref)', () => {
    const text = readFileSync(resolve(repoRoot, 'charts/ecom/values.schema.json'), 'utf8');
    const refs = [...text.matchAll(/"\$ref":\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toMatch(/^#\//);
  });

  it.each([
    [['--set', 'image.tag='], '/image/tag'],
    [['--set', 'image.tag=v1 beta'], '/image/tag'],
    [['--set', 'services.order.replicas=-1'], '/services/order/replicas'],
    [['--set', 'services.order.resources=null'], '/services/order'],
    [
      ['--set', 'containerSecurityContext.allowPrivilegeEscalation=true'],
      '/containerSecurityContext/allowPrivilegeEscalation',
    ],
    [['--set', 'podSecurityContext.runAsNonRoot=false'], '/podSecurityContext/runAsNonRoot'],
    [['--set', 'kafka.storage.type=nfs'], '/kafka/storage/type'],
    [['--set', 'kafka.version=3.9.0'], '/kafka/version'],
    [['--set', 'topics[0].partitions=0'], '/topics/0/partitions'],
    [['--set', 'operator.mode=zookeeper'], '/operator/mode'],
    [['--set', 'services.order.autoscaling.lagThreshold=0'], '/services/order/autoscaling/lagThreshold'],
    [['--set', 'autoscaling.offsetResetPolicy=none'], '/autoscaling/offsetResetPolicy'],
    [['--set', 'servces.order.replicas=1'], 'servces'],
    [['--set', 'metrics.scrape.interval=often'], '/metrics/scrape/interval'],
    // helm's schema library reports a bad property name at a wrong path, so match its message.
    [['--set', 'metrics.scrape.monitorLabels.bad key=x'], "invalid propertyName 'bad key'"],
    [['--set', 'postgresql.enabled=true', '--set', 'postgresql.password='], '/postgresql/password'],
    // Kafka credentials, database access, network.
    [['--set', 'kafka.external.securityProtocol=sasl_plaintext'], '/kafka/external/securityProtocol'],
    [['--set', 'kafka.external.saslMechanism=gssapi'], '/kafka/external/saslMechanism'],
    [['--set', 'kafka.external.securityProtocol=sasl_ssl'], '/kafka/external/userSecrets'],
    [['--set', 'kafka.external.userSecrets.order='], '/kafka/external/userSecrets/order'],
    [['--set', 'kafka.external.userSecrets.orders=x'], "invalid propertyName 'orders'"],
    [['--set', 'kafka.external.caSecret.name=Bad_Name'], '/kafka/external/caSecret/name'],
    [['--set', 'database.credentials=mixed'], '/database/credentials'],
    [['--set', 'database.serviceSecrets.order=Bad_Name'], '/database/serviceSecrets/order'],
    [['--set', 'database.url=postgres://ecom@db/ecom'], '/database/url'],
    [['--set', 'networkPolicy.apiServer.cidrs={10.0.0.1}'], '/networkPolicy/apiServer/cidrs/0'],
    [['--set', 'networkPolicy.defaultDeny=maybe'], '/networkPolicy/defaultDeny'],
  ])('rejects bad values through the schema: %j', async (args, path) => {
    const r = await render(args);
    expect(r.code, 'helm template must fail').not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(path);
  });

  it.each([
    [
      ['--set', 'image.tag=latest'],
      'image.tag must be a pinned version (not empty, not "latest"), or set image.digest',
    ],
    [
      ['-f', 'charts/ecom/values-dev.yaml', '--set', 'postgresql.image.tag=latest'],
      'postgresql.image.tag must be a pinned version',
    ],
  ])('refuses a "latest" image tag with a message: %j', async (args, message) => {
    const r = await render(args);
    expect(r.code, 'helm template must fail').not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  it('renders a ConsumerAutoscaler per consuming service: its group and topics, maxReplicas the partitions of its topics', async () => {
    const objs = await objectsOf([]);
    const partitions = Object.fromEntries(
      objs.filter((o) => o.kind === 'EventTopic').map((t) => [t.spec.topicName ?? t.metadata.name, t.spec.partitions]),
    );
    const autoscalers = objs.filter((o) => o.kind === 'ConsumerAutoscaler');
    expect(autoscalers.map((a) => a.spec.consumerGroup).sort()).toEqual(Object.keys(CONSUMER_GROUPS).sort());
    for (const a of autoscalers) {
      const topics = CONSUMER_GROUPS[a.spec.consumerGroup] ?? [];
      expect(a.spec.topics, `topics of ${a.metadata.name}`).toEqual(topics);
      expect(a.spec.maxReplicas, `maxReplicas of ${a.metadata.name}`).toBe(
        topics.reduce((sum, t) => sum + (partitions[t] ?? 0), 0),
      );
      expect(a.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: a.metadata.name });
      // The autoscaler owns the count: the Deployment has none, so helm upgrade does not reset it.
      const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === a.metadata.name);
      expect(d?.spec.replicas, `replicas of Deployment/${a.metadata.name}`).toBeUndefined();
    }
    const off = await objectsOf(['--set', 'autoscaling.enabled=false']);
    expect(off.filter((o) => o.kind === 'ConsumerAutoscaler')).toEqual([]);
    expect(off.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ecom-order')?.spec.replicas).toBe(2);
  });

  it.each([
    [
      ['--set', 'services.payment.autoscaling.maxReplicas=7'],
      'services.payment.autoscaling.maxReplicas is 7 but its topics (ecom.orders) have 6 partitions',
    ],
    [
      ['--set', 'services.payment.autoscaling.topics={ecom.returns}'],
      'services.payment.autoscaling.topics: ecom.returns is not in .Values.topics',
    ],
    [
      ['--set', 'services.payment.autoscaling.minReplicas=9'],
      'services.payment.autoscaling.minReplicas is 9 but its maxReplicas is 6',
    ],
  ])('refuses autoscaling values that cannot work, saying why: %j', async (args, message) => {
    const r = await render(args);
    expect(r.code, 'helm template must fail').not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  it('refuses a Kafka whose replication settings exceed its brokers', async () => {
    const r = await render(['--set', 'kafka.replicas=1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('kafka.config.min.insync.replicas is 2 but kafka.replicas is 1');
  });

  it('says what is missing when a shared database is not configured', async () => {
    const r = await render(['--set', 'database.credentials=shared']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('database: with credentials=shared, set database.url or database.existingSecret');
  });
});

describe('Kafka credentials, network and database access', () => {
  const objectsOf = async (args: string[]) => {
    const r = await render(args);
    expect(r.code, r.stderr).toBe(0);
    return parseObjects(r.stdout);
  };
  const find = (objs: Obj[], kind: string, name: string) =>
    objs.find((o) => o.kind === kind && o.metadata.name === name);
  const containerOf = (objs: Obj[], name: string) => find(objs, 'Deployment', name)?.spec.template.spec.containers[0];
  const envOf = (objs: Obj[], name: string): Record<string, Obj | string> =>
    Object.fromEntries(containerOf(objs, name)?.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]) ?? []);
  const volumesOf = (objs: Obj[], name: string): Obj[] => find(objs, 'Deployment', name)?.spec.template.spec.volumes;
  const groups = DEFINITIONS.filter((d) => d.consumer).map((d) => d.name);

  it("renders one KafkaUser per service whose ACLs are serviceKafkaAcls of the service's definition", async () => {
    const objs = await objectsOf([]);
    const users = objs.filter((o) => o.kind === 'KafkaUser');
    expect(users.map((u) => u.metadata.name).sort()).toEqual(
      [...DEFINITIONS.map((d) => `ecom-${d.name}`), 'ecom-operator'].sort(),
    );
    for (const d of DEFINITIONS) {
      const user = find(objs, 'KafkaUser', `ecom-${d.name}`);
      expect(user?.apiVersion).toBe('kafka.strimzi.io/v1');
      expect(user?.metadata.labels['strimzi.io/cluster']).toBe('ecom-kafka');
      expect(user?.spec.authentication).toEqual({ type: 'scram-sha-512' });
      expect(user?.spec.authorization, d.name).toEqual({ type: 'simple', acls: serviceKafkaAcls(d) });
    }
  });

  it("gives the operator's KafkaUser operatorKafkaAcls of its mode: topic administration only in direct mode", async () => {
    for (const mode of ['strimzi', 'direct'] as const) {
      const objs = await objectsOf(mode === 'direct' ? ['--set', 'operator.mode=direct'] : []);
      expect(find(objs, 'KafkaUser', 'ecom-operator')?.spec.authorization, mode).toEqual({
        type: 'simple',
        acls: operatorKafkaAcls(mode, groups),
      });
    }
  });

  it('serves Kafka on a TLS listener with SCRAM-SHA-512 and the simple authorizer, and nothing in plaintext', async () => {
    const objs = await objectsOf([]);
    const kafka = objs.find((o) => o.kind === 'Kafka')?.spec.kafka;
    expect(kafka.authorization).toEqual({ type: 'simple' });
    expect(kafka.listeners).toHaveLength(1);
    expect(kafka.listeners[0]).toMatchObject({ tls: true, authentication: { type: 'scram-sha-512' } });
    const port = kafka.listeners[0].port;
    // Every ecom pod's policy reaches the brokers on that port, and on no other.
    const toKafka = objs
      .filter((o) => o.kind === 'NetworkPolicy')
      .flatMap((p) => p.spec.egress ?? [])
      .filter((e: Obj) => JSON.stringify(e.to ?? []).includes('"strimzi.io/kind":"Kafka"'));
    expect(toKafka.length).toBeGreaterThan(0);
    for (const rule of toKafka) expect(rule.ports).toEqual([{ port, protocol: 'TCP' }]);
    expect(envOf(objs, 'ecom-order').KAFKA_BROKERS).toBe(`ecom-kafka-kafka-bootstrap.ecom.svc:${port}`);
  });

  it("points every service and the operator at its own KafkaUser's Secret and the cluster CA, as files", async () => {
    const objs = await objectsOf([]);
    for (const name of [...SERVICES, 'operator']) {
      const deployment = `ecom-${name}`;
      const env = envOf(objs, deployment);
      expect(env, deployment).toMatchObject({
        KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: deployment, // the KafkaUser's name is its SCRAM user name
        KAFKA_SSL_CA_FILE: '/etc/ecom/kafka/ca/ca.crt',
        KAFKA_SASL_PASSWORD_FILE: '/etc/ecom/kafka/user/password',
      });
      const volumes = volumesOf(objs, deployment);
      expect(volumes.find((v) => v.name === 'kafka-user')?.secret, deployment).toMatchObject({
        secretName: deployment,
        items: [{ key: 'password', path: 'password' }],
      });
      expect(volumes.find((v) => v.name === 'kafka-ca')?.secret, deployment).toMatchObject({
        secretName: 'ecom-kafka-cluster-ca-cert',
        items: [{ key: 'ca.crt', path: 'ca.crt' }],
      });
      const mounts = containerOf(objs, deployment).volumeMounts.map((m: Obj) => m.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(['/etc/ecom/kafka/ca', '/etc/ecom/kafka/user']));
    }
  });

  it.each([
    ['Strimzi', [], 2],
    ['external SASL_SSL', VARIANTS['external Kafka (example)'] ?? [], 2],
    ['external plaintext', VARIANTS['local cluster (local/cluster)'] ?? [], 0],
  ])('%s: the operator hands its replay Jobs the very Secret keys its own pod mounts', async (_, args, files) => {
    const objs = await objectsOf([...args]);
    const op = containerOf(objs, 'ecom-operator');
    const env = Object.fromEntries(op.env.map((e: Obj) => [e.name, e.value ?? 'from-a-secret']));
    const flags = op.args.filter((a: string) => a.startsWith(`${REPLAY_KAFKA_FILE_FLAG}=`));
    const { access, problems } = parseReplayKafkaAccess(
      env,
      flags.map((a: string) => a.slice(REPLAY_KAFKA_FILE_FLAG.length + 1)),
    );
    expect(problems).toEqual([]);
    expect(access.files).toHaveLength(files);
    // What the pod reads at each path: the item of the volume mounted at its directory.
    const volumes = volumesOf(objs, 'ecom-operator');
    for (const file of access.files) {
      const mount = op.volumeMounts.find((m: Obj) => file.path.startsWith(`${m.mountPath}/`));
      const volume = volumes.find((v) => v.name === mount?.name);
      const item = volume?.secret.items.find((i: Obj) => `${mount.mountPath}/${i.path}` === file.path);
      expect({ secret: volume?.secret.secretName, key: item?.key }, file.path).toEqual({
        secret: file.secret,
        key: file.key,
      });
    }
  });

  it('with external plaintext brokers (values-local): no KafkaUsers, no credentials, the brokers as given', async () => {
    const objs = await objectsOf(VARIANTS['local cluster (local/cluster)'] ?? []);
    expect(objs.filter((o) => o.kind === 'KafkaUser')).toEqual([]);
    const env = envOf(objs, 'ecom-order');
    expect(env.KAFKA_SECURITY_PROTOCOL).toBe('plaintext');
    expect(env.KAFKA_BROKERS).toBe('10.250.0.1:19094');
    expect(Object.keys(env).filter((k) => k.startsWith('KAFKA_SASL') || k.startsWith('KAFKA_SSL'))).toEqual([]);
    expect(volumesOf(objs, 'ecom-order').map((v) => v.name)).toEqual(['tmp', 'auth-public-key']);
  });

  it("with external SASL_SSL brokers: each component's user Secret (username, password) and the given CA", async () => {
    const objs = await objectsOf(VARIANTS['external Kafka (example)'] ?? []);
    expect(objs.filter((o) => o.kind === 'KafkaUser')).toEqual([]);
    for (const name of [...SERVICES, 'operator']) {
      const env = envOf(objs, `ecom-${name}`);
      expect(env.KAFKA_SECURITY_PROTOCOL).toBe('sasl_ssl');
      expect(env.KAFKA_SASL_USERNAME).toEqual({ secretKeyRef: { name: `kafka-user-${name}`, key: 'username' } });
      const volumes = volumesOf(objs, `ecom-${name}`);
      expect(volumes.find((v) => v.name === 'kafka-user')?.secret.secretName).toBe(`kafka-user-${name}`);
      expect(volumes.find((v) => v.name === 'kafka-ca')?.secret.secretName).toBe('kafka-ca');
    }
  });

  it('refuses external SASL_SSL without a user Secret for an enabled component, naming it', async () => {
    const r = await render([
      '-f',
      'k8s/examples/values-external-kafka.yaml',
      '--set-json',
      'kafka.external.userSecrets={"order":"kafka-user-order"}',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /kafka\.external\.userSecrets\.\w+: the Secret \(keys username, password\) of \w+'s Kafka user/,
    );
  });

  it('dev PostgreSQL: one Secret and one role per service, each owning its own schema', async () => {
    const objs = await objectsOf(VARIANTS.dev ?? []);
    const passwords = new Set<string>();
    const script: string = find(objs, 'ConfigMap', 'ecom-postgresql-init')?.data['10-ecom-service-roles.sh'];
    for (const d of DEFINITIONS) {
      const env = envOf(objs, `ecom-${d.name}`);
      const ref = (env.DATABASE_URL as Obj).secretKeyRef;
      expect(ref.name).toBe(`ecom-database-${d.name}`);
      const url = new URL(find(objs, 'Secret', ref.name)?.stringData[ref.key]);
      expect(url.username, d.name).toBe(d.name);
      expect(url.password.length).toBeGreaterThanOrEqual(32);
      passwords.add(url.password);
      // The role (the URL's user) is created with the password the URL carries, owning the definition's schema.
      expect(find(objs, 'Secret', 'ecom-postgresql')?.stringData[`role-${d.name}`]).toBe(url.password);
      expect(script).toContain(`role "${d.name}" "${d.schema ?? d.name}"`);
    }
    expect(passwords.size).toBe(DEFINITIONS.length);
    expect(script).toContain('CREATE SCHEMA :"schema" AUTHORIZATION :"role"');
    expect(script).toContain('REVOKE ALL ON DATABASE :"db" FROM PUBLIC');
    expect(script).not.toMatch(/GRANT[^;]*SCHEMA/); // no role is granted anything on a schema it does not own
    const pg = find(objs, 'StatefulSet', 'ecom-postgresql')?.spec.template.spec;
    expect(pg.containers[0].volumeMounts).toContainEqual({
      name: 'init',
      mountPath: '/docker-entrypoint-initdb.d',
      readOnly: true,
    });
    expect(objs.some((o) => o.kind === 'Secret' && o.metadata.name === 'ecom-database')).toBe(false);
  });

  it('external PostgreSQL: one Secret per service, named by database.serviceSecrets or ecom-database-<service>', async () => {
    const objs = await objectsOf([
      '--set',
      'database.serviceSecrets.payment=payments-db',
      '--set',
      'database.existingSecretKey=dsn',
    ]);
    for (const name of SERVICES) {
      expect((envOf(objs, `ecom-${name}`).DATABASE_URL as Obj).secretKeyRef, name).toEqual({
        name: name === 'payment' ? 'payments-db' : `ecom-database-${name}`,
        key: 'dsn',
      });
    }
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('credentials=shared (values-local): one URL for every service', async () => {
    const objs = await objectsOf(VARIANTS['local cluster (local/cluster)'] ?? []);
    for (const name of SERVICES)
      expect((envOf(objs, `ecom-${name}`).DATABASE_URL as Obj).secretKeyRef).toEqual({
        name: 'ecom-database',
        key: 'url',
      });
  });

  it('lets the operator and Strimzi reach the API server at the given addresses, else the private ranges (offline)', async () => {
    const apiRule = (objs: Obj[], policy: string) =>
      find(objs, 'NetworkPolicy', policy)?.spec.egress.find((e: Obj) => e.ports?.some((p: Obj) => p.port === 6443));
    const offline = await objectsOf([]);
    for (const policy of ['ecom-operator', 'ecom-kafka-entity-operator', 'ecom-strimzi-cluster-operator'])
      expect(apiRule(offline, policy)?.to, policy).toEqual([
        { ipBlock: { cidr: '10.0.0.0/8' } },
        { ipBlock: { cidr: '172.16.0.0/12' } },
        { ipBlock: { cidr: '192.168.0.0/16' } },
      ]);
    const exact = await objectsOf(['--set', 'networkPolicy.apiServer.cidrs={203.0.113.7/32}']);
    expect(apiRule(exact, 'ecom-operator')?.to).toEqual([{ ipBlock: { cidr: '203.0.113.7/32' } }]);
  });

  it('with defaultDeny off there is no namespace-wide policy, and no Strimzi policies (nothing to reopen)', async () => {
    const objs = await objectsOf(['--set', 'networkPolicy.defaultDeny=false']);
    const names = objs.filter((o) => o.kind === 'NetworkPolicy').map((p) => p.metadata.name);
    expect(names).not.toContain('ecom-default-deny');
    expect(names).not.toContain('ecom-kafka');
    expect(names).toContain('ecom-order');
  });
});

describe('server-side dry-run against the test kube-apiserver', () => {
  const namespace = `packaging-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    expect(existsSync(kubeconfig), `${kubeconfig} (the integration global setup starts kube-apiserver)`).toBe(true);
    // Our CRDs and the real Strimzi and Prometheus Operator CRDs (vendored in test/crds/).
    for (const dir of ['k8s/crds', 'test/crds/strimzi', 'test/crds/prometheus-operator']) {
      const r = await kubectl([
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=ecom-packaging-test',
        '-f',
        dir,
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const wait = await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    expect(wait.code, wait.stderr).toBe(0);
    // Pod Security admission enforces "restricted" on pods and warns for workloads' templates.
    const ns = await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      }),
    );
    expect(ns.code, ns.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    // Nothing was created in it (dry-run), so finalizing by hand orphans nothing (no namespace controller here).
    await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    const got = await kubectl(['get', 'namespace', namespace, '-o', 'json']);
    if (got.code === 0) {
      const ns = JSON.parse(got.stdout);
      ns.spec.finalizers = [];
      await kubectl(['replace', '--raw', `/api/v1/namespaces/${namespace}/finalize`, '-f', '-'], JSON.stringify(ns));
    }
  });

  const dryRun = async (yamlText: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ecom-dry-run-'));
    try {
      const file = join(dir, 'objects.yaml');
      writeFileSync(file, yamlText);
      return await kubectl([
        'apply',
        '--server-side',
        '--dry-run=server',
        '--field-manager=ecom-packaging-test',
        '--validate=strict',
        '-n',
        namespace,
        '-f',
        file,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.each(Object.entries(VARIANTS))('accepts every object rendered with %s values', async (_name, args) => {
    const r = await render([...args, '--set', 'metrics.scrape.enabled=true'], namespace);
    expect(r.code, r.stderr).toBe(0);
    const count = parseObjects(r.stdout).length;
    const applied = await dryRun(r.stdout);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.split('\n').filter((l) => l.includes('(server dry run)'))).toHaveLength(count);
    expect(applied.stderr, 'Pod Security "restricted" warnings').not.toMatch(/would violate PodSecurity/);
  });

  it('accepts k8s/topics and k8s/examples', async () => {
    for (const dir of ['k8s/topics', 'k8s/examples']) {
      const text = readdirSync(resolve(repoRoot, dir))
        .filter((f) => f.endsWith('.yaml') && !f.startsWith('values-'))
        .map((f) => readFileSync(resolve(repoRoot, dir, f), 'utf8'))
        .join('\n---\n');
      const applied = await dryRun(text);
      expect(applied.code, `${dir}: ${applied.stderr}`).toBe(0);
    }
  });

  it('rejects an object the CRD schema forbids (the dry-run really validates)', async () => {
    const applied = await dryRun(
      'apiVersion: ecom.dev/v1alpha1\nkind: EventTopic\nmetadata: {name: bad}\nspec: {partitions: 0}\n',
    );
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toMatch(/partitions/);
  });
});

describe('Tiltfile', () => {
  const tiltfile = readFileSync(resolve(repoRoot, 'Tiltfile'), 'utf8');
  const devArgs = ['-f', 'charts/ecom/values-dev.yaml', '--set', 'liveUpdate=true', '--set', 'tests.enabled=false'];

  it('references paths that exist', () => {
    const literals = [
      ...tiltfile.matchAll(
        /"((?:schemas|services|operator|charts|local|k8s)\/[\w./-]*|Dockerfile|package(?:-lock)?\.json|tsconfig\.base\.json)"/g,
      ),
    ].map((m) => m[1] ?? '');
    const expanded = literals.flatMap((p) => (p.includes('%s') ? SERVICES.map((s) => p.replace('%s', s)) : [p]));
    for (const s of SERVICES) expanded.push(`services/${s}/src`, `services/${s}/dist`, `services/${s}/migrations`);
    expect(expanded.length).toBeGreaterThan(10);
    for (const p of expanded) expect(existsSync(resolve(repoRoot, p)), `${p} (named in the Tiltfile)`).toBe(true);
  });

  it('groups objects that the dev values render (or, on local/cluster, values-local)', async () => {
    const r = await render(devArgs);
    expect(r.code, r.stderr).toBe(0);
    const local = await render([
      '-f',
      'charts/ecom/values-local.yaml',
      '--set',
      'liveUpdate=true',
      '--set',
      'tests.enabled=false',
    ]);
    expect(local.code, local.stderr).toBe(0);
    const rendered = new Set([
      ...[...parseObjects(r.stdout), ...parseObjects(local.stdout)].map(
        (o) => `${o.metadata.name}:${String(o.kind).toLowerCase()}`,
      ),
      // The one object the Tiltfile makes itself, not the chart: the development issuer's public key.
      'ecom-auth-public-key:secret',
    ]);
    const selectors = [...tiltfile.matchAll(/"([\w.%-]+:[a-z]+)"/g)].map((m) => m[1] ?? '');
    const expanded = selectors.flatMap((s) => {
      if (s.startsWith('%s:eventtopic')) return [...rendered].filter((x) => x.endsWith(':eventtopic'));
      return s.includes('%s') ? SERVICES.map((n) => s.replace('%s', n)) : [s];
    });
    expect(expanded.length).toBeGreaterThan(15);
    for (const s of expanded) expect(rendered.has(s), `Tiltfile object ${s} is rendered`).toBe(true);
    for (const s of SERVICES) expect(rendered.has(`ecom-${s}:deployment`)).toBe(true);
    expect(rendered.has('ecom-operator:deployment')).toBe(true);
    expect(rendered.has('ecom-postgresql:statefulset')).toBe(true);
  });

  describe('evaluated by tilt alpha tiltfile-result', () => {
    let tilt = '';
    let dir = '';
    // A kubeconfig whose context is named like a kind cluster's; it points at the test kube-apiserver.
    const kubeconfigNamed = async (context: string) => {
      const file = join(dir, `kubeconfig-${context}`);
      writeFileSync(file, readFileSync(kubeconfig));
      const current = (await ok('kubectl', ['--kubeconfig', file, 'config', 'current-context'])).stdout.trim();
      await ok('kubectl', ['--kubeconfig', file, 'config', 'rename-context', current, context]);
      return file;
    };
    const tiltfileResult = async (context: string, tiltfileArgs: string[] = []) =>
      run(
        tilt,
        ['alpha', 'tiltfile-result', '-f', 'Tiltfile', ...(tiltfileArgs.length ? ['--', ...tiltfileArgs] : [])],
        {
          env: { KUBECONFIG: await kubeconfigNamed(context), PATH: `${resolve(helm, '..')}:${process.env.PATH}` },
        },
      );

    beforeAll(async () => {
      // Builds tilt 0.37 from the Go module proxy on a fresh machine (long), cached afterwards.
      const r = await ok('bash', ['local/tools/install.sh', 'tilt']);
      tilt = r.stdout.trim().split('\n').pop() ?? '';
      expect(existsSync(tilt), `install.sh tilt printed ${tilt}`).toBe(true);
      dir = mkdtempSync(join(tmpdir(), 'ecom-tilt-'));
    }, 60 * 60_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('loads on a kind context: resources, order, ports, labels, live update', async () => {
      const r = await tiltfileResult('kind-ecom');
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.Error ?? null).toBeNull();
      const manifests = new Map<string, Obj>(result.Manifests.map((m: Obj) => [m.Name, m]));
      expect([...manifests.keys()]).not.toContain('uncategorized'); // every object belongs to a resource
      const deps = (name: string): string[] => manifests.get(name)?.ResourceDependencies ?? [];
      expect(deps('kafka')).toContain('strimzi-operator');
      expect(deps('operator')).toContain('kafka');
      expect(deps('topics')).toContain('operator');
      expect(deps('tsc')).toContain('generate');
      for (const [i, s] of SERVICES.entries()) {
        const m = manifests.get(s);
        expect(m, `resource ${s}`).toBeTruthy();
        expect(deps(s)).toEqual(expect.arrayContaining(['kafka', 'postgresql', 'topics']));
        expect(m?.Labels).toEqual({ services: 'services' });
        expect(m?.DeployTarget.portForwardTemplateSpec.forwards).toEqual([
          { localPort: 3001 + i, containerPort: 3001 + i, host: 'localhost' },
        ]);
        const image = m?.ImageTargets[0];
        expect(image.BuildDetails.target).toBe('dev');
        const syncs = image.LiveUpdateSpec.syncs.map((x: Obj) => x.localPath);
        expect(syncs).toContain(`services/${s}/dist`);
        expect(syncs).toContain('services/kit/dist');
      }
      expect(manifests.get('operator')?.DeployTarget.portForwardTemplateSpec.forwards[0].containerPort).toBe(8080);
      // The rendered YAML Tilt deploys: the liveUpdate variant, without the helm test pod.
      const order = manifests.get('order')?.DeployTarget.yaml as string;
      expect(order).toContain('readOnlyRootFilesystem: false');
      expect(result.Manifests.some((m: Obj) => String(m.DeployTarget?.yaml ?? '').includes('test-readyz'))).toBe(false);
    });

    it.each([
      ['the local cluster (the node address)', 'ecom-cluster', [], '10.250.0.1'],
      ['kind, with --traces-host', 'kind-ecom', ['--traces-host', '172.18.0.1'], '172.18.0.1'],
    ])(
      'with --traces on %s: the viewer as a resource, every service sending it OTLP/JSON',
      async (_, context, args, host) => {
        const r = await tiltfileResult(context, ['--traces', ...args]);
        expect(r.code, r.stderr).toBe(0);
        const result = JSON.parse(r.stdout);
        expect(result.Error ?? null).toBeNull();
        const manifests = new Map<string, Obj>(result.Manifests.map((m: Obj) => [m.Name, m]));
        const traces = manifests.get('traces');
        expect(traces?.DeployTarget.ServeCmd.Argv.join(' ')).toContain(
          `npm run --silent traces -- --host ${host} --port 4318`,
        );
        for (const s of SERVICES) {
          expect(manifests.get(s)?.ResourceDependencies).toContain('traces');
          const objects = parseObjects(manifests.get(s)?.DeployTarget.yaml as string);
          const env = objects.find((o) => o.kind === 'Deployment')?.spec.template.spec.containers[0].env as Obj[];
          expect(env).toContainEqual({ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://${host}:4318` });
          expect(env).toContainEqual({ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/json' });
          const policy = objects.find((o) => o.kind === 'NetworkPolicy');
          expect(policy?.spec.egress).toContainEqual({
            to: [{ ipBlock: { cidr: `${host}/32` } }],
            ports: [{ port: 4318, protocol: 'TCP' }],
          });
        }
      },
    );

    it('without --traces: no viewer, no OTEL_* variable', async () => {
      const r = await tiltfileResult('kind-ecom');
      const result = JSON.parse(r.stdout);
      expect(result.Manifests.map((m: Obj) => m.Name)).not.toContain('traces');
      expect(result.Manifests.map((m: Obj) => String(m.DeployTarget?.yaml ?? '')).join('\n')).not.toContain('OTEL_');
    });

    it('refuses a context that is not kind', async () => {
      const r = await tiltfileResult('staging-east');
      expect(r.code).toBe(5);
      expect(r.stderr).toContain('deploys only to kind clusters');
    });
  });

  it('fetches nothing while it loads (no extensions, no remote charts through helm())', () => {
    const code = tiltfile
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, ''))
      .join('\n');
    expect(code).not.toMatch(/ext:\/\/|\bload\(|extension_repo|helm_remote|\bhelm\(/);
  });
});
