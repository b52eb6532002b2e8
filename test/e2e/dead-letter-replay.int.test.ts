// DeadLetterReplay end to end: the six services as processes (real Kafka, real PostgreSQL), the
// operator in-process against the real kube-apiserver, and the real kubectl. The dead letters come
// from the services' own poison paths: records that cannot be read are dead-lettered by every group
// that consumes their topic, and a handler that fails (a database trigger rejects one customer's
// payment) dead-letters an order's OrderCreated for the payment group.
//
// No kubelet runs Jobs here (the test cluster has no node): where a node would start the Job's pod,
// the test runs the Job's exact container command itself (`ecom replay <args>` is the image's
// entrypoint for operator/src/replay/main.ts, so it runs that file with the Job's args), then writes
// the Job's status as the job controller would (startTime, then Complete).
import { randomUUID } from 'node:crypto';
import {
  type Db,
  type IncomingRecord,
  openDb,
  openOffsetReader,
  openProducer,
  openTopicAdmin,
  type RecordProducer,
} from '@ecom/kit';
import { eventually, readTopic, testDatabaseUrl, testKafka, testLogger, uniqueName } from '@ecom/kit/testing';
import { isEventType } from '@ecom/schemas';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { DeadLetterReplay } from '../../operator/src/api/deadletterreplay.js';
import type { ReplayJob } from '../../operator/src/controllers/deadletterreplay/types.js';
import type { OperatorHandle } from '../../operator/src/operator.js';
import { parseReplayArgs } from '../../operator/src/replay/config.js';
import {
  createNamespace,
  deleteNamespace,
  installCrds,
  kubectl,
  kubectlJson,
  kubectlMergePatch,
  kubectlOk,
  waitFor,
} from '../../operator/src/testing/kube.js';
import { startTestOperator, testBrokers, testOperatorConfig } from '../../operator/src/testing/operator.js';
import { type CliRun, readAll, runReplayCli } from '../../operator/src/testing/replay.js';
import {
  getOrder,
  newId,
  notificationsOf,
  orderReaches,
  paymentsOf,
  placeOrder,
  quiesce,
  seedStock,
  stockOf,
} from '../support/platform.js';
import { groupsConsuming, groupsHandling } from '../support/services.js';
import { api, Stack } from '../support/stack.js';

// The saga deadline must not cancel the stuck order while the test fixes and replays it.
const stack = new Stack({ order: { ORDER_SAGA_TIMEOUT_MS: '900000' } });
const kafka = testKafka('dlr-e2e');
const run = uniqueName('dlr');
const stuckCustomer = `stuck-${run}`;
/** The payment-store trigger that rejects the stuck customer's payment (see the second describe). */
const rejectTrigger = `reject_${run.replace('-', '_')}`;
let namespace: string;
let operator: OperatorHandle | undefined;
let producer: RecordProducer;
let payments: Db;

beforeAll(async () => {
  await installCrds('k8s/crds');
  namespace = await createNamespace('dlr');
  // The Job's pod must pass the restricted Pod Security profile, enforced here.
  await kubectlOk(['label', 'namespace', namespace, 'pod-security.kubernetes.io/enforce=restricted']);
  await stack.start();
  producer = await openProducer(kafka);
  payments = await openDb({ url: testDatabaseUrl(), schema: 'payments', poolSize: 1 }, testLogger());
  operator = await startTestOperator(testOperatorConfig(namespace, { replayImage: 'registry.test/ecom:replay' }));
  // Whatever the services had left to consume from earlier runs is done, so the dead letters in
  // this test's time windows are this test's own.
  await quiesce(120_000);
}, 300_000);

afterAll(async () => {
  await payments?.query(`DROP TRIGGER IF EXISTS ${rejectTrigger} ON payments`).catch(() => {});
  await payments?.query(`DROP FUNCTION IF EXISTS ${rejectTrigger}()`).catch(() => {});
  await payments?.close();
  await operator?.stop();
  await producer?.close();
  await stack.stop();
  if (namespace) await deleteNamespace(namespace);
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail') console.log(stack.outputs());
});

// --- helpers -------------------------------------------------------------------------------------

