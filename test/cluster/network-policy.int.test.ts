// NetworkPolicies are enforced on the one-node cluster of local/cluster/cluster.sh (kube-router's
// network policy controller beside the bridge CNI, which has no policy engine of its own): a
// policy that denies traffic makes a connection that worked fail, a rule that allows it makes it
// work again. Without enforcement a wrong policy of charts/ecom would ship unnoticed.
//
// Small pods of our image (`node -e`: an HTTP server, an idle client that `kubectl exec` runs
// fetch/connect in) in a namespace of their own under the restricted Pod Security level. The
// cluster has its own kube-apiserver: every kubectl goes through test/support/cluster.ts, with
// `cluster.sh env`'s KUBECONFIG, never the one the integration global setup exports.
import { eventually } from '@ecom/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, RESTRICTED, run } from '../support/cluster.js';

const NAMESPACE = 'ecom-netpol-test';
const IMAGE = 'ghcr.io/ecom-platform/ecom:0.1.0';
// The machine's PostgreSQL as the pods see it (cluster.sh forwards the node address to loopback),
// and another port on the node that always listens (the kubelet's).
const HOST_POSTGRES = { host: '10.250.0.1', port: 15432 };
const KUBELET_PORT = 10250;
// A policy change reaches the node's iptables within a sync (milliseconds); allow for a busy machine.
const ENFORCED_WITHIN_MS = 30_000;

let cluster: Cluster | undefined;
const kubectl = (args: string[], input?: string) => (cluster as Cluster).kubectl(args, { input });
const kubectlOk = (args: string[], input?: string) => (cluster as Cluster).kubectlOk(args, { input });
const apply = (objects: object[]) =>
  kubectlOk(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

// Restricted Pod Security: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp.
function pod(name: string, labels: Record<string, string>, script: string, http = false): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      securityContext: RESTRICTED.pod,
      containers: [
        {
          name: 'main',
          image: IMAGE,
          imagePullPolicy: 'Never',
          command: ['node', '-e', script],
          securityContext: RESTRICTED.container,
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
          ...(http
            ? {
                ports: [{ name: 'http', containerPort: 8080 }],
                // The kubelet probes from the node: a policy must not cut it off (the chart's pods rely on it).
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
              }
            : {}),
        },
      ],
    },
  };
}

function policy(name: string, spec: object): object {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: NAMESPACE }, spec };
}

type Outcome = 'open' | 'refused' | 'timeout' | string;

// Run inside a client pod: one TCP connection (and, for http, one GET), the outcome on stdout.
const PROBE = `
const [host, port, http] = process.argv.slice(1);
const done = (o) => { console.log(o); process.exit(0); };
const s = require('net').connect(Number(port), host);
s.setTimeout(3000, () => done('timeout'));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code));
s.on('connect', () => {
  if (!http) { s.end(); return done('open'); }
  s.write('GET / HTTP/1.0\\r\\n\\r\\n');
  let body = '';
  s.on('data', (d) => { body += d; });
  s.on('end', () => done(body.endsWith('pong') ? 'open' : 'bad answer: ' + body.slice(0, 80)));
});`;

async function probe(from: string, host: string, port: number, http = false): Promise<Outcome> {
  const r = await kubectlOk([
    'exec',
    '-n',
    NAMESPACE,
    from,
    '--',
    'node',
    '-e',
    PROBE,
    host,
    String(port),
    http ? 'http' : '',
  ]);
  return r.stdout.trim();
}

