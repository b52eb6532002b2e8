// The operator's workload controllers for real on the one-node cluster (local/cluster): the chart's
// operator alone (services disabled), as a pod with the chart's RBAC, in a namespace that enforces
// the restricted Pod Security level. A ConsumerAutoscaler scales a real Deployment whose pods are
// real Kafka consumers; a DeadLetterReplay's Job runs `ecom replay` as a real pod. Each test uses
// topics and consumer groups of its own on the machine's broker and deletes its topics afterwards.
import { deadLetter, type IncomingRecord, openProducer, openTopicAdmin, type TopicAdmin } from '@ecom/kit';
import { createTestTopic, eventually, readTopic, testKafka } from '@ecom/kit/testing';
import kafkajs from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Obj, RESTRICTED, Release } from '../support/cluster.js';
import { newId } from '../support/platform.js';
import { SERVICES } from '../support/stack.js';

const NAMESPACE = 'ecom-cluster-operator';
// The address the pods reach the machine's broker at (values-local.yaml, kafka.sh pod-brokers).
const POD_BROKERS = '10.250.0.1:19094';
const IMAGE = 'ghcr.io/ecom-platform/ecom:0.1.0';

let cluster: Cluster;
let release: Release;
let admin: TopicAdmin;
const topics: string[] = [];

beforeAll(async () => {
  cluster = await Cluster.up();
  release = new Release(cluster, {
    namespace: NAMESPACE,
    namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
    values: [
      '-f',
      'charts/ecom/values-local.yaml',
      // The operator only: these tests bring their own workloads.
      ...Object.keys(SERVICES).flatMap((s) => ['--set', `services.${s}.enabled=false`]),
      '--set',
      'tests.enabled=false',
      // Their workloads (a plain consumer Deployment) have no allow policy of the chart's: without
      // this, the namespace's default-deny policy would cut them off from the broker.
      '--set',
      'networkPolicy.defaultDeny=false',
    ],
  });
  await release.destroy();
  await release.createNamespace();
  await release.install();
  admin = await openTopicAdmin(testKafka('cluster-operator-test'));
}, 40 * 60_000);

afterAll(async () => {
  await release?.destroy();
  for (const topic of topics) await admin?.deleteTopic(topic).catch(() => undefined);
  await admin?.close();
}, 15 * 60_000);

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail' || !cluster) return;
  const state = await cluster.kubectl(['get', 'pods,deployments,jobs,cas,dlr', '-n', NAMESPACE, '-o', 'wide']);
  const logs = await cluster.kubectl(['logs', '-n', NAMESPACE, '-l', 'app.kubernetes.io/name=operator', '--tail=40']);
  const events = await cluster.kubectl(['get', 'events', '-n', NAMESPACE, '--sort-by=.lastTimestamp']);
  console.log([state.stdout, state.stderr, logs.stdout, events.stdout.split('\n').slice(-30).join('\n')].join('\n'));
}, 60_000);

async function newTopic(prefix: string, partitions: number): Promise<string> {
  const name = newId(prefix);
  topics.push(name);
  await createTestTopic(name, partitions);
  return name;
}

// A Kafka consumer of our image's kafkajs: DELAY_MS per record, Ready once it joined its group.
// Loading the kit registers its codecs with kafkajs (which reads only gzip by itself): the records
// come from the kit's producer, in its default codec (lz4).
const CONSUMER = `
const { Kafka, logLevel } = require('kafkajs');
const http = require('node:http');
(async () => {
await import('@ecom/kit');
const kafka = new Kafka({ clientId: process.env.HOSTNAME, brokers: [process.env.BROKERS], logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: process.env.GROUP, sessionTimeout: 10000, heartbeatInterval: 1000 });
let joined = false;
consumer.on(consumer.events.GROUP_JOIN, () => { joined = true; });
http.createServer((req, res) => { res.statusCode = joined ? 200 : 503; res.end(); }).listen(8080);
process.on('SIGTERM', () => consumer.disconnect().finally(() => process.exit(0)));
await consumer.connect();
await consumer.subscribe({ topic: process.env.TOPIC, fromBeginning: true });
await consumer.run({ eachMessage: () => new Promise((r) => setTimeout(r, Number(process.env.DELAY_MS))) });
})().catch((e) => { console.error(e); process.exit(1); });
`;

