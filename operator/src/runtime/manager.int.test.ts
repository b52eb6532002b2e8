// Leader election and watch recovery of the operator runtime, against the real kube-apiserver.
// Strimzi mode keeps these tests independent of Kafka: a reconcile is visible as a KafkaTopic.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { OperatorHandle } from '../operator.js';
import {
  createNamespace,
  deleteNamespace,
  ensureKubeApiserver,
  installCrds,
  kubeconfigPath,
  kubectl,
  kubectlJson,
  kubectlOk,
  runScript,
  waitFor,
} from '../testing/kube.js';
import { metricValue, startTestOperator, testOperatorConfig } from '../testing/operator.js';
import { startOutageProxy } from '../testing/outage-proxy.js';

let namespace: string;
const running: OperatorHandle[] = [];

async function start(identity: string, overrides: Parameters<typeof testOperatorConfig>[1] = {}) {
  const handle = await startTestOperator(
    testOperatorConfig(namespace, { mode: 'strimzi', strimziCluster: 'c1', kafkaBrokers: [], identity, ...overrides }),
  );
  running.push(handle);
  return handle;
}

async function stop(handle: OperatorHandle) {
  await handle.stop();
  running.splice(running.indexOf(handle), 1);
}

async function applyTopic(name: string) {
  await kubectlOk(
    ['apply', '-n', namespace, '-f', '-'],
    stringify({ apiVersion: 'ecom.dev/v1alpha1', kind: 'EventTopic', metadata: { name }, spec: { partitions: 1 } }),
  );
}

const kafkaTopicExists = (name: string) =>
  waitFor(
    `KafkaTopic ${name}`,
    async () => ((await kubectl(['get', 'kafkatopic', name, '-n', namespace])).code === 0 ? true : undefined),
    60_000,
  );

beforeAll(async () => {
  await ensureKubeApiserver();
  await installCrds('k8s/crds', 'test/crds/strimzi');
  namespace = await createNamespace('et-runtime');
});

afterEach(async () => {
  for (const handle of [...running]) await stop(handle);
});

afterAll(async () => {
  if (namespace) await deleteNamespace(namespace);
});

describe('operator runtime', () => {
  it('only the Lease holder reconciles; when it stops, the other takes over', async () => {
    const a = await start('op-a');
    await waitFor('op-a leads', async () => (a.isLeader() ? true : undefined));
    const b = await start('op-b');
    await applyTopic('first');
    await kafkaTopicExists('first');
    await waitFor('op-a counted its reconciles', async () =>
      (await metricValue(a, 'operator_reconcile_total')) > 0 ? true : undefined,
    );
    expect(b.isLeader()).toBe(false);
    expect(await metricValue(b, 'operator_reconcile_total')).toBe(0);
    expect(await metricValue(b, 'operator_leader')).toBe(0);

    // Health endpoints of the standby: alive and ready (waiting is its job), metrics served.
    const base = `http://127.0.0.1:${b.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const readyz = await fetch(`${base}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.text()).toContain('standby');
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('operator_leader 0');

    await stop(a);
    await waitFor('op-b leads', async () => (b.isLeader() ? true : undefined), 15_000);
    const lease = await kubectlJson<{ spec: { holderIdentity: string } }>([
      'get',
      'lease',
      'ecom-operator',
      '-n',
      namespace,
    ]);
    expect(lease.spec.holderIdentity).toBe('op-b');
    await applyTopic('second');
    await kafkaTopicExists('second');
    expect(await metricValue(b, 'operator_leader')).toBe(1);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /operator_reconcile_total\{controller="eventtopic",result="success"\} \d+/,
    );
  });

  it('recovers its watches after the kube-apiserver goes away under it, and reconciles later changes', async () => {
    // In CI (integration files run one at a time) the real kube-apiserver is stopped and started
    // again. Elsewhere, by default, the outage is a proxy in front of it going down and coming back
    // (connections reset, then refused), since a developer may run other tests against the shared
    // server at the same time; OPERATOR_TEST_RESTART_KUBE=1 asks for the real restart there too.
    const realRestart = process.env.CI === 'true' || process.env.OPERATOR_TEST_RESTART_KUBE === '1';
    const proxy = realRestart ? undefined : await startOutageProxy(kubeconfigPath);
    try {
      // A lease longer than the outage: this tests the informers' recovery, not a change of leader.
      const op = await start('op-restart', {
        leaseDurationSeconds: 120,
        renewDeadlineSeconds: 90,
        retryPeriodSeconds: 2,
        ...(proxy ? { kubeconfig: proxy.kubeconfig } : {}),
      });
      await waitFor('op-restart leads', async () => (op.isLeader() ? true : undefined), 15_000);
      await waitFor('informers synced', async () => (op.controllers()[0]?.hasSynced() ? true : undefined));
      const controller = op.controllers()[0];
      await applyTopic('before-restart');
      await kafkaTopicExists('before-restart');

      if (proxy) {
        await proxy.down();
        // Changed while the operator cannot see the API server: found by the relist after recovery.
        await applyTopic('during-outage');
        await new Promise((r) => setTimeout(r, 3_000));
        await proxy.up();
      } else {
        await runScript('local/kube/kube.sh', ['stop']);
        await runScript('local/kube/kube.sh', ['start']);
        await applyTopic('during-outage');
      }
      await kafkaTopicExists('during-outage');
      await applyTopic('after-restart');
      await kafkaTopicExists('after-restart');
      expect(op.controllers()[0]).toBe(controller);
      expect(await metricValue(op, 'operator_informer_restarts_total')).toBeGreaterThan(0);
    } finally {
      for (const handle of [...running]) await stop(handle);
      await proxy?.close();
    }
  });
});
