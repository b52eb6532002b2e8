// `tilt ci` with the repository's Tiltfile against the one-node cluster of local/cluster/cluster.sh:
// its context (ecom-cluster) picks the Tiltfile's Docker-free path (custom_build through
// local/cluster/images.sh: buildah, imported into the node's containerd) and values-local.yaml (the
// machine's Kafka and PostgreSQL, no Strimzi, no in-cluster database). Every resource must become
// ready and `tilt ci` exit 0; then `tilt down` must remove what it applied.
//
// The release runs in a namespace of its own (ECOM_NAMESPACE, which the Tiltfile reads) but, like
// test/cluster/chart.int.test.ts, uses the machine's broker and database: its pods consume with the
// services' consumer groups, so afterAll always takes it down and waits for its pods to go.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ecom/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Obj, ok, Release, type Run, run } from '../support/cluster.js';
import { SERVICES } from '../support/stack.js';

const NAMESPACE = 'ecom-tilt';
const SERVICE_NAMES = Object.keys(SERVICES);
// What Kubernetes and the operator make in a namespace by themselves; Tilt applies none of these.
const NOT_TILTS = ['ConfigMap/kube-root-ca.crt', 'ServiceAccount/default', 'Lease/ecom-operator'];

let cluster: Cluster;
let tilt = '';
let dir = '';

/** Tilt with the cluster's env: its own KUBECONFIG (never the tests' API server's), PATH, containerd. */
const tiltRun = (args: string[], timeoutMs: number): Promise<Run> =>
  run(tilt, args, { env: { ...cluster.env, ECOM_NAMESPACE: NAMESPACE }, timeoutMs });