const dlr = (name: string) => kubectlJson<DeadLetterReplay>(['get', 'deadletterreplay', name, '-n', namespace]);
const job = (name: string) => kubectlJson<ReplayJob>(['get', 'job', name, '-n', namespace]);
const condition = (r: DeadLetterReplay, type: string) => r.status?.conditions?.find((c) => c.type === type);
// biome-ignore lint/suspicious/noExplicitAny: the Job's pod template is plain JSON
const podSpecOf = (j: ReplayJob): any => (j.spec as any).template.spec;

async function applyReplay(
  name: string,
  spec: Record<string, unknown>,
): Promise<{ resource: DeadLetterReplay; job: ReplayJob }> {
  await kubectlOk(
    ['apply', '-n', namespace, '-f', '-'],
    stringify({ apiVersion: 'ecom.dev/v1alpha1', kind: 'DeadLetterReplay', metadata: { name }, spec }),
  );
  const resource = await waitFor(`DeadLetterReplay ${name} with a Job`, async () => {
    const r = await dlr(name);
    return r.status?.jobName ? r : undefined;
  });
  return { resource, job: await job(resource.status?.jobName ?? '') };
}

/** What a node would do with the Job: run its container's command (see the top of this file). */
async function runJob(j: ReplayJob): Promise<CliRun> {
  const [container] = podSpecOf(j).containers;
  expect(container.args[0]).toBe('replay');
  await kubectlOk([
    'patch',
    'job',
    j.metadata.name ?? '',
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { startTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } }),
  ]);
  const result = await runReplayCli(container.args.slice(1));
  expect(result.code, result.stderr).toBe(0);
  return result;
}

/** What the job controller writes once the pod exited 0. */
async function completeJob(j: ReplayJob): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await kubectlOk([
    'patch',
    'job',
    j.metadata.name ?? '',
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({
      status: {
        succeeded: 1,
        completionTime: now,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: now },
          { type: 'Complete', status: 'True', lastTransitionTime: now },
        ],
      },
    }),
  ]);
}

async function phaseOf(name: string, phase: string): Promise<DeadLetterReplay> {
  return waitFor(`DeadLetterReplay ${name} ${phase}`, async () => {
    const r = await dlr(name);
    return r.status?.phase === phase ? r : undefined;
  });
}

const iso = (d: Date) => d.toISOString();
const summaryOf = (r: CliRun) => r.lines.find((l) => l.event === 'done');
const countsOf = (r: DeadLetterReplay) => [r.status?.matched, r.status?.replayed, r.status?.skipped];

/** A record the consumers cannot read: dead-lettered once by every group consuming its topic. */
function poison(topic: string, ceType: string, value: string) {
  const id = newId('poison');
  const subject = randomUUID();
  return {
    id,
    record: {
      topic,
      key: subject,
      value: Buffer.from(value),
      headers: {
        ce_specversion: '1.0',
        ce_id: id,
        ce_source: '/test',
        ce_type: ceType,
        ce_time: new Date().toISOString(),
        ce_subject: subject,
      },
    },
  };
}

const dlqLetters = (ids: string[], count: number) =>
  readTopic('ecom.dlq', (rs) => rs.filter((r) => ids.includes(r.headers.ce_id ?? '')).length >= count, 60_000);

async function createTopic(name: string, partitions: number): Promise<void> {
  const admin = await openTopicAdmin(kafka);
  try {
    await admin.apply({ type: 'create', topic: name, partitions, replicationFactor: 1, config: {} });
  } finally {
    await admin.close();
  }
}

// --- the tests -------------------------------------------------------------------------------------

