// ConsumerAutoscaler against the real kube-apiserver (local/kube), the real Kafka broker and the
// real kubectl. The targets are real Deployments; no kubelet runs their pods, and none is needed:
// the autoscaler reads and writes the Deployment's /scale subresource, which the API server serves.
// Consumer groups get their offsets from real group consumers that commit what they read.
import { createServer } from 'node:net';
import { openProducer, openTopicAdmin, type RecordProducer, startGroupConsumer, type TopicAdmin } from '@ecom/kit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ConsumerAutoscaler, ConsumerAutoscalerSpec } from '../../api/consumerautoscaler.js';
import type { OperatorHandle } from '../../operator.js';
import {
  createNamespace,
  deleteNamespace,
  ensureKubeApiserver,
  installCrds,
  kubectl,
  kubectlJson,
  kubectlOk,
  waitFor,
} from '../../testing/kube.js';
import { metricValue, startTestOperator, testBrokers, testOperatorConfig } from '../../testing/operator.js';

const logger = pino({ level: 'silent' });
/** Kafka names are unique per run: the broker is shared with other tests and `npm start`. */
const run = Math.random().toString(36).slice(2, 8);
const topic = (name: string) => `cas-${run}.${name}`;
const group = (name: string) => `cas-${run}-${name}`;

let namespace: string;
let operator: OperatorHandle | undefined;
let admin: TopicAdmin;
let producer: RecordProducer;
const createdTopics: string[] = [];

async function createTopic(name: string, partitions: number): Promise<string> {
  const t = topic(name);
  await admin.apply({ type: 'create', topic: t, partitions, replicationFactor: 1, config: {} });
  createdTopics.push(t);
  return t;
}

async function produce(t: string, count: number): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => ({
    topic: t,
    key: `k-${Date.now()}-${i}`,
    value: Buffer.from(`record ${i}`),
    headers: {},
  }));
  await producer.send(records);
}

/** A real member of `groupId` reads every topic to its end, committing as it goes, then leaves. */
async function consumeToEnd(groupId: string, topics: string[]): Promise<void> {
  const consumer = await startGroupConsumer({
    brokers: testBrokers,
    clientId: 'cas-test-consumer',
    logger,
    groupId,
    topics,
    concurrency: 4,
    onBatch: async (batch) => {
      const last = batch.records.at(-1);
      if (last) await batch.commit((BigInt(last.offset) + 1n).toString());
    },
  });
  try {
    await waitFor(`group ${groupId} consumed ${topics.join(', ')} to the end`, async () => {
      for (const t of topics) {
        const lag = await admin.groupLag(groupId, t);
        if ([...lag.values()].some((l) => l > 0)) return undefined;
      }
      return true;
    });
  } finally {
    await consumer.close();
  }
}

async function applyDeployment(name: string, replicas: number): Promise<void> {
  await kubectlOk(
    ['apply', '-n', namespace, '-f', '-'],
    stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'consumer', image: 'registry.invalid/consumer:1' }] },
        },
      },
    }),
  );
}

async function applyAutoscaler(name: string, spec: Partial<ConsumerAutoscalerSpec> & { consumerGroup: string }) {
  await kubectlOk(
    ['apply', '-n', namespace, '-f', '-'],
    stringify({
      apiVersion: 'ecom.dev/v1alpha1',
      kind: 'ConsumerAutoscaler',
      metadata: { name },
      spec: { scaleTargetRef: { name }, pollIntervalSeconds: 1, ...spec },
    }),
  );
}