const tail = (r: Run, lines = 80) => `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(-lines).join('\n');

async function namespaceExists(): Promise<boolean> {
  return (await cluster.kubectl(['get', 'namespace', NAMESPACE])).code === 0;
}

/** tilt down, then whatever it left (finalizers, pods, the namespace the Tiltfile's kubectl made). */
async function takeDown(): Promise<void> {
  if (!(await namespaceExists())) return;
  const down = await tiltRun(['down', '-f', 'Tiltfile'], 5 * 60_000);
  if (down.code !== 0) console.warn(`tilt down failed (exit ${down.code}):\n${tail(down)}`);
  await new Release(cluster, { namespace: NAMESPACE, values: [] }).destroy();
}

beforeAll(async () => {
  // Seconds when the cluster runs; a fresh machine builds the node and the images (~25 min).
  cluster = await Cluster.up();
  // Builds tilt 0.37 from the Go module proxy on a fresh machine, cached afterwards.
  tilt =
    (await ok('bash', ['local/tools/install.sh', 'tilt'], { timeoutMs: 60 * 60_000 })).stdout
      .trim()
      .split('\n')
      .pop() ?? '';
  expect(tilt, 'local/tools/install.sh tilt printed a path').toMatch(/\/tilt$/);
  dir = mkdtempSync(join(tmpdir(), 'ecom-tilt-ci-'));
  // A run killed midway leaves its release behind: start from nothing.
  await takeDown();
}, 90 * 60_000);

afterAll(async () => {
  if (cluster) await takeDown();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 15 * 60_000);

describe('tilt ci on the local cluster (context ecom-cluster)', () => {
  let manifests: Obj[] = [];

  it('loads the Docker-free path: custom_build through images.sh, values-local.yaml, no Strimzi or PostgreSQL', async () => {
    const r = await tiltRun(['alpha', 'tiltfile-result', '-f', 'Tiltfile'], 5 * 60_000);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.Error ?? null).toBeNull();
    manifests = result.Manifests;
    const names = manifests.map((m) => m.Name as string);
    expect(names).toEqual(expect.arrayContaining(['operator', 'topics', 'database', ...SERVICE_NAMES]));
    for (const absent of ['strimzi-operator', 'kafka', 'postgresql', 'uncategorized'])
      expect(names).not.toContain(absent);
    for (const s of [...SERVICE_NAMES, 'operator']) {
      const image = manifests.find((m) => m.Name === s)?.ImageTargets?.[0];
      expect(image, `${s} has an image`).toBeTruthy();
      expect(image.BuildDetails.args.join(' ')).toContain('local/cluster/images.sh project --target dev');
      expect(image.BuildDetails.outputMode).toBe('remote'); // skips_local_docker: nothing in Docker
      expect(image.LiveUpdateSpec.syncs.map((x: Obj) => x.localPath)).toContain('services/kit/dist');
    }
    const yaml = manifests.map((m) => String(m.DeployTarget?.yaml ?? '')).join('\n');
    expect(yaml).toContain(`namespace: ${NAMESPACE}`);
    expect(yaml).toContain('10.250.0.1:19094'); // the machine's broker, through the node address
  });

  it(
    'exits 0 with every resource ready, the pods running the image it built',
    async () => {
      const snapshot = join(dir, 'snapshot.json');
      const started = Date.now();
      const r = await tiltRun(
        ['ci', '-f', 'Tiltfile', '--port', '0', '--timeout', '25m', '--output-snapshot-on-exit', snapshot],
        30 * 60_000,
      );
      console.log(`tilt ci: exit ${r.code} in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(r.code, tail(r)).toBe(0);
      expect(r.stdout + r.stderr).toContain('SUCCESS. All workloads are healthy.');

      // What tilt ci leaves running: one available Deployment per component, on the image Tilt built.
      const deployments = await cluster.items(['deployments', '-n', NAMESPACE]);
      const resources: Obj[] = JSON.parse(readFileSync(snapshot, 'utf8')).view.uiResources;
      const state = new Map(resources.map((u) => [u.metadata.name as string, u.status as Obj]));
      for (const m of manifests) {
        const s = state.get(m.Name);
        expect(s, `resource ${m.Name} in tilt's state`).toBeTruthy();
        expect(s?.updateStatus, `${m.Name} update`).toBe('ok');
        expect(['ok', 'not_applicable', 'pending'], `${m.Name} runtime`).toContain(s?.runtimeStatus);
      }
      // tilt ci judged every workload healthy (above), but its snapshot at exit can show a pod not
      // Ready for a moment (a readiness check missed on this busy 2-core machine, or a replica its
      // ConsumerAutoscaler just added): such a Deployment must have every replica Ready again soon.
      for (const m of manifests.filter((m) => state.get(m.Name)?.runtimeStatus === 'pending')) {
        await eventually(
          async () => {
            const d = await cluster.get(['deployment', `ecom-${m.Name}`, '-n', NAMESPACE]);
            return (d.status.readyReplicas ?? 0) >= d.spec.replicas ? true : undefined;
          },
          `every replica of ${m.Name} Ready again after tilt ci`,
          120_000,
        );
      }
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
        [...SERVICE_NAMES, 'operator'].map((s) => `ecom-${s}`).sort(),
      );
      for (const d of deployments) {
        expect(d.status.availableReplicas ?? 0, `${d.metadata.name} available`).toBeGreaterThanOrEqual(1);
        expect(d.spec.template.spec.containers[0].image).toMatch(/^ghcr\.io\/ecom-platform\/ecom:tilt-/);
      }
    },
    35 * 60_000,
  );

  it('tilt down removes what tilt ci applied', async () => {
    const r = await tiltRun(['down', '-f', 'Tiltfile'], 5 * 60_000);
    expect(r.code, tail(r)).toBe(0);
    // Deletion is asynchronous: pods terminate, EventTopics wait for the operator's finalizer.
    const left = await eventually(
      async () => {
        const objects = (await cluster.namespaceObjects(NAMESPACE)).filter((o) => !NOT_TILTS.includes(o));
        if (objects.length === 0) return objects;
        await new Promise((done) => setTimeout(done, 1000));
        return undefined;
      },
      `the objects of namespace ${NAMESPACE} to go`,
      180_000,
    ).catch(async () => (await cluster.namespaceObjects(NAMESPACE)).filter((o) => !NOT_TILTS.includes(o)));
    expect(left).toEqual([]);
    // Cluster-wide: the CRDs it applied (gone once their EventTopics are: the Tiltfile has `tilt down`
    // delete those first, while the operator runs to release their finalizer).
    const crds = async () =>
      (await cluster.items(['customresourcedefinitions', '-l', 'app.kubernetes.io/managed-by=tilt'])).map(
        (c) => `${c.metadata.name}${c.metadata.deletionTimestamp ? ' (terminating)' : ''}`,
      );
    await eventually(async () => ((await crds()).length === 0 ? true : undefined), 'the CRDs to go', 60_000).catch(
      () => undefined,
    );
    expect(await crds()).toEqual([]);
  });
});