describe('DeadLetterReplay with the real services, Kafka and kube-apiserver', () => {
  // Poison of three topics and three error classes, dead-lettered by every group reading each.
  const invalidJson = poison('ecom.orders', 'ecom.order.created.v1', '{"orderId": ');
  const schemaViolation = poison('ecom.orders', 'ecom.order.created.v1', '{"orderId":"not an order"}');
  const badPayment = poison('ecom.payments', 'ecom.payment.processed.v1', '{}');
  const unknownType = poison('ecom.shipments', 'ecom.shipment.teleported.v1', '{}');
  const letters = [invalidJson, schemaViolation, badPayment, unknownType];
  // A known type is dead-lettered by the groups that handle it (the others skip it unread); an
  // unknown one by every group reading its topic.
  const groupsOf = (p: (typeof letters)[number]) =>
    isEventType(p.record.headers.ce_type) ? groupsHandling(p.record.headers.ce_type) : groupsConsuming(p.record.topic);
  const total = letters.reduce((n, p) => n + groupsOf(p).length, 0);
  let since: Date;
  let until: Date;
  let dead: IncomingRecord[];

  beforeAll(async () => {
    // A second past quiet: the replay seeks a second before `since` (clock skew), into silence.
    await new Promise((r) => setTimeout(r, 1500));
    since = new Date();
    await producer.send(letters.map((p) => p.record));
    const ids = letters.map((p) => p.id);
    dead = (await dlqLetters(ids, total)).filter((r) => ids.includes(r.headers.ce_id ?? ''));
    await quiesce(60_000);
    until = new Date();
  }, 120_000);

  it('the poison paths made the dead letters: every consuming group, three topics, three error classes', () => {
    expect(total).toBeGreaterThanOrEqual(10);
    expect(dead).toHaveLength(total);
    const kinds = new Set(dead.map((r) => `${r.headers.dlq_original_topic} ${r.headers.dlq_error_class}`));
    expect([...kinds].sort()).toEqual([
      'ecom.orders InvalidJson',
      'ecom.orders SchemaViolation',
      'ecom.payments SchemaViolation',
      'ecom.shipments UnknownEventType',
    ]);
  });

  let inventoryReplay: { resource: DeadLetterReplay; job: ReplayJob };
  const inventoryTarget = `${run}.inventory`;
  const inventorySpec = () => ({
    filter: { consumerGroup: 'inventory', since: iso(since), until: iso(until) },
    target: { topic: inventoryTarget },
  });
  const inventoryLetters = () => dead.filter((r) => r.headers.dlq_consumer_group === 'inventory');

  it('a filtered replay runs as an owned Job of the operator’s image with the spec as args, restricted', async () => {
    await createTopic(inventoryTarget, 3);
    inventoryReplay = await applyReplay('inventory-letters', inventorySpec());
    const { resource, job: j } = inventoryReplay;
    expect(resource.status).toMatchObject({ phase: 'Pending', replayGroup: `ecom-replay-${resource.metadata.uid}` });
    expect(j.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'DeadLetterReplay',
        name: 'inventory-letters',
        uid: resource.metadata.uid,
        controller: true,
      }),
    ]);
    const pod = podSpecOf(j);
    const [container] = pod.containers;
    expect(container.image).toBe('registry.test/ecom:replay');
    expect(parseReplayArgs(container.args.slice(1), {})).toEqual({
      kind: 'config',
      config: {
        brokers: testBrokers,
        source: 'ecom.dlq',
        group: `ecom-replay-${resource.metadata.uid}`,
        filter: { consumerGroup: 'inventory', since: new Date(iso(since)), until: new Date(iso(until)) },
        target: inventoryTarget,
        ratePerSecond: 100,
        maxMessages: 10_000,
        dryRun: false,
        logLevel: 'warn',
      },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // The real PodSecurity admission accepts the Job's pod in a namespace enforcing "restricted".
    const asPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'replay-check' }, spec: pod };
    const dryRun = await kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-'], JSON.stringify(asPod));
    expect(dryRun.code, dryRun.stderr).toBe(0);
  });

  it('the Job’s command replays exactly the matches; status goes Running, then Succeeded with exact counts', async () => {
    const result = await runJob(inventoryReplay.job);
    const matched = inventoryLetters().length;
    expect(matched).toBe(3);
    expect(summaryOf(result)).toMatchObject({ matched, replayed: matched, skipped: total - matched });
    // Progress is mirrored while the Job has not finished...
    const running = await waitFor('Running with the committed counts', async () => {
      const r = await dlr('inventory-letters');
      return r.status?.phase === 'Running' && r.status.matched === matched ? r : undefined;
    });
    expect(countsOf(running)).toEqual([matched, matched, total - matched]);
    expect(condition(running, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Running' });
    // ...and is final once it completed.
    await completeJob(inventoryReplay.job);
    const done = await phaseOf('inventory-letters', 'Succeeded');
    expect(countsOf(done)).toEqual([matched, matched, total - matched]);
    expect(done.status?.completionTime).toBeDefined();
    expect(condition(done, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    const table = await kubectlOk(['get', 'dlr', 'inventory-letters', '-n', namespace]);
    expect(table).toMatch(/PHASE\s+MATCHED\s+REPLAYED\s+SKIPPED\s+DRY-RUN\s+AGE/);
    expect(table).toMatch(
      new RegExp(`inventory-letters\\s+Succeeded\\s+${matched}\\s+${matched}\\s+${total - matched}\\s+false`),
    );

    const replayed = await readAll(kafka, inventoryTarget, uniqueName('reader'));
    expect(replayed.map((r) => r.headers.ce_id).sort()).toEqual(
      inventoryLetters()
        .map((r) => r.headers.ce_id)
        .sort(),
    );
    for (const record of replayed) {
      const letter = inventoryLetters().find((l) => l.headers.ce_id === record.headers.ce_id) as IncomingRecord;
      expect(record.key?.toString()).toBe(letter.key?.toString());
      expect(record.value?.toString()).toBe(letter.value?.toString());
      expect(record.headers.ce_type).toBe(letter.headers.ce_type);
      expect(record.headers.ecom_replayed_from).toBe(`ecom.dlq/${letter.partition}/${letter.offset}`);
      expect(Object.keys(record.headers).filter((h) => h.startsWith('dlq_'))).toEqual([]);
    }
  }, 180_000);

  it('run again (a restarted pod), the Job replays nothing twice and the counts stay', async () => {
    const again = await runReplayCli(podSpecOf(inventoryReplay.job).containers[0].args.slice(1));
    expect(again.code, again.stderr).toBe(0);
    expect(again.lines[0]).toMatchObject({ event: 'start', resumed: true });
    expect(again.lines.filter((l) => l.event === 'match')).toEqual([]);
    expect((await readAll(kafka, inventoryTarget, uniqueName('reader'))).length).toBe(3);
    expect(countsOf(await dlr('inventory-letters'))).toEqual([3, 3, total - 3]);
  });

  it('refuses an edit of a replay whose Job exists, with a condition; the Job stays as it was', async () => {
    await kubectlMergePatch('deadletterreplay', 'inventory-letters', namespace, {
      spec: { filter: { consumerGroup: 'payment' } },
    });
    const refused = await waitFor('SpecAccepted=False', async () => {
      const r = await dlr('inventory-letters');
      return condition(r, 'SpecAccepted')?.status === 'False' ? r : undefined;
    });
    expect(condition(refused, 'SpecAccepted')).toMatchObject({ reason: 'SpecChangeRefused', observedGeneration: 2 });
    const unchanged = await job(inventoryReplay.job.metadata.name ?? '');
    expect(unchanged.metadata.annotations?.['ecom.dev/spec-generation']).toBe('1');
    expect(podSpecOf(unchanged).containers[0].args).toEqual(podSpecOf(inventoryReplay.job).containers[0].args);
    expect(refused.status?.phase).toBe('Succeeded');
  });

  it('a dry run counts and lists the matches and produces nothing', async () => {
    const target = `${run}.dry`;
    await createTopic(target, 1);
    const { job: j } = await applyReplay('orders-schema-dry-run', {
      filter: { originalTopic: 'ecom.orders', errorClass: 'SchemaViolation', since: iso(since), until: iso(until) },
      target: { topic: target },
      dryRun: true,
    });
    expect(podSpecOf(j).containers[0].args).toContain('--dry-run');
    const result = await runJob(j);
    const expected = groupsHandling('ecom.order.created.v1').length;
    expect(summaryOf(result)).toMatchObject({
      dryRun: true,
      matched: expected,
      replayed: 0,
      skipped: total - expected,
    });
    const listed = result.lines.filter((l) => l.event === 'match');
    expect(listed.map((l) => l.consumerGroup).sort()).toEqual(groupsHandling('ecom.order.created.v1'));
    expect(listed.every((l) => l.ceId === schemaViolation.id && l.replayed === false)).toBe(true);
    await completeJob(j);
    const done = await phaseOf('orders-schema-dry-run', 'Succeeded');
    expect(countsOf(done)).toEqual([expected, 0, total - expected]);
    // Not one record, not even an aborted transaction's, reached the target.
    const reader = await openOffsetReader(kafka);
    expect(await reader.bounds(target).finally(() => reader.close())).toEqual([{ partition: 0, low: '0', high: '0' }]);
  }, 180_000);
});

describe('a stuck order: its OrderCreated dead-lettered for the payment group', () => {
  let orderId: string;
  let product: string;
  let since: Date;

  beforeAll(async () => {
    // A bug of the payment service, as far as the saga can tell: its store rejects this customer.
    await payments.query(
      `CREATE OR REPLACE FUNCTION ${rejectTrigger}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'payment store rejects customer %', NEW.customer_id; END $$`,
    );
    await payments.query(
      `CREATE TRIGGER ${rejectTrigger} BEFORE INSERT ON payments FOR EACH ROW
       WHEN (NEW.customer_id = '${stuckCustomer}') EXECUTE FUNCTION ${rejectTrigger}()`,
    );
    product = newId('sku');
    await seedStock(product, 5);
    await quiesce(60_000);
    await new Promise((r) => setTimeout(r, 1500));
    since = new Date();
  }, 120_000);

  it('shows its dead letter, is listed as stuck, and waits in CREATED', async () => {
    const order = await placeOrder(stuckCustomer, [{ productId: product, quantity: 1, price: '7.00' }]);
    orderId = order.orderId;
    const stuck = await eventually(
      async () => {
        const o = (await api<{ deadLetters: Array<Record<string, unknown>> }>('order', 'GET', `/api/orders/${orderId}`))
          .body;
        return o.deadLetters.length > 0 ? o : undefined;
      },
      'the order to show its dead letter',
      60_000,
    );
    expect(stuck.deadLetters).toEqual([
      expect.objectContaining({
        topic: 'ecom.dlq',
        consumerGroup: 'payment',
        originalTopic: 'ecom.orders',
        ceType: 'ecom.order.created.v1',
        errorClass: expect.any(String),
      }),
    ]);
    const list = await api<{ items: Array<{ orderId: string }> }>('order', 'GET', '/api/orders?stuck=true&limit=500');
    expect(list.body.items.map((o) => o.orderId)).toContain(orderId);
    await quiesce(60_000);
    expect(await getOrder(orderId)).toMatchObject({
      status: 'CREATED',
      paymentStatus: 'PENDING',
      reservationStatus: 'RESERVED',
    });
    expect(await paymentsOf(orderId)).toEqual([]);
  }, 180_000);

  it('after the fix, a replay resumes it: SHIPPED, charged once, and the marker clears', async () => {
    await payments.query(`DROP TRIGGER ${rejectTrigger} ON payments`);
    const { job: j } = await applyReplay('stuck-order', {
      filter: { consumerGroup: 'payment', key: orderId, since: since.toISOString() },
    });
    const result = await runJob(j);
    expect(summaryOf(result)).toMatchObject({ matched: 1, replayed: 1, skipped: 0 });
    await orderReaches(orderId, ['SHIPPED'], 60_000);
    await completeJob(j);
    expect(countsOf(await phaseOf('stuck-order', 'Succeeded'))).toEqual([1, 1, 0]);
    await quiesce(60_000);
    const order = (await api<{ status: string; deadLetters: unknown[] }>('order', 'GET', `/api/orders/${orderId}`))
      .body;
    expect(order).toMatchObject({ status: 'SHIPPED', deadLetters: [] });
    const list = await api<{ items: Array<{ orderId: string }> }>('order', 'GET', '/api/orders?stuck=true&limit=500');
    expect(list.body.items.map((o) => o.orderId)).not.toContain(orderId);
    expect((await paymentsOf(orderId)).map((p) => p.status)).toEqual(['COMPLETED']);
    expect(await stockOf(product)).toMatchObject({ onHand: 4, reserved: 0 });
  }, 180_000);

  it('replayed twice (a second DeadLetterReplay, its own group): every inbox drops it, nothing happens twice', async () => {
    const before = {
      notifications: (await notificationsOf(stuckCustomer)).length,
      stock: await stockOf(product),
    };
    const { job: j } = await applyReplay('stuck-order-again', {
      filter: { consumerGroup: 'payment', key: orderId, since: since.toISOString() },
    });
    expect(summaryOf(await runJob(j))).toMatchObject({ matched: 1, replayed: 1 });
    await quiesce(60_000);
    expect((await paymentsOf(orderId)).map((p) => p.status)).toEqual(['COMPLETED']);
    expect(await stockOf(product)).toEqual(before.stock);
    expect((await notificationsOf(stuckCustomer)).length).toBe(before.notifications);
    expect(await getOrder(orderId)).toMatchObject({ status: 'SHIPPED' });
  }, 180_000);
});
