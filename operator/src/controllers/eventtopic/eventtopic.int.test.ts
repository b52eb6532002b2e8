// EventTopic reconciliation in direct mode, against the real kube-apiserver (local/kube), the real
// Kafka broker and the real kubectl. The operator runs in-process with a 3 s resync.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openTopicAdmin, type TopicAdmin } from '@ecom/kit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
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
  repoRoot,
  waitFor,
} from '../../testing/kube.js';
import { startTestOperator, testBrokers, testOperatorConfig } from '../../testing/operator.js';

let namespace: string;
let operator: OperatorHandle | undefined;
let admin: TopicAdmin;
/** Kafka topic names are prefixed per run: the broker is shared with other tests and `npm start`. */
const prefix = `et-${Math.random().toString(36).slice(2, 8)}`;
const createdTopics = new Set<string>();

const topicOf = (name: string) => `${prefix}.${name}`;

async function eventTopic(name: string): Promise<EventTopic> {
  return kubectlJson<EventTopic>(['get', 'eventtopic', name, '-n', namespace]);
}

function ready(et: EventTopic) {
  return et.status?.conditions?.find((c) => c.type === 'Ready');
}

async function waitReady(name: string, status: 'True' | 'False' | 'Unknown', reason?: string, generation?: number) {
  return waitFor(`EventTopic ${name} Ready=${status}${reason ? ` ${reason}` : ''}`, async () => {
    const et = await eventTopic(name);
    const c = ready(et);
    const gen = generation ?? et.metadata.generation;
    return c?.status === status && (!reason || c.reason === reason) && et.status?.observedGeneration === gen
      ? et
      : undefined;
  });
}

async function describeTopic(topic: string) {
  return (await admin.describeTopics([topic])).get(topic);
}

/** An EventTopic manifest whose Kafka topic name is unique to this run. */
function manifest(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): string {
  createdTopics.add(topicOf(name));
  return stringify({
    apiVersion: 'ecom.dev/v1alpha1',
    kind: 'EventTopic',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { topicName: topicOf(name), ...spec },
  });
}

beforeAll(async () => {
  await ensureKubeApiserver();
  await installCrds('k8s/crds');
  namespace = await createNamespace('et-direct');
  admin = await openTopicAdmin({
    brokers: testBrokers,
    clientId: 'operator-int-test',
    logger: pino({ level: 'silent' }),
  });
  operator = await startTestOperator(testOperatorConfig(namespace));
});

afterAll(async () => {
  await operator?.stop();
  if (namespace) await deleteNamespace(namespace);
  for (const topic of createdTopics) {
    if (await describeTopic(topic).catch(() => undefined)) await admin.deleteTopic(topic).catch(() => undefined);
  }
  await admin?.close();
});

