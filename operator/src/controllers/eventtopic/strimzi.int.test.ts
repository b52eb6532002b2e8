// EventTopic reconciliation in strimzi mode against the real kube-apiserver. No Strimzi runs: its
// real KafkaTopic CRD (vendored in test/crds/strimzi/) is installed, and the test writes the
// KafkaTopic status the way Strimzi's topic operator would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { EventTopic } from '../../api/eventtopic.js';
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
import { startTestOperator, testOperatorConfig } from '../../testing/operator.js';
import type { KafkaTopic } from './kafka-topic.js';

let namespace: string;
let operator: OperatorHandle | undefined;

const et = (name: string) => kubectlJson<EventTopic>(['get', 'eventtopic', name, '-n', namespace]);
const kt = (name: string) => kubectlJson<KafkaTopic>(['get', 'kafkatopic', name, '-n', namespace]);
const readyOf = (r: EventTopic) => r.status?.conditions?.find((c) => c.type === 'Ready');

function manifest(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'ecom.dev/v1alpha1', kind: 'EventTopic', metadata: { name }, spec });
}

/** Writes the KafkaTopic's status as Strimzi would. */
async function setKafkaTopicReady(name: string, status: 'True' | 'False', reason: string, message: string) {
  const current = await kt(name);
  await kubectlOk([
    'patch',
    'kafkatopic',
    name,
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        observedGeneration: current.metadata.generation,
        topicName: current.spec?.topicName,
        conditions: [{ type: 'Ready', status, reason, message, lastTransitionTime: new Date().toISOString() }],
      },
    }),
  ]);
}

beforeAll(async () => {
  await ensureKubeApiserver();
  await installCrds('k8s/crds', 'test/crds/strimzi');
  namespace = await createNamespace('et-strimzi');
  operator = await startTestOperator(
    testOperatorConfig(namespace, { mode: 'strimzi', strimziCluster: 'my-cluster', kafkaBrokers: [] }),
  );
});

afterAll(async () => {
  await operator?.stop();
  if (namespace) await deleteNamespace(namespace);
});

describe('EventTopic operator, strimzi mode', () => {
  it('produces an owned KafkaTopic with the cluster label, Pending until Strimzi reports Ready', async () => {
    await kubectlOk(
      ['apply', '-n', namespace, '-f', '-'],
      manifest('orders', { topicName: 'ecom.orders', partitions: 6, config: { 'retention.ms': '604800000' } }),
    );
    const topic = await waitFor('KafkaTopic orders', async () => kt('orders'));
    const owner = await et('orders');
    expect(topic.metadata.labels?.['strimzi.io/cluster']).toBe('my-cluster');
    expect(topic.spec).toEqual({
      topicName: 'ecom.orders',
      partitions: 6,
      replicas: 3,
      config: { 'retention.ms': '604800000' },
    });
    expect(topic.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'EventTopic', name: 'orders', uid: owner.metadata.uid, controller: true }),
    ]);
    const withFields = await kubectlJson<KafkaTopic>([
      'get',
      'kafkatopic',
      'orders',
      '-n',
      namespace,
      '--show-managed-fields',
    ]);
    const managedFields = (withFields.metadata as { managedFields?: { manager: string; operation: string }[] })
      .managedFields;
    expect(managedFields?.some((f) => f.manager === 'ecom-operator' && f.operation === 'Apply')).toBe(true);

    const pending = await waitFor('Ready=Unknown Pending', async () => {
      const r = await et('orders');
      return readyOf(r)?.reason === 'Pending' ? r : undefined;
    });
    expect(readyOf(pending)?.status).toBe('Unknown');
    expect(pending.status?.mode).toBe('strimzi');
  });

  it('mirrors the KafkaTopic Ready condition, reason and message', async () => {
    await setKafkaTopicReady('orders', 'True', 'TopicReconciled', 'all good');
    const ok = await waitFor('Ready=True', async () => {
      const r = await et('orders');
      return readyOf(r)?.status === 'True' ? r : undefined;
    });
    expect(readyOf(ok)).toMatchObject({ reason: 'TopicReconciled', message: 'all good' });

    await setKafkaTopicReady('orders', 'False', 'KafkaError', 'broker unavailable');
    const failing = await waitFor('Ready=False', async () => {
      const r = await et('orders');
      return readyOf(r)?.status === 'False' ? r : undefined;
    });
    expect(readyOf(failing)).toMatchObject({ reason: 'KafkaError', message: 'broker unavailable' });
  });

  it('grows the KafkaTopic, refuses a decrease, and restores a KafkaTopic edited by hand', async () => {
    await kubectlMergePatch('eventtopic', 'orders', namespace, { spec: { partitions: 9 } });
    await waitFor('KafkaTopic grows to 9', async () =>
      (await kt('orders')).spec?.partitions === 9 ? true : undefined,
    );

    await kubectlMergePatch('eventtopic', 'orders', namespace, { spec: { partitions: 3 } });
    await waitFor('PartitionDecreaseRefused', async () =>
      readyOf(await et('orders'))?.reason === 'PartitionDecreaseRefused' ? true : undefined,
    );
    expect((await kt('orders')).spec?.partitions).toBe(9);
    await kubectlMergePatch('eventtopic', 'orders', namespace, { spec: { partitions: 9 } });

    await kubectlMergePatch('kafkatopic', 'orders', namespace, { spec: { config: { 'retention.ms': '1' } } });
    await waitFor('KafkaTopic config restored', async () =>
      (await kt('orders')).spec?.config?.['retention.ms'] === '604800000' ? true : undefined,
    );
  });

  it('on delete with Retain, marks the KafkaTopic strimzi.io/managed=false before deleting it', async () => {
    await kubectlOk(
      ['apply', '-n', namespace, '-f', '-'],
      manifest('kept', { partitions: 1, deletionPolicy: 'Retain' }),
    );
    await waitFor('KafkaTopic kept', async () => kt('kept'));
    // A finalizer of our own holds the KafkaTopic so the test can see its last state, as Strimzi's would.
    await kubectlMergePatch('kafkatopic', 'kept', namespace, { metadata: { finalizers: ['test/hold'] } });
    await kubectlOk(['delete', 'eventtopic', 'kept', '-n', namespace, '--wait=false']);
    const held = await waitFor('KafkaTopic kept being deleted', async () => {
      const t = await kt('kept');
      return t.metadata.deletionTimestamp ? t : undefined;
    });
    expect(held.metadata.annotations?.['strimzi.io/managed']).toBe('false');
    expect((await kubectl(['get', 'eventtopic', 'kept', '-n', namespace])).code).toBe(0);
    await kubectlMergePatch('kafkatopic', 'kept', namespace, { metadata: { finalizers: null } });
    await waitFor('EventTopic kept gone', async () =>
      (await kubectl(['get', 'eventtopic', 'kept', '-n', namespace])).code !== 0 ? true : undefined,
    );
  });

  it('on delete with Delete, deletes the KafkaTopic (Strimzi then deletes the topic)', async () => {
    await kubectlOk(
      ['apply', '-n', namespace, '-f', '-'],
      manifest('gone', { partitions: 1, deletionPolicy: 'Delete' }),
    );
    await waitFor('KafkaTopic gone', async () => kt('gone'));
    await kubectlOk(['delete', 'eventtopic', 'gone', '-n', namespace, '--timeout=30s']);
    const left = await kubectl(['get', 'kafkatopic', 'gone', '-n', namespace]);
    expect(left.code).not.toBe(0);
    expect(left.stderr).toContain('NotFound');
  });
});