/** The Deployment's replicas, read through the same /scale subresource the operator writes. */
async function scaleOf(name: string): Promise<number> {
  const scale = JSON.parse(
    await kubectlOk(['get', '--raw', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/scale`]),
  ) as { spec: { replicas?: number } };
  return scale.spec.replicas ?? 0;
}

const autoscaler = (name: string) =>
  kubectlJson<ConsumerAutoscaler>(['get', 'consumerautoscaler', name, '-n', namespace]);
const condition = (cas: ConsumerAutoscaler, type: string) => cas.status?.conditions?.find((c) => c.type === type);

async function waitReplicas(name: string, replicas: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${name} at ${replicas} replicas`,
    async () => ((await scaleOf(name)) === replicas ? true : undefined),
    timeoutMs,
  );
}

async function waitStatus(
  name: string,
  what: string,
  accept: (cas: ConsumerAutoscaler) => boolean,
  timeoutMs = 30_000,
): Promise<ConsumerAutoscaler> {
  return waitFor(
    `ConsumerAutoscaler ${name}: ${what}`,
    async () => {
      const cas = await autoscaler(name);
      return accept(cas) ? cas : undefined;
    },
    timeoutMs,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function restartOperator(kafkaBrokers: string[]): Promise<void> {
  await operator?.stop();
  operator = await startTestOperator(testOperatorConfig(namespace, { kafkaBrokers }));
  await waitFor('the new operator leads', async () => (operator?.isLeader() ? true : undefined), 15_000);
}

beforeAll(async () => {
  await ensureKubeApiserver();
  await installCrds('k8s/crds');
  namespace = await createNamespace('cas');
  admin = await openTopicAdmin({ brokers: testBrokers, clientId: 'cas-int-test', logger });
  producer = await openProducer({ brokers: testBrokers, clientId: 'cas-int-test', logger });
  operator = await startTestOperator(testOperatorConfig(namespace));
});

afterAll(async () => {
  await operator?.stop();
  if (namespace) await deleteNamespace(namespace);
  await producer?.close();
  for (const t of createdTopics) await admin.deleteTopic(t).catch(() => undefined);
  await admin?.close();
});

describe('ConsumerAutoscaler API', () => {
  it('kubectl explain describes the fields, and the API server applies the defaults', async () => {
    // explain reads kubectl's discovery cache, which may predate the CRD; api-resources refreshes it.
    expect(await kubectlOk(['api-resources', '--api-group=ecom.dev'])).toMatch(/consumerautoscalers\s+cas\s/);
    const explained = await kubectlOk(['explain', 'cas.spec.offsetResetPolicy']);
    expect(explained).toContain('earliest counts the whole log');
    await applyDeployment('defaults', 1);
    await applyAutoscaler('defaults', { consumerGroup: group('defaults'), pollIntervalSeconds: undefined });
    const cas = await autoscaler('defaults');
    expect(cas.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'defaults' },
      lagThreshold: 100,
      activationLagThreshold: 0,
      minReplicas: 1,
      maxReplicas: 100,
      pollIntervalSeconds: 15,
      offsetResetPolicy: 'earliest',
      scaleUp: { stabilizationWindowSeconds: 0 },
      scaleDown: { stabilizationWindowSeconds: 300 },
    });
  });

  it('the API server rejects an invalid spec, naming each bad field', async () => {
    const r = await kubectl(
      ['apply', '-n', namespace, '-f', '-'],
      stringify({
        apiVersion: 'ecom.dev/v1alpha1',
        kind: 'ConsumerAutoscaler',
        metadata: { name: 'bad' },
        spec: {
          scaleTargetRef: { name: 'x' },
          consumerGroup: 'g',
          lagThreshold: 0,
          offsetResetPolicy: 'none',
          scaleDown: { stabilizationWindowSeconds: 7200 },
        },
      }),
    );
    expect(r.code).not.toBe(0);
    for (const field of ['spec.lagThreshold', 'spec.offsetResetPolicy', 'spec.scaleDown.stabilizationWindowSeconds']) {
      expect(r.stderr).toContain(field);
    }
    const minMax = await kubectl(
      ['apply', '-n', namespace, '-f', '-'],
      stringify({
        apiVersion: 'ecom.dev/v1alpha1',
        kind: 'ConsumerAutoscaler',
        metadata: { name: 'bad2' },
        spec: { scaleTargetRef: { name: 'x' }, consumerGroup: 'g', minReplicas: 5, maxReplicas: 2 },
      }),
    );
    expect(minMax.code).not.toBe(0);
    expect(minMax.stderr).toContain('spec.minReplicas cannot be greater than spec.maxReplicas');
  });
});

describe('ConsumerAutoscaler scaling a Deployment on a real consumer group', () => {
  const name = 'orders';
  let a: string;
  let b: string;

  beforeAll(async () => {
    // 4 + 2 partitions: the cap on useful consumers is 6.
    a = await createTopic('a', 4);
    b = await createTopic('b', 2);
    await produce(a, 8);
    await produce(b, 4);
    // The group has committed offsets on both topics: spec.topics can stay empty (every topic it has offsets for).
    await consumeToEnd(group(name), [a, b]);
    await applyDeployment(name, 1);
    await applyAutoscaler(name, {
      consumerGroup: group(name),
      lagThreshold: 10,
      maxReplicas: 10,
      scaleDown: { stabilizationWindowSeconds: 8 },
    });
  });

  it('reads the lag of every topic the group has offsets for, and reports it', async () => {
    const cas = await waitStatus(
      name,
      'Ready with lag 0',
      (c) => condition(c, 'Ready')?.status === 'True' && c.status?.totalLag === 0,
    );
    expect(cas.status).toMatchObject({ partitions: 6, currentReplicas: 1, desiredReplicas: 1, timeLagSeconds: 0 });
    expect(cas.status?.topics).toEqual(
      expect.arrayContaining([
        { name: a, partitions: 4, lag: 0 },
        { name: b, partitions: 2, lag: 0 },
      ]),
    );
    expect(condition(cas, 'Ready')).toMatchObject({ reason: 'LagRead', observedGeneration: cas.metadata.generation });
    expect(condition(cas, 'Active')).toMatchObject({ status: 'False', reason: 'LagAtOrBelowActivation' });
    expect(await scaleOf(name)).toBe(1);
  });

  it('produced lag scales /scale to ceil(lag / lagThreshold), with an Event saying why', async () => {
    await produce(a, 35);
    await waitReplicas(name, 4);
    const cas = await waitStatus(name, 'lag 35', (c) => c.status?.totalLag === 35 && c.status?.desiredReplicas === 4);
    expect(condition(cas, 'Active')).toMatchObject({ status: 'True', reason: 'LagAboveActivation' });
    expect(cas.status?.lastScaleTime).toBeTruthy();
    const events = await kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'reason=ScaledUp']);
    expect(events).toContain('Deployment/orders 1 -> 4 replicas: ceil(total lag 35 / lagThreshold 10) = 4');
  });

  it('more lag than partitions caps the replicas at the partitions: CappedAtPartitions', async () => {
    await produce(b, 100);
    await waitReplicas(name, 6);
    const cas = await waitStatus(
      name,
      'capped',
      (c) => condition(c, 'ScalingLimited')?.reason === 'CappedAtPartitions',
    );
    expect(cas.status?.totalLag).toBe(135);
    expect(condition(cas, 'ScalingLimited')?.message).toContain('capped at 6 (the 6 partitions of the topics)');
    // Time lag: the oldest unconsumed record's age, read at the committed offset.
    await sleep(2500);
    const aged = await waitStatus(name, 'time lag of at least 2 s', (c) => (c.status?.timeLagSeconds ?? 0) >= 2);
    expect(aged.status?.timeLagSeconds).toBeLessThan(120);
    expect(await scaleOf(name)).toBe(6);
    const table = await kubectlOk(['get', 'cas', '-n', namespace, name]);
    expect(table).toMatch(/NAME\s+TARGET\s+LAG\s+CURRENT\s+DESIRED\s+READY\s+AGE/);
    expect(table).toMatch(/orders\s+orders\s+135\s+6\s+6\s+True/);
    // Metrics carry what status says.
    expect(await metricValue(operator as OperatorHandle, 'operator_autoscaler_lag', { namespace, name })).toBe(135);
    expect(
      await metricValue(operator as OperatorHandle, 'operator_autoscaler_scale_total', {
        namespace,
        name,
        direction: 'up',
      }),
    ).toBe(2);
  });

  it('consumed to the end, it scales down only after the scale-down window', async () => {
    await consumeToEnd(group(name), [a, b]);
    const drained = await waitStatus(name, 'lag 0', (c) => c.status?.totalLag === 0);
    expect(await scaleOf(name)).toBe(6);
    expect(condition(drained, 'ScalingLimited')?.reason).toBe('ScaleDownStabilized');
    expect(drained.status?.lastDecision).toContain('8 s scale-down stabilization window');
    const lastSix = Math.max(
      ...(drained.status?.recommendations ?? []).filter((r) => r.replicas === 6).map((r) => Date.parse(r.time)),
    );
    // The first step down comes no sooner than 8 s after 6 was last recommended.
    const firstDown = await waitStatus(name, 'a scale down', (c) => (c.status?.desiredReplicas ?? 6) < 6);
    expect(Date.parse(firstDown.status?.lastScaleTime ?? '') - lastSix).toBeGreaterThanOrEqual(8_000);
    await waitReplicas(name, 1);
    const events = await kubectlOk(['get', 'events', '-n', namespace, '--field-selector', 'reason=ScaledDown']);
    expect(events).toContain('Deployment/orders 6 -> ');
  });

  it('a second autoscaler on the same target stands aside: TargetConflict, and it scales nothing', async () => {
    await applyAutoscaler('orders-dup', { consumerGroup: group(name), scaleTargetRef: { name }, minReplicas: 3 });
    const dup = await waitStatus(
      'orders-dup',
      'TargetConflict',
      (c) => condition(c, 'Ready')?.reason === 'TargetConflict',
    );
    expect(condition(dup, 'Ready')?.message).toContain(
      'Deployment/orders is already scaled by ConsumerAutoscaler orders',
    );
    await sleep(2500);
    expect(await scaleOf(name)).toBe(1); // minReplicas 3 of the newcomer never applied
    expect(condition(await autoscaler(name), 'Ready')?.reason).toBe('LagRead');
    await kubectlOk(['delete', 'cas', 'orders-dup', '-n', namespace]);
  });

  it('a deleted target: Ready=False TargetNotFound and a Warning Event', async () => {
    await kubectlOk(['delete', 'deployment', name, '-n', namespace]);
    const cas = await waitStatus(name, 'TargetNotFound', (c) => condition(c, 'Ready')?.reason === 'TargetNotFound');
    expect(condition(cas, 'Ready')?.status).toBe('False');
    expect(condition(cas, 'Ready')?.message).toContain('Deployment/orders');
    expect(condition(cas, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TargetNotFound' });
    const warnings = await kubectlOk([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      'type=Warning,reason=TargetNotFound',
    ]);
    expect(warnings).toContain('Deployment/orders');
    // Recreated: managed again (no lag, so down to minReplicas at once: the window remembers only 1s).
    await applyDeployment(name, 3);
    await waitStatus(name, 'Ready again', (c) => condition(c, 'Ready')?.status === 'True');
    await waitReplicas(name, 1);
  });
});

describe('ConsumerAutoscaler on a group without committed offsets', () => {
  let c: string;
  beforeAll(async () => {
    c = await createTopic('c', 3);
    await produce(c, 25);
    await applyDeployment('earliest', 1);
    await applyDeployment('latest', 2);
  });

  it('earliest: the whole log is lag, and the time lag is read at the log start', async () => {
    await applyAutoscaler('earliest', {
      consumerGroup: group('new-earliest'),
      topics: [c],
      lagThreshold: 10,
      offsetResetPolicy: 'earliest',
    });
    await waitReplicas('earliest', 3);
    const cas = await waitStatus('earliest', 'lag 25', (x) => x.status?.totalLag === 25);
    expect(cas.status).toMatchObject({ partitions: 3, partitionsWithoutOffset: 3, groupState: 'Dead' });
    await sleep(2000);
    await waitStatus('earliest', 'time lag of at least 2 s', (x) => (x.status?.timeLagSeconds ?? 0) >= 2);
  });

  it('latest: no lag, so minReplicas', async () => {
    await applyAutoscaler('latest', {
      consumerGroup: group('new-latest'),
      topics: [c],
      lagThreshold: 10,
      offsetResetPolicy: 'latest',
      scaleDown: { stabilizationWindowSeconds: 0 },
    });
    await waitReplicas('latest', 1);
    const cas = await waitStatus('latest', 'lag 0', (x) => x.status?.totalLag === 0);
    expect(cas.status).toMatchObject({
      partitions: 3,
      partitionsWithoutOffset: 3,
      timeLagSeconds: 0,
      desiredReplicas: 1,
    });
  });
});

describe('ConsumerAutoscaler with minReplicas 0 and an activation threshold', () => {
  it('idles at zero up to the threshold and activates above it', async () => {
    const e = await createTopic('e', 2);
    await produce(e, 4);
    await consumeToEnd(group('idle'), [e]);
    await applyDeployment('idle', 1);
    await applyAutoscaler('idle', {
      consumerGroup: group('idle'),
      topics: [e],
      lagThreshold: 10,
      minReplicas: 0,
      activationLagThreshold: 5,
      scaleDown: { stabilizationWindowSeconds: 0 },
    });
    await waitReplicas('idle', 0);
    await produce(e, 5);
    const atThreshold = await waitStatus('idle', 'lag 5', (x) => x.status?.totalLag === 5);
    expect(condition(atThreshold, 'Active')).toMatchObject({ status: 'False', reason: 'LagAtOrBelowActivation' });
    expect(await scaleOf('idle')).toBe(0);
    await produce(e, 1);
    await waitReplicas('idle', 1);
    const active = await waitStatus('idle', 'lag 6', (x) => x.status?.totalLag === 6);
    expect(condition(active, 'Active')).toMatchObject({ status: 'True', reason: 'LagAboveActivation' });
  });
});

describe('ConsumerAutoscaler when Kafka cannot be reached', () => {
  it('holds the replicas and says LagUnavailable; it never takes the failed read for zero lag', async () => {
    const d = await createTopic('d', 3);
    await produce(d, 30);
    await applyDeployment('held', 1);
    await applyAutoscaler('held', {
      consumerGroup: group('held'),
      topics: [d],
      lagThreshold: 10,
      scaleDown: { stabilizationWindowSeconds: 0 },
    });
    await waitReplicas('held', 3);

    // The same operator, now pointed at a broker address where nothing listens (the shared broker
    // keeps running for everyone else). Meanwhile the real lag drops to 0: a read taken for zero
    // would scale down at once (window 0).
    await restartOperator([`127.0.0.1:${await closedPort()}`]);
    await consumeToEnd(group('held'), [d]);
    const cas = await waitStatus(
      'held',
      'LagUnavailable',
      (x) => condition(x, 'Ready')?.reason === 'LagUnavailable',
      45_000,
    );
    expect(condition(cas, 'Ready')).toMatchObject({ status: 'False' });
    expect(condition(cas, 'Ready')?.message).toContain('holding 3 replicas');
    expect(condition(cas, 'Active')).toMatchObject({ status: 'Unknown', reason: 'LagUnavailable' });
    expect(condition(cas, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'LagUnavailable' });
    expect(cas.status?.totalLag).toBeUndefined();
    expect(cas.status?.desiredReplicas).toBe(3);
    expect(await scaleOf('held')).toBe(3);
    const warnings = await kubectlOk([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      'type=Warning,reason=LagUnavailable',
    ]);
    expect(warnings).toContain('cannot read the lag of group');
    expect(
      await metricValue(operator as OperatorHandle, 'operator_autoscaler_lag_read_errors_total', {
        namespace,
        name: 'held',
      }),
    ).toBeGreaterThan(0);

    // Kafka back: the drained lag is read and the target scales down.
    await restartOperator(testBrokers);
    await waitReplicas('held', 1);
    await waitStatus('held', 'Ready again', (x) => condition(x, 'Ready')?.reason === 'LagRead');
  });
});