describe('EventTopic operator, direct mode', () => {
  it('creates every topic of k8s/topics (kubectl apply) and kubectl get eventtopics shows them Ready', async () => {
    const files = (await readdir(join(repoRoot, 'k8s/topics'))).filter((f) => f.endsWith('.yaml'));
    const docs: string[] = [];
    const names: string[] = [];
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(join(repoRoot, 'k8s/topics', file), 'utf8'))) {
        const resource = doc.toJS() as EventTopic;
        // The same resources, with a run-unique Kafka topic name (the broker is shared).
        resource.spec.topicName = topicOf(resource.metadata.name ?? '');
        createdTopics.add(resource.spec.topicName);
        names.push(resource.metadata.name ?? '');
        docs.push(stringify(resource));
      }
    }
    expect(names).toHaveLength(6);
    await kubectlOk(['apply', '-n', namespace, '-f', '-'], docs.join('---\n'));

    for (const name of names) {
      const et = await waitReady(name, 'True', 'TopicReady');
      const topic = await describeTopic(topicOf(name));
      expect(topic?.partitions).toBe(et.spec.partitions);
      // replicationFactor 3 fitted to the one-broker cluster by --fit-replication-to-brokers.
      expect(topic?.replicationFactor).toBe(1);
      expect(topic?.config['min.insync.replicas']).toBe('1');
      expect(topic?.config['retention.ms']).toBe(et.spec.config?.['retention.ms']);
      expect(et.metadata.finalizers).toContain('ecom.dev/topic-protection');
      expect(et.metadata.annotations?.['ecom.dev/ownership']).toBe('created');
    }
    const table = await kubectlOk(['get', 'eventtopics', '-n', namespace]);
    expect(table).toMatch(/NAME\s+TOPIC\s+PARTITIONS\s+REPLICAS\s+READY\s+AGE/);
    expect(table).toMatch(
      new RegExp(`ecom\\.orders\\s+${topicOf('ecom.orders').replace(/\./g, '\\.')}\\s+6\\s+1\\s+True`),
    );
    const events = await kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'reason=TopicCreated']);
    expect(events).toContain(`created Kafka topic ${topicOf('ecom.orders')}`);
  });

  it('grows partitions and applies a config change', async () => {
    await kubectlMergePatch('eventtopic', 'ecom.orders', namespace, {
      spec: { partitions: 8, config: { 'retention.ms': '3600000' } },
    });
    await waitReady('ecom.orders', 'True', 'TopicReady', 2);
    const topic = await describeTopic(topicOf('ecom.orders'));
    expect(topic?.partitions).toBe(8);
    expect(topic?.config['retention.ms']).toBe('3600000');
    const events = await kubectlOk(['get', 'events', '-n', namespace]);
    expect(events).toContain('PartitionsIncreased');
    expect(events).toContain('ConfigUpdated');
  });

  it('refuses a partition decrease: the topic keeps its partitions and Ready=False says why', async () => {
    await kubectlMergePatch('eventtopic', 'ecom.orders', namespace, { spec: { partitions: 2 } });
    const et = await waitReady('ecom.orders', 'False', 'PartitionDecreaseRefused', 3);
    expect(ready(et)?.message).toContain('spec asks for 2 partitions');
    expect(et.status?.partitions).toBe(8);
    expect((await describeTopic(topicOf('ecom.orders')))?.partitions).toBe(8);
    const warnings = await kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'type=Warning']);
    expect(warnings).toContain('PartitionDecreaseRefused');
    // Back to a reachable spec: Ready again.
    await kubectlMergePatch('eventtopic', 'ecom.orders', namespace, { spec: { partitions: 8 } });
    await waitReady('ecom.orders', 'True', 'TopicReady', 4);
  });

  it('the API server rejects an invalid spec, naming each bad field', async () => {
    const r = await kubectl(
      ['apply', '-n', namespace, '-f', '-'],
      manifest('bad', { partitions: 0, replicationFactor: 99, deletionPolicy: 'Keep' }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.partitions');
    expect(r.stderr).toContain('spec.replicationFactor');
    expect(r.stderr).toContain('spec.deletionPolicy');
    const badName = await kubectl(
      ['apply', '-n', namespace, '-f', '-'],
      stringify({
        apiVersion: 'ecom.dev/v1alpha1',
        kind: 'EventTopic',
        metadata: { name: 'bad2' },
        spec: { partitions: 1, topicName: 'no spaces' },
      }),
    );
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toContain('spec.topicName');
  });

  it('corrects a config altered behind its back within the resync period', async () => {
    const topic = topicOf('ecom.payments');
    const before = await describeTopic(topic);
    expect(before).toBeDefined();
    await admin.apply({
      type: 'alterConfig',
      topic,
      config: { ...before?.config, 'retention.ms': '1000' },
      drift: [],
    });
    expect((await describeTopic(topic))?.config['retention.ms']).toBe('1000');
    await waitFor(
      'retention.ms restored',
      async () =>
        (await describeTopic(topic))?.config['retention.ms'] === before?.config['retention.ms'] ? true : undefined,
      15_000,
    );
  });

  it('leaves a pre-existing topic alone until it is annotated for adoption, then adopts it', async () => {
    const topic = topicOf('legacy');
    createdTopics.add(topic);
    await admin.apply({ type: 'create', topic, partitions: 2, replicationFactor: 1, config: {} });
    await kubectlOk(['apply', '-n', namespace, '-f', '-'], manifest('legacy', { partitions: 4, replicationFactor: 1 }));
    const refused = await waitReady('legacy', 'False', 'TopicExistsNotManaged');
    expect(ready(refused)?.message).toContain('ecom.dev/adopt');
    expect((await describeTopic(topic))?.partitions).toBe(2);

    await kubectlOk(['annotate', 'eventtopic', 'legacy', '-n', namespace, 'ecom.dev/adopt=true']);
    const adopted = await waitReady('legacy', 'True', 'TopicReady');
    expect(adopted.metadata.annotations?.['ecom.dev/ownership']).toBe('adopted');
    expect((await describeTopic(topic))?.partitions).toBe(4);
  });

  it('deleting with deletionPolicy Delete removes the topic; Retain keeps it', async () => {
    await kubectlOk(
      ['apply', '-n', namespace, '-f', '-'],
      `${manifest('gone', { partitions: 1, deletionPolicy: 'Delete' })}---\n${manifest('kept', { partitions: 1, deletionPolicy: 'Retain' })}`,
    );
    await waitReady('gone', 'True');
    await waitReady('kept', 'True');
    await kubectlOk(['delete', 'eventtopic', 'gone', 'kept', '-n', namespace, '--timeout=30s']);
    await waitFor('topic of "gone" deleted', async () => ((await describeTopic(topicOf('gone'))) ? undefined : true));
    expect(await describeTopic(topicOf('kept'))).toBeDefined();
    expect((await kubectl(['get', 'eventtopic', 'kept', '-n', namespace])).code).not.toBe(0);
  });

  it('is idempotent: after a restart of the operator and a resync, nothing is written again', async () => {
    await waitReady('ecom.orders', 'True');
    const versions = async () => {
      const list = await kubectlJson<{ items: EventTopic[] }>(['get', 'eventtopics', '-n', namespace]);
      return Object.fromEntries(list.items.map((i) => [i.metadata.name, i.metadata.resourceVersion]));
    };
    const before = await versions();
    await operator?.stop();
    operator = await startTestOperator(testOperatorConfig(namespace));
    await waitFor('the new operator leads', async () => (operator?.isLeader() ? true : undefined), 15_000);
    // Two resync periods: every resource has been reconciled at least once more.
    await new Promise((r) => setTimeout(r, 7_000));
    expect(await versions()).toEqual(before);
  });
});