function consumerDeployment(name: string, topic: string, group: string): Obj {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 5,
          securityContext: RESTRICTED.pod,
          containers: [
            {
              name: 'consumer',
              image: IMAGE,
              imagePullPolicy: 'Never',
              command: ['node', '-e', CONSUMER],
              env: [
                { name: 'BROKERS', value: POD_BROKERS },
                { name: 'TOPIC', value: topic },
                { name: 'GROUP', value: group },
                { name: 'DELAY_MS', value: '100' },
              ],
              readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
              resources: { requests: { cpu: '10m', memory: '48Mi' }, limits: { cpu: '250m', memory: '160Mi' } },
              securityContext: RESTRICTED.container,
            },
          ],
        },
      },
    },
  };
}

async function apply(...objects: Obj[]): Promise<void> {
  await cluster.kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
}

/** Members of the group that hold partitions, once it is Stable (-1 while it rebalances). */
async function assignedMembers(group: string): Promise<number> {
  const kafka = new kafkajs.Kafka({ brokers: testKafka().brokers, logLevel: kafkajs.logLevel.NOTHING });
  const a = kafka.admin();
  await a.connect();
  try {
    const { groups } = await a.describeGroups([group]);
    const g = groups[0];
    if (g?.state !== 'Stable') return -1;
    return g.members.filter((m) => {
      const assignment = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      return Object.values(assignment?.assignment ?? {}).some((partitions) => partitions.length > 0);
    }).length;
  } finally {
    await a.disconnect();
  }
}

async function lag(group: string, topic: string): Promise<number> {
  return [...(await admin.groupLag(group, topic)).values()].reduce((a, b) => a + b, 0);
}

