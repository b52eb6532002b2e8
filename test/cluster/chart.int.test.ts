// charts/ecom installed for real on the one-node cluster of local/cluster/cluster.sh: the pods run
// our image in containerd, probes are the kubelet's, Services route through kube-proxy, the
// operator runs as a pod with the chart's RBAC only. The pods use the machine's broker and
// PostgreSQL (values-local.yaml: 10.250.0.1, forwarded to loopback), the same ones the other
// integration tests use; the tests reach the Services at their ClusterIPs from this host.
//
// The tests run in order against one release (install, then use, then upgrade/rollback/uninstall).
// afterAll always removes the release and its namespace: its pods consume with the services'
// consumer groups, so a release left running would take the messages of the e2e tests that run
// after this file. The cluster itself stays up (cluster.sh down stops it).
import { setTimeout as sleep } from 'node:timers/promises';
import { openTopicAdmin, type TopicAdmin } from '@ecom/kit';
import { eventually, testKafka } from '@ecom/kit/testing';
import { loadTopicSpecs } from '@ecom/kit/topics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authHeader } from '../../local/src/auth.js';
import {
  ADOPT_ANNOTATION,
  MANAGED_TOPIC_ANNOTATION,
  OWNERSHIP_ANNOTATION,
  TOPIC_FINALIZER,
} from '../../operator/src/api/eventtopic.js';
import { REPLAY_JOB_LABELS } from '../../operator/src/controllers/deadletterreplay/job.js';
import { Cluster, freshRequest, type Obj, Release, repoRoot } from '../support/cluster.js';
import { checkInvariants, healthyDeadLetters } from '../support/invariants.js';
import { runLoad } from '../support/load.js';
import { newId, notificationsOf, orderReaches, quiesce, SETTLED, stockOf } from '../support/platform.js';
import { stockProducts } from '../support/reliability.js';
import { api, baseUrl, SERVICES, type ServiceName, useServiceUrls } from '../support/stack.js';

const NAMESPACE = 'ecom-cluster-test';
const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
const COMPONENTS = [...SERVICE_NAMES, 'operator'];

let cluster: Cluster;
let release: Release;
let restoreUrls: (() => void) | undefined;
let admin: TopicAdmin | undefined;

beforeAll(async () => {
  // Seconds when the cluster runs; a fresh machine builds the node and the images (~25 min).
  cluster = await Cluster.up();
  release = new Release(cluster, {
    namespace: NAMESPACE,
    namespaceLabels: {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
    },
    values: ['-f', 'charts/ecom/values-local.yaml'],
  });
  // A run killed midway leaves its release behind: start from nothing.
  await release.destroy();
}, 40 * 60_000);

afterAll(async () => {
  restoreUrls?.();
  await admin?.close();
  await release?.destroy();
}, 15 * 60_000);

// A failed test is hard to read without the pods' state and what they said.
afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail' || !cluster) return;
  const pods = await cluster.kubectl(['get', 'pods,eventtopics,consumerautoscalers', '-n', NAMESPACE, '-o', 'wide']);
  const logs = await cluster.kubectl([
    'logs',
    '-n',
    NAMESPACE,
    '-l',
    'app.kubernetes.io/part-of=ecom',
    '--prefix',
    '--tail=20',
  ]);
  const events = await cluster.kubectl(['get', 'events', '-n', NAMESPACE, '--sort-by=.lastTimestamp']);
  console.log([pods.stdout, pods.stderr, logs.stdout, events.stdout.split('\n').slice(-30).join('\n')].join('\n'));
}, 60_000);

