// Kafka authentication and least privilege on the real local broker's SASL_SSL listener
// (local/kafka/kafka.sh: SCRAM-SHA-512 users made at format time, the StandardAuthorizer). Every
// client here is configured as a service is, from the kit's KAFKA_* settings (`kafka.sh sasl-env`),
// and the ACLs are the services' own, derived from their definitions (npm run kafka:acls).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEvent,
  EventCodec,
  type GroupConsumer,
  type IncomingRecord,
  type KafkaOptions,
  kafkaSecurityFromEnv,
  openProducer,
  serviceKafkaAcls,
  startGroupConsumer,
} from '@ecom/kit';
import { eventually, readTopic, startTestService, testLogger } from '@ecom/kit/testing';
import { EVENT_CATALOG, type EventType } from '@ecom/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyServiceAcls } from '../../local/scripts/kafka-acls.js';
import { repoPath } from '../../local/src/repo.js';
import { paymentService } from '../../services/payment/src/service.js';

const kafkaSh = (...args: string[]) =>
  execFileSync('bash', [repoPath('local/kafka/kafka.sh'), ...args], { encoding: 'utf8' }).trim();

/** The kit's settings that log `user` in on the SASL_SSL listener, as a deployment would set them. */
function saslEnv(user: string): Record<string, string> {
  return Object.fromEntries(
    kafkaSh('sasl-env', user)
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function clientOf(env: Record<string, string>, clientId: string): KafkaOptions {
  return {
    brokers: (env.KAFKA_BROKERS ?? '').split(','),
    clientId,
    logger: testLogger(),
    security: kafkaSecurityFromEnv(env),
  };
}

const payment = () => clientOf(saslEnv('payment'), 'payment-acl-test');
const codec = new EventCodec();
const acls = serviceKafkaAcls(paymentService);
const allowed = (topic: string, operation: 'Read' | 'Write') =>
  acls.some(
    (acl) => acl.resource.type === 'topic' && acl.resource.name === topic && acl.operations.includes(operation),
  );

/** An order nobody placed: the services that react to it act on an order the order service does not know. */
function orderCreated() {
  const orderId = randomUUID();
  const order = {
    orderId,
    customerId: 'acl-test',
    items: [{ productId: 'p-1', quantity: 1, price: '12.50' }],
    totalAmount: '12.50',
    currency: 'EUR',
    paymentMethod: 'card',
    status: 'CREATED' as const,
    orderDate: new Date().toISOString(),
  };
  return createEvent('test', 'ecom.order.created.v1', order, { correlationId: orderId });
}

/** A valid event of its topic for an order no service knows (its consumers skip it). */
function refund() {
  const orderId = randomUUID();
  return createEvent(
    'payment',
    'ecom.payment.refunded.v1',
    {
      refundId: randomUUID(),
      paymentId: randomUUID(),
      orderId,
      customerId: 'acl-test',
      amount: '1.00',
      currency: 'EUR',
      reason: 'acl test',
    },
    { correlationId: orderId },
  );
}

/** kafkajs keeps the broker's error code (`type`) on some paths only, its message for code 29 on all. */
const TOPIC_DENIED = /TOPIC_AUTHORIZATION_FAILED|Topic authorization failed/;

/** Sends one record to `topic` as `options`' user: 'ok', or 'denied' when the broker refused the topic. */
async function writeAs(options: KafkaOptions, topic: string): Promise<string> {
  const producer = await openProducer(options);
  try {
    await producer.send([{ ...codec.encode(refund()), topic }]);
    return 'ok';
  } catch (error) {
    const { type, message } = error as { type?: string; message: string };
    return TOPIC_DENIED.test(`${type} ${message}`) ? 'denied' : message;
  } finally {
    await producer.close();
  }
}

/** Reads `topic` in `groupId` as `options`' user, committing nothing: 'read' at the first batch, or why not. */
async function readAs(options: KafkaOptions, groupId: string, topic: string): Promise<string> {
  let consumer: GroupConsumer | undefined;
  let read = false;
  try {
    consumer = await startGroupConsumer({
      ...options,
      groupId,
      topics: [topic],
      concurrency: 1,
      onBatch: async () => {
        read = true;
      },
    });
    const running = consumer;
    return await eventually(async () => {
      if (read) return 'read';
      const { detail } = running.health();
      return detail?.match(/crashed|cannot start/) ? detail : undefined;
    }, `${groupId} reading ${topic}, or refused`);
  } catch (error) {
    return (error as Error).message;
  } finally {
    await consumer?.close();
  }
}

const authorizerLog = kafkaSh('authorizer-log');
/** Where this run's lines of the authorizer log start: earlier runs' denials prove nothing. */
const logStart = statSync(authorizerLog, { throwIfNoEntry: false })?.size ?? 0;

/** This run's authorizer log line denying User:payment `operation` on `resource` (Topic:LITERAL:ecom.orders). */
function denialOf(resource: string, operation = '[A-Z_]+'): Promise<string> {
  return eventually(
    async () =>
      readFileSync(authorizerLog)
        .subarray(logStart)
        .toString('utf8')
        .split('\n')
        .find(
          (line) =>
            new RegExp(`Principal = User:payment is Denied operation = ${operation} `).test(line) &&
            line.includes(` on resource = ${resource} `),
        ),
    `a denial of User:payment on ${resource} in ${authorizerLog}`,
  );
}

const isPaymentOf = (r: IncomingRecord, orderId: string) =>
  r.headers.ce_type === 'ecom.payment.processed.v1' && JSON.parse(String(r.value)).orderId === orderId;

beforeAll(async () => {
  // As the admin user (a super user) over SASL_SSL: the ACLs of every service, from its definition.
  const applied = await applyServiceAcls(clientOf(saslEnv('admin'), 'acl-test-admin'));
  expect(applied.map((a) => a.principal)).toContain('User:payment');
});

describe('Kafka over SASL_SSL (SCRAM-SHA-512, TLS with the local CA)', () => {
  it('refuses a wrong password, saying authentication failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sasl-'));
    writeFileSync(join(dir, 'password'), 'not-the-password\n');
    const wrong = clientOf({ ...saslEnv('payment'), KAFKA_SASL_PASSWORD_FILE: join(dir, 'password') }, 'wrong');
    await expect(openProducer(wrong)).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });

  it('payment writes exactly the topics of the events it produces; a forged write elsewhere is denied and logged', async () => {
    const topics = [...new Set(Object.values(EVENT_CATALOG).map((route) => route.topic))].sort();
    const produced = new Set(paymentService.produces.map((type: EventType) => EVENT_CATALOG[type].topic));
    expect(produced.size).toBeGreaterThan(0);
    const results: Record<string, string> = {};
    for (const topic of topics) results[topic] = await writeAs(payment(), topic);
    expect(results).toEqual(Object.fromEntries(topics.map((t) => [t, produced.has(t) ? 'ok' : 'denied'])));

    // The broker logs each refusal with the forger, the operation and the topic. Payment may
    // describe ecom.orders (it consumes it), so its forged write there is refused as a Produce.
    expect(await denialOf('Topic:LITERAL:ecom.orders', 'WRITE')).toMatch(
      /from host = 127\.0\.0\.1 .*request = Produce/,
    );
    for (const topic of topics.filter((t) => !produced.has(t))) await denialOf(`Topic:LITERAL:${topic}`);
  });

  it('payment reads what it consumes with its own group, and nothing with another group or of another topic', async () => {
    const consumed = paymentService.consumer?.topics[0] ?? '';
    expect(allowed(consumed, 'Read')).toBe(true);
    // Something to read past whatever the payment group committed.
    const admin = await openProducer(clientOf(saslEnv('admin'), 'acl-test-admin'));
    await admin.send([codec.encode(orderCreated())]);
    await admin.close();
    expect(await readAs(payment(), 'payment', consumed)).toBe('read');

    // Another service's group: the coordinator lookup is refused (kafkajs only says it found none).
    expect(await readAs(payment(), 'order', consumed)).not.toBe('read');
    await denialOf('Group:LITERAL:order');
    // Its own group on a topic it does not consume (but may describe, as it writes it): no fetch.
    const other = EVENT_CATALOG['ecom.payment.processed.v1'].topic;
    expect(allowed(other, 'Read')).toBe(false);
    expect(await readAs(payment(), 'payment', other)).toMatch(TOPIC_DENIED);
    await denialOf(`Topic:LITERAL:${other}`, 'READ');
  });

  it('the payment service runs over SASL_SSL as its own user: ready, consumes an order, publishes its payment', async () => {
    const running = await startTestService(paymentService, saslEnv('payment'));
    try {
      const event = orderCreated();
      await running.publish(event);
      const records = await readTopic('ecom.payments', (rs) => rs.some((r) => isPaymentOf(r, event.data.orderId)));
      expect(records.filter((r) => isPaymentOf(r, event.data.orderId))).toHaveLength(1);
    } finally {
      await running.stop();
    }
  });
});