describe('the operator on a real cluster (local/cluster)', () => {
  it(
    "scales a real consumer Deployment on its group's lag: the new pods join the group and the lag goes down",
    async () => {
      const topic = await newTopic('cluster-lag', 4);
      const group = `${topic}-group`;
      const name = 'lag-consumer';
      // 600 records: one consumer at 100 ms a record needs a minute; four share the partitions.
      const producer = await openProducer(testKafka('cluster-lag'));
      try {
        await producer.send(
          Array.from({ length: 600 }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(String(i)), headers: {} })),
        );
      } finally {
        await producer.close();
      }
      await apply(consumerDeployment(name, topic, group));
      await eventually(
        async () => ((await assignedMembers(group)) === 1 ? true : undefined),
        'the first consumer to join',
        120_000,
      );

      await apply({
        apiVersion: 'ecom.dev/v1alpha1',
        kind: 'ConsumerAutoscaler',
        metadata: { name, namespace: NAMESPACE },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          consumerGroup: group,
          topics: [topic],
          lagThreshold: 50,
          activationLagThreshold: 0,
          minReplicas: 1,
          maxReplicas: 8,
          pollIntervalSeconds: 2,
          offsetResetPolicy: 'earliest',
          scaleUp: { stabilizationWindowSeconds: 0 },
          scaleDown: { stabilizationWindowSeconds: 0 },
        },
      });
      // Desired ceil(lag / 50), capped at the 4 partitions: the operator sets /scale, the
      // Deployment's new pods start, join the group (Ready) and get partitions.
      await eventually(
        async () => {
          const d = await cluster.get(['deployment', name, '-n', NAMESPACE]);
          return d.spec.replicas === 4 && d.status.readyReplicas === 4 ? true : undefined;
        },
        'the Deployment at 4 Ready replicas',
        180_000,
      );
      // The new pods are members with partitions of their own, not idle replicas.
      await eventually(
        async () => ((await assignedMembers(group)) >= 2 ? true : undefined),
        'partitions assigned to more than one member',
        60_000,
      );
      const cas = await cluster.get(['consumerautoscalers.ecom.dev', name, '-n', NAMESPACE]);
      expect(cas.status.partitions).toBe(4);
      const scaled = await cluster.items([
        'events',
        '-n',
        NAMESPACE,
        '--field-selector',
        `involvedObject.kind=ConsumerAutoscaler,involvedObject.name=${name}`,
      ]);
      expect(scaled.map((e) => e.reason)).toContain('ScaledUp');

      // The group consumes everything; the autoscaler sees it and goes back to minReplicas.
      await eventually(async () => ((await lag(group, topic)) === 0 ? true : undefined), 'the lag to reach 0', 180_000);
      await eventually(
        async () => {
          const [d, a] = await Promise.all([
            cluster.get(['deployment', name, '-n', NAMESPACE]),
            cluster.get(['consumerautoscalers.ecom.dev', name, '-n', NAMESPACE]),
          ]);
          return d.spec.replicas === 1 && a.status.totalLag === 0 ? true : undefined;
        },
        'the Deployment back at 1 replica with no lag',
        120_000,
      );
    },
    10 * 60_000,
  );

  it(
    "runs a DeadLetterReplay's Job as a real pod to Succeeded, replaying only what its filter selects",
    async () => {
      const dlq = await newTopic('cluster-dlq', 2);
      const original = await newTopic('cluster-orders', 1);
      const letters = Array.from({ length: 5 }, (_, i) => ({
        id: `${dlq}-${i}`,
        group: i < 3 ? 'payment' : 'inventory',
      }));
      const producer = await openProducer(testKafka('cluster-dlq'));
      try {
        await producer.send(
          letters.map((l, i) => ({
            ...deadLetter(
              {
                topic: original,
                partition: 0,
                offset: String(i),
                key: Buffer.from(l.id),
                value: Buffer.from(JSON.stringify({ id: l.id })),
                headers: { ce_specversion: '1.0', ce_id: l.id, ce_type: 'test.v1' },
                timestamp: '1',
              },
              { group: l.group, errorClass: 'TypeError', message: 'boom', attempts: 3, failedAt: new Date() },
            ),
            topic: dlq,
          })),
        );
      } finally {
        await producer.close();
      }

      const name = 'payment-replay';
      await apply({
        apiVersion: 'ecom.dev/v1alpha1',
        kind: 'DeadLetterReplay',
        metadata: { name, namespace: NAMESPACE },
        spec: { source: { topic: dlq }, filter: { consumerGroup: 'payment' }, ratePerSecond: 100 },
      });
      const done = await eventually(
        async () => {
          const r = await cluster.get(['deadletterreplays.ecom.dev', name, '-n', NAMESPACE]);
          if (r.status?.phase === 'Failed') throw new Error(`replay failed: ${JSON.stringify(r.status)}`);
          return r.status?.phase === 'Succeeded' ? r : undefined;
        },
        'the replay to succeed',
        180_000,
      );
      expect(done.status).toMatchObject({ matched: 3, replayed: 3, skipped: 2 });
      // The Job ran as a pod on the node (admitted under `restricted`), to completion.
      const pods = await cluster.items(['pods', '-n', NAMESPACE, '-l', `job-name=${done.status.jobName}`]);
      expect(pods.map((p) => p.status.phase)).toContain('Succeeded');
      expect(pods[0]?.spec.containers[0].image).toBe(IMAGE);

      const replayed: IncomingRecord[] = await readTopic(original, (records) => records.length >= 3, 30_000);
      expect(replayed.map((r) => r.headers.ce_id).sort()).toEqual(
        letters.filter((l) => l.group === 'payment').map((l) => l.id),
      );
      expect(replayed.every((r) => r.headers.ecom_replayed_from?.startsWith(`${dlq}/`))).toBe(true);
      await cluster.kubectlOk(['delete', 'deadletterreplays.ecom.dev', name, '-n', NAMESPACE, '--wait=true']);
    },
    10 * 60_000,
  );
});