/** Waits until `from` → host:port has the outcome (a policy takes a sync to apply); returns it. */
async function until(want: Outcome, from: string, host: string, port: number, http = false): Promise<Outcome> {
  let last: Outcome = '';
  await eventually(
    async () => {
      last = await probe(from, host, port, http);
      return last === want ? true : undefined;
    },
    `${from} -> ${host}:${port} to be ${want}`,
    ENFORCED_WITHIN_MS,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (last: ${last})`);
  });
  return last;
}

let serverIp = '';
let serviceIp = '';

beforeAll(async () => {
  // Seconds when the cluster runs; a fresh machine builds the node and the images first.
  cluster = await Cluster.up();
  // A run killed midway leaves its namespace behind: start from nothing.
  await kubectlOk(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=3m']);
  await apply([
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: NAMESPACE,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
  ]);
  await apply([
    pod('server', { app: 'server' }, "require('http').createServer((q, s) => s.end('pong')).listen(8080)", true),
    pod('client', { app: 'client' }, 'setInterval(() => {}, 1e9)'),
    pod('stranger', { app: 'stranger' }, 'setInterval(() => {}, 1e9)'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'server', namespace: NAMESPACE },
      spec: { selector: { app: 'server' }, ports: [{ port: 80, targetPort: 'http' }] },
    },
  ]);
  await kubectlOk(['wait', '-n', NAMESPACE, '--for=condition=Ready', 'pod', '--all', '--timeout=120s']);
  serverIp = (await kubectlOk(['get', 'pod', 'server', '-n', NAMESPACE, '-o', 'jsonpath={.status.podIP}'])).stdout;
  serviceIp = (await kubectlOk(['get', 'service', 'server', '-n', NAMESPACE, '-o', 'jsonpath={.spec.clusterIP}']))
    .stdout;
  // kube-proxy programs a new Service within a sync; until then its ClusterIP leaves the node by
  // the default route (and this machine's outbound proxy answers port 80).
  await until('open', 'client', serviceIp, 80, true);
}, 45 * 60_000);

afterAll(async () => {
  if (cluster) await kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=3m']);
}, 4 * 60_000);

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail' || !cluster) return;
  const state = await kubectl(['get', 'pods,networkpolicies,endpointslices', '-n', NAMESPACE, '-o', 'wide']);
  const status = await run('bash', ['local/cluster/cluster.sh', 'status']);
  console.log([state.stdout, state.stderr, status.stdout].join('\n'));
}, 60_000);

describe('NetworkPolicies on the local cluster (kube-router)', () => {
  // The tests build on each other: each adds or removes one policy.

  it('without a policy, pods reach each other (pod IP and Service) and the host', async () => {
    expect(await probe('client', serverIp, 8080, true)).toBe('open');
    expect(await probe('client', serviceIp, 80, true)).toBe('open');
    expect(await probe('stranger', serviceIp, 80, true)).toBe('open');
    expect(await probe('client', HOST_POSTGRES.host, HOST_POSTGRES.port)).toBe('open');
    expect(await probe('client', HOST_POSTGRES.host, KUBELET_PORT)).toBe('open');
  });

  it('a default-deny ingress policy blocks pod-to-pod traffic, through the Service too', async () => {
    await apply([policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })]);
    await until('refused', 'client', serviceIp, 80, true);
    expect(await probe('client', serverIp, 8080, true)).toBe('refused');
    expect(await probe('stranger', serviceIp, 80, true)).toBe('refused');
    // Egress is not restricted by it.
    expect(await probe('client', HOST_POSTGRES.host, HOST_POSTGRES.port)).toBe('open');
  });

  it('the kubelet still probes a pod that denies ingress', async () => {
    // periodSeconds 1, failureThreshold 1: a blocked probe would flip Ready within seconds.
    await new Promise((r) => setTimeout(r, 4_000));
    const ready = await kubectlOk([
      'get',
      'pod',
      'server',
      '-n',
      NAMESPACE,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    expect(ready.stdout).toBe('True');
  });

  it('an ingress rule re-opens the port for the pods it selects, and only for them', async () => {
    await apply([
      policy('server-from-client', {
        podSelector: { matchLabels: { app: 'server' } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 'http', protocol: 'TCP' }] },
        ],
      }),
    ]);
    await until('open', 'client', serviceIp, 80, true);
    expect(await probe('client', serverIp, 8080, true)).toBe('open');
    expect(await probe('stranger', serviceIp, 80, true)).toBe('refused');
  });

  it("an egress policy without rules blocks a pod from the host's PostgreSQL (10.250.0.1:15432)", async () => {
    await apply([
      policy('client-deny-egress', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'] }),
    ]);
    await until('refused', 'client', HOST_POSTGRES.host, HOST_POSTGRES.port);
    expect(await probe('client', serviceIp, 80, true)).toBe('refused');
    // Other pods keep their egress.
    expect(await probe('stranger', HOST_POSTGRES.host, HOST_POSTGRES.port)).toBe('open');
  });

  it('an egress ipBlock rule (as charts/ecom writes for an external database) re-opens exactly that port', async () => {
    await apply([
      policy('client-to-postgres', {
        podSelector: { matchLabels: { app: 'client' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ipBlock: { cidr: `${HOST_POSTGRES.host}/32` } }],
            ports: [{ port: HOST_POSTGRES.port, protocol: 'TCP' }],
          },
        ],
      }),
    ]);
    await until('open', 'client', HOST_POSTGRES.host, HOST_POSTGRES.port);
    // Still no egress to the server pod, nor to another port of the host.
    expect(await probe('client', serviceIp, 80, true)).toBe('refused');
    expect(await probe('client', HOST_POSTGRES.host, KUBELET_PORT)).toBe('refused');
  });

  it('deleting the policies restores the open network', async () => {
    await kubectlOk(['delete', 'networkpolicies', '--all', '-n', NAMESPACE]);
    await until('open', 'client', serviceIp, 80, true);
    expect(await probe('stranger', serviceIp, 80, true)).toBe('open');
    expect(await probe('client', HOST_POSTGRES.host, HOST_POSTGRES.port)).toBe('open');
  });
});