function readyCondition(pod: Obj): string | undefined {
  return (pod.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready')?.status;
}

function condition(o: Obj, type: string): Obj | undefined {
  return (o.status?.conditions ?? []).find((c: Obj) => c.type === type);
}

/** The broker's view of the topics (the host reaches it at 127.0.0.1:19092; the pods at 10.250.0.1:19094). */
async function brokerAdmin(): Promise<TopicAdmin> {
  admin ??= await openTopicAdmin(testKafka('cluster-test'));
  return admin;
}

/** Waits until the EventTopic is Ready=True for its current generation; returns it. */
function topicReady(name: string, timeoutMs = 90_000): Promise<Obj> {
  return eventually(
    async () => {
      const topic = await cluster.get(['eventtopics.ecom.dev', name, '-n', NAMESPACE]);
      const ready = condition(topic, 'Ready');
      return ready?.status === 'True' && ready.observedGeneration === topic.metadata.generation ? topic : undefined;
    },
    `EventTopic ${name} to be Ready for its generation`,
    timeoutMs,
  );
}

/** The reasons of the Events about one object (the operator writes them through events.k8s.io). */
async function eventReasons(kind: string, name: string): Promise<string[]> {
  const events = await cluster.items([
    'events',
    '-n',
    NAMESPACE,
    '--field-selector',
    `involvedObject.kind=${kind},involvedObject.name=${name}`,
  ]);
  return events.map((e) => e.reason as string);
}

/** Waits until every Deployment of the release runs only pods of its current template, all Ready. */
async function rolledOut(timeoutMs = 300_000): Promise<void> {
  await eventually(
    async () => {
      const deployments = await cluster.items(['deployments', '-n', NAMESPACE]);
      const pods = await cluster.items(['pods', '-n', NAMESPACE]);
      for (const d of deployments) {
        const s = d.status ?? {};
        if (s.observedGeneration !== d.metadata.generation) return undefined;
        if (s.updatedReplicas !== d.spec.replicas || s.readyReplicas !== d.spec.replicas) return undefined;
        if ((s.replicas ?? 0) !== d.spec.replicas) return undefined;
      }
      // Pods still terminating (deleted, not yet gone) may still serve or consume.
      return pods.every((p) => !p.metadata.deletionTimestamp) ? true : undefined;
    },
    'every Deployment to be rolled out (only current pods, all Ready)',
    timeoutMs,
  );
}

interface Poller {
  /** Stops polling; resolves with what was seen. */
  stop(): Promise<{ errors: string[]; requests: number; orderIds: string[] }>;
}

/**
 * A client that keeps reading and writing through the order Service: a GET of a known order and a
 * POST of a new one, one after the other, without pause. Every answer must be the expected one: a
 * network error or a 5xx means kube-proxy sent the request to a pod that could not serve it.
 *
 * The GETs go through a keep-alive pool (fetch), whose connection stays with a pod after kube-proxy
 * took it out: the services answer `Connection: close` while draining, so the pool moves on before
 * the pod closes (without it, a pooled client saw one reset or 503 per rollout here). The POSTs
 * open a connection each, routed by the Service's endpoints of that moment.
 */
function pollOrders(run: string, knownOrderId: string, product: string): Poller {
  const errors: string[] = [];
  const orderIds: string[] = [];
  let requests = 0;
  let stopped = false;
  const loop = (async () => {
    // As a checkout would call (the service role places orders for any customer).
    const auth = await authHeader();
    for (let i = 0; !stopped; i++) {
      const url = baseUrl('order');
      try {
        requests++;
        const got = await fetch(`${url}/api/orders/${knownOrderId}`, {
          headers: auth,
          signal: AbortSignal.timeout(10_000),
        });
        const body = await got.text();
        if (got.status !== 200) errors.push(`GET #${i}: ${got.status} ${body.slice(0, 200)}`);
        requests++;
        const posted = await freshRequest(`${url}/api/orders`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `${run}-${i}` },
          // Spread over customers: the invariant check reads each customer's notifications in one
          // page of at most 500 (about four per order).
          body: JSON.stringify({
            customerId: `${run}-c${i % 20}`,
            currency: 'EUR',
            items: [{ productId: product, quantity: 1, price: '2.00' }],
          }),
        });
        if (posted.status === 201) orderIds.push((JSON.parse(posted.body) as { orderId: string }).orderId);
        else errors.push(`POST #${i}: ${posted.status} ${posted.body.slice(0, 200)}`);
      } catch (error) {
        errors.push(`#${i}: ${(error as Error).message}`);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { errors, requests, orderIds };
    },
  };
}

/** Each service Deployment's env value `name` in its pod template, by Deployment name. */
async function deploymentEnv(name: string): Promise<Record<string, string | undefined>> {
  const deployments = await cluster.items(['deployments', '-n', NAMESPACE]);
  return Object.fromEntries(
    deployments
      .filter((d) => d.metadata.name !== release.object('operator'))
      .map((d) => [
        d.metadata.name,
        (d.spec.template.spec.containers[0].env as Obj[]).find((e) => e.name === name)?.value as string | undefined,
      ]),
  );
}

describe('charts/ecom on a real one-node cluster (local/cluster)', () => {
  it(
    'installs with values-local.yaml under the restricted Pod Security level: every pod Ready through its probes, NetworkPolicies present, helm test passes',
    async () => {
      await release.createNamespace();
      const installed = await release.install();
      // The namespace enforces `restricted`: a pod template that broke it would be refused (no pod,
      // so --wait times out); `warn` makes the API server say so on every Deployment too.
      expect(installed.stderr).not.toMatch(/violate PodSecurity/i);

      const deployments = await cluster.items(['deployments', '-n', NAMESPACE]);
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(COMPONENTS.map((c) => release.object(c)).sort());
      for (const d of deployments) {
        expect(d.status.readyReplicas, `${d.metadata.name} ready replicas`).toBe(d.spec.replicas);
        expect(d.status.updatedReplicas, `${d.metadata.name} updated replicas`).toBe(d.spec.replicas);
      }
      for (const component of COMPONENTS) {
        const pods = await release.pods(component);
        expect(pods.length, `pods of ${component}`).toBeGreaterThan(0);
        for (const pod of pods) {
          const where = `pod ${pod.metadata.name}`;
          // Ready is the kubelet's verdict from the readiness probe (/readyz: database and broker reachable).
          const container = pod.spec.containers[0];
          expect(container.readinessProbe?.httpGet?.path, `${where} readiness probe`).toBe('/readyz');
          expect(container.livenessProbe?.httpGet?.path, `${where} liveness probe`).toBe('/healthz');
          expect(readyCondition(pod), `${where} Ready`).toBe('True');
          // A wrong port or path on the liveness probe would have the kubelet restart it.
          expect(pod.status.containerStatuses[0].restartCount, `${where} restarts`).toBe(0);
          expect(pod.spec.containers[0].image).toBe('ghcr.io/ecom-platform/ecom:0.1.0');
        }
      }

      // NetworkPolicies are rendered and accepted for every workload, ingress and egress. The bridge
      // CNI of local/cluster does not enforce them (no policy engine; kind's kindnet does): that
      // traffic is really limited to what they allow is checked elsewhere, not here.
      const policies = await cluster.items(['networkpolicies', '-n', NAMESPACE]);
      const selects = (policy: Obj, labels: Record<string, string>) =>
        Object.entries((policy.spec.podSelector.matchLabels ?? {}) as Record<string, string>).every(
          ([k, v]) => labels[k] === v,
        );
      for (const d of deployments) {
        const labels = d.spec.template.metadata.labels as Record<string, string>;
        const mine = policies.filter((p) => selects(p, labels));
        expect(mine.length, `NetworkPolicy for ${d.metadata.name}`).toBeGreaterThan(0);
        // The namespace's default-deny policy (empty selector) selects every pod too: count each type once.
        expect([...new Set(mine.flatMap((p) => p.spec.policyTypes))].sort(), `${d.metadata.name} policy types`).toEqual(
          ['Egress', 'Ingress'],
        );
      }
      const own = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0);
      expect(own.filter((p) => selects(p, REPLAY_JOB_LABELS)).length, 'a NetworkPolicy for the replay Jobs').toBe(1);

      // helm test: a pod of our image fetches every service's /readyz through its Service (DNS, kube-proxy).
      const tested = await cluster.helmOk(['test', release.name, '-n', NAMESPACE, '--timeout', '5m'], {
        timeoutMs: 6 * 60_000,
      });
      expect(tested.stdout).toMatch(/Phase:\s+Succeeded/);

      restoreUrls = useServiceUrls(await release.serviceUrls());
    },
    15 * 60_000,
  );

  it(
    "takes the README quickstart's order to DELIVERED through the Services' ClusterIPs, with notifications and analytics from the pods",
    async () => {
      const run = newId('qs');
      const [mug, tea, customer] = [`sku-mug-${run}`, `sku-tea-${run}`, `ada-${run}`];
      const before = await api<{ ordersByStatus: Record<string, number> }>(
        'analytics',
        'GET',
        '/api/analytics/summary',
      );
      expect(before.status).toBe(200);

      // 1. stock two products
      for (const [product, quantity] of [
        [mug, 20],
        [tea, 5],
      ] as const) {
        const res = await api('inventory', 'PUT', `/api/inventory/${product}`, {
          quantity,
          operation: 'ADD',
          reason: 'RESTOCK',
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      // 2. place the order (a retry with the same key answers the same order)
      const body = {
        customerId: customer,
        currency: 'EUR',
        items: [
          { productId: mug, quantity: 2, price: '8.50' },
          { productId: tea, quantity: 1, price: '4.00' },
        ],
      };
      const placed = await api<{ orderId: string; totalAmount: string }>('order', 'POST', '/api/orders', body, {
        'idempotency-key': `quickstart-${run}`,
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      expect(placed.body.totalAmount).toBe('21.00');
      const orderId = placed.body.orderId;
      const again = await api<{ orderId: string }>('order', 'POST', '/api/orders', body, {
        'idempotency-key': `quickstart-${run}`,
      });
      expect(again.body.orderId).toBe(orderId);
      expect(again.headers.get('idempotent-replayed')).toBe('true');

      // 3. payment and inventory react, shipping creates the shipment: SHIPPED
      const shipped = await orderReaches(orderId, ['SHIPPED'], 60_000);
      expect(shipped).toMatchObject({ paymentStatus: 'COMPLETED', reservationStatus: 'RESERVED' });

      // 4. move the shipment along; the order follows to DELIVERED
      const shipments = await api<{ items: Array<{ shipmentId: string }> }>(
        'shipping',
        'GET',
        `/api/shipments?orderId=${orderId}`,
      );
      const shipmentId = shipments.body.items[0]?.shipmentId;
      expect(shipmentId, JSON.stringify(shipments.body)).toBeDefined();
      for (const status of ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED']) {
        const res = await api<{ status: string }>('shipping', 'PUT', `/api/shipments/${shipmentId}/status`, {
          status,
          location: 'Lisbon',
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.status).toBe(status);
      }
      await orderReaches(orderId, ['DELIVERED'], 60_000);
      expect((await stockOf(mug)).onHand).toBe(18);
      expect((await stockOf(tea)).onHand).toBe(4);

      // 5. what the customer was told, and the KPIs
      const told = await eventually(
        async () => {
          const sent = await notificationsOf(customer);
          // Recorded first, sent by the kit's effect runner after commit: wait until all are SENT.
          const delivered = sent.some((n) => n.template === 'order-delivered');
          return delivered && sent.every((n) => n.status === 'SENT') ? sent : undefined;
        },
        'the delivery notification, every notification SENT',
        60_000,
      );
      expect(told.every((n) => n.status === 'SENT' && n.orderId === orderId)).toBe(true);
      expect(told.map((n) => n.template)).toEqual(
        expect.arrayContaining(['order-created', 'order-confirmed', 'order-shipped', 'order-delivered']),
      );
      await eventually(
        async () => {
          const after = await api<{ ordersByStatus: Record<string, number> }>(
            'analytics',
            'GET',
            '/api/analytics/summary',
          );
          return (after.body.ordersByStatus.DELIVERED ?? 0) > (before.body.ordersByStatus.DELIVERED ?? 0)
            ? true
            : undefined;
        },
        'analytics to count the delivered order',
        60_000,
      );
    },
    5 * 60_000,
  );

  it(
    "reconciles `kubectl apply -f k8s/topics/` and a new EventTopic as a pod with only the chart's RBAC",
    async () => {
      const operatorPod = (await release.pods('operator'))[0];
      const sa = `system:serviceaccount:${NAMESPACE}:${operatorPod?.spec.serviceAccountName}`;
      expect(operatorPod?.spec.serviceAccountName).toBe(release.object('operator'));
      // Only the chart's RBAC: what it grants, and nothing beyond (no cluster-wide or Secret access).
      const can = async (args: string[]) =>
        (await cluster.kubectl(['auth', 'can-i', ...args, '--as', sa, '-n', NAMESPACE])).stdout.trim();
      expect(await can(['patch', 'eventtopics.ecom.dev', '--subresource=status'])).toBe('yes');
      expect(await can(['update', 'deployments.apps', '--subresource=scale'])).toBe('yes');
      expect(await can(['get', 'secrets'])).toBe('no');
      expect(await can(['create', 'deployments.apps'])).toBe('no');
      expect(await can(['list', 'eventtopics.ecom.dev', '--all-namespaces'])).toBe('no');

      // k8s/topics/ has no namespace: applied to the release's, it names the chart's six EventTopics,
      // which already manage (adopted: values-local sets adoptExistingTopics) the broker's topics.
      // So the apply updates them in place (it must not be refused, nor take ownership away).
      const applied = await cluster.kubectlOk(['apply', '-n', NAMESPACE, '-f', 'k8s/topics/']);
      const specs = await loadTopicSpecs(`${repoRoot}/k8s/topics`);
      expect(applied.stdout.trim().split('\n')).toHaveLength(specs.length);
      const broker = await brokerAdmin();
      const onBroker = await broker.describeTopics(specs.map((t) => t.name));
      for (const spec of specs) {
        const topic = await topicReady(spec.name);
        expect(topic.spec.partitions, `${spec.name} spec`).toBe(spec.partitions);
        expect(topic.metadata.annotations[OWNERSHIP_ANNOTATION], `${spec.name} ownership`).toBe('adopted');
        expect(topic.metadata.annotations[ADOPT_ANNOTATION]).toBe('true');
        expect(topic.metadata.finalizers).toContain(TOPIC_FINALIZER);
        expect(onBroker.get(spec.name)?.partitions, `${spec.name} on the broker`).toBeGreaterThanOrEqual(
          spec.partitions,
        );
      }

      // A new topic, created by the operator from nothing: finalizer and ownership (metadata patch),
      // the Kafka topic (admin API from the pod), status (status patch), Events (events.k8s.io).
      const name = newId('cluster-test').toLowerCase();
      const manifest = (partitions: number) =>
        JSON.stringify({
          apiVersion: 'ecom.dev/v1alpha1',
          kind: 'EventTopic',
          metadata: { name, namespace: NAMESPACE },
          spec: { partitions, replicationFactor: 1, deletionPolicy: 'Delete', config: { 'retention.ms': '3600000' } },
        });
      await cluster.kubectlOk(['apply', '-f', '-'], { input: manifest(2) });
      const created = await topicReady(name);
      expect(created.metadata.annotations[OWNERSHIP_ANNOTATION]).toBe('created');
      expect(created.metadata.annotations[MANAGED_TOPIC_ANNOTATION]).toBe(name);
      expect(created.metadata.finalizers).toContain(TOPIC_FINALIZER);
      const made = (await broker.describeTopics([name])).get(name);
      expect(made).toMatchObject({ partitions: 2, replicationFactor: 1, config: { 'retention.ms': '3600000' } });
      await eventually(
        async () => ((await eventReasons('EventTopic', name)).includes('TopicCreated') ? true : undefined),
        'a TopicCreated Event',
        30_000,
      );

      // More partitions: the update reaches the broker.
      await cluster.kubectlOk(['apply', '-f', '-'], { input: manifest(3) });
      await topicReady(name);
      expect((await broker.describeTopics([name])).get(name)?.partitions).toBe(3);

      // Deleted with deletionPolicy Delete: the operator deletes the Kafka topic, then releases its finalizer.
      await cluster.kubectlOk([
        'delete',
        'eventtopics.ecom.dev',
        name,
        '-n',
        NAMESPACE,
        '--wait=true',
        '--timeout=90s',
      ]);
      await eventually(
        async () => ((await broker.describeTopics([name])).has(name) ? undefined : true),
        `Kafka topic ${name} to be deleted`,
        60_000,
      );
    },
    5 * 60_000,
  );

  it(
    'keeps every invariant when service pods are force-deleted mid-load (the Deployments replace them)',
    async () => {
      const run = newId('kill');
      // Five products: load.ts gives an order up to three lines, products i, i+2, i+4 (distinct mod 5).
      const seeded = await stockProducts(run, 5, 25);
      let deleted: string[] = [];
      const load = runLoad({
        run,
        orders: 30,
        concurrency: 4,
        products: Object.keys(seeded),
        customers: 6,
        // Orders keep coming until both pods are gone, so the deletions always hit a running load.
        extend: { done: () => deleted.length === 2, maxOrders: 200 },
      });
      load.catch(() => undefined); // awaited below; a rejection meanwhile is not unhandled
      // Mid-load: once some orders exist.
      await eventually(
        async () =>
          (await api<{ items: unknown[] }>('order', 'GET', `/api/orders?customerId=${run}-c0`)).body.items.length > 1
            ? true
            : undefined,
        'the load to be under way',
        60_000,
      );
      for (const component of ['order', 'payment']) {
        const [pod] = await release.pods(component);
        expect(pod, `a pod of ${component}`).toBeDefined();
        await cluster.kubectlOk(['delete', 'pod', pod?.metadata.name, '-n', NAMESPACE, '--grace-period=0', '--force']);
        deleted = [...deleted, pod?.metadata.name];
        await sleep(2_000);
      }
      const result = await load;
      // The Deployments brought new pods (other names), and the load got through.
      for (const component of ['order', 'payment']) {
        await eventually(
          async () => {
            const pods = await release.pods(component);
            return pods.some((p) => readyCondition(p) === 'True' && !deleted.includes(p.metadata.name))
              ? true
              : undefined;
          },
          `a new Ready pod of ${component}`,
          120_000,
        );
      }
      expect(result.accepted.size).toBeGreaterThan(10);

      for (const orderId of result.accepted.values()) await orderReaches(orderId, SETTLED, 180_000);
      await quiesce(180_000);
      const orders = await checkInvariants({
        orderIds: [...result.accepted.values()],
        seeded,
        customers: result.customers,
        maxOrdersPerCustomer: result.keysByCustomer,
      });
      expect(result.replayMismatches).toEqual([]);
      expect(await healthyDeadLetters(orders.map((o) => o.orderId))).toEqual([]);
    },
    10 * 60_000,
  );

  it(
    'rolls an upgraded value out with no failed request and no lost order; rollback restores it; uninstall leaves only the kept EventTopics',
    async () => {
      const run = newId('roll');
      const seeded = await stockProducts(run, 4, 500);
      const product = Object.keys(seeded)[0] as string;
      const fourLines = {
        customerId: `${run}-lines`,
        currency: 'EUR',
        items: Object.keys(seeded).map((productId) => ({ productId, quantity: 1, price: '1.00' })),
      };
      const known = await api<{ orderId: string }>('order', 'POST', '/api/orders', {
        customerId: `${run}-c`,
        currency: 'EUR',
        items: [{ productId: product, quantity: 1, price: '2.00' }],
      });
      expect(known.status, JSON.stringify(known.body)).toBe(201);
      const placed: string[] = [known.body.orderId];
      expect((await release.history()).map((h) => h.revision)).toEqual([1]);

      // Revision 2: every service's LOG_LEVEL (all six roll) and the order service's line limit.
      let poller = pollOrders(`${run}-up`, known.body.orderId, product);
      await release.upgrade([
        '--set',
        'serviceDefaults.logLevel=warn',
        '--set',
        'services.order.env.ORDER_MAX_LINES=3',
      ]);
      await rolledOut();
      let seen = await poller.stop();
      expect(seen.errors, `${seen.requests} requests during the upgrade`).toEqual([]);
      placed.push(...seen.orderIds);
      expect(Object.values(await deploymentEnv('LOG_LEVEL'))).toEqual(SERVICE_NAMES.map(() => 'warn'));
      // The new value is what the running pods do.
      const refused = await api('order', 'POST', '/api/orders', fourLines);
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);

      // Rollback to revision 1 (as revision 3), rolled out the same way.
      poller = pollOrders(`${run}-back`, known.body.orderId, product);
      await release.rollback(1);
      await rolledOut();
      seen = await poller.stop();
      expect(seen.errors, `${seen.requests} requests during the rollback`).toEqual([]);
      placed.push(...seen.orderIds);
      expect((await release.history()).map((h) => [h.revision, h.status])).toEqual([
        [1, 'superseded'],
        [2, 'superseded'],
        [3, 'deployed'],
      ]);
      expect(Object.values(await deploymentEnv('LOG_LEVEL'))).toEqual(SERVICE_NAMES.map(() => 'info'));
      const accepted = await api<{ orderId: string }>('order', 'POST', '/api/orders', fourLines);
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
      placed.push(accepted.body.orderId);

      // No order placed around the rollouts was lost or left half done.
      for (const orderId of placed) await orderReaches(orderId, SETTLED, 180_000);
      await quiesce(180_000);
      await checkInvariants({ orderIds: placed, seeded, customers: [`${run}-c`, `${run}-lines`] });

      // Uninstall: nothing of the release stays but what is kept on purpose.
      const broker = await brokerAdmin();
      const specs = await loadTopicSpecs(`${repoRoot}/k8s/topics`);
      restoreUrls?.();
      restoreUrls = undefined;
      const uninstalled = await cluster.helmOk([
        'uninstall',
        release.name,
        '-n',
        NAMESPACE,
        '--wait',
        '--timeout',
        '5m',
      ]);
      expect(uninstalled.stdout).toContain('kept due to the resource policy');
      // helm --wait waits for its own objects; the ReplicaSets' pods go after them.
      await release.podsGone();
      const left = await cluster.namespaceObjects(NAMESPACE);
      expect(left).toEqual(
        [
          // helm.sh/resource-policy: keep: topics outlive the release (their data is not the chart's).
          ...specs.map((t) => `EventTopic/${t.name}`),
          // The operator's leader-election Lease: written at run time, not by helm, so helm leaves it.
          `Lease/${release.object('operator')}`,
          // Kubernetes' own, in every namespace.
          'ConfigMap/kube-root-ca.crt',
          'ServiceAccount/default',
          // The test's own, made with the namespace (auth.publicKeySecret names it): not the chart's.
          'Secret/ecom-auth-public-key',
        ].sort(),
      );
      // The kept EventTopics still hold the operator's finalizer, and the operator is gone: deleting
      // them (or the namespace) would wait for ever. Their policy is Retain, so the finalizer guards
      // nothing here: removing it is the documented way out, and the Kafka topics stay.
      for (const t of specs) {
        const kept = await cluster.get(['eventtopics.ecom.dev', t.name, '-n', NAMESPACE]);
        expect(kept.spec.deletionPolicy).toBe('Retain');
        expect(kept.metadata.finalizers).toEqual([TOPIC_FINALIZER]);
      }
      await release.stripFinalizers();
      await cluster.kubectlOk([
        'delete',
        'eventtopics.ecom.dev',
        '--all',
        '-n',
        NAMESPACE,
        '--wait=true',
        '--timeout=60s',
      ]);
      await cluster.kubectlOk(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=5m'], {
        timeoutMs: 6 * 60_000,
      });
      expect((await cluster.kubectl(['get', 'namespace', NAMESPACE])).code).not.toBe(0);
      const still = await broker.describeTopics(specs.map((t) => t.name));
      expect([...still.keys()].sort()).toEqual(specs.map((t) => t.name).sort());
    },
    20 * 60_000,
  );
});
