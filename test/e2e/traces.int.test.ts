import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { openProducer } from '@ecom/kit';
import { eventually, testKafka } from '@ecom/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { traceWaterfallSvg } from '../../local/src/traces/waterfall.js';
import { newId, orderReaches, placeOrder, seedStock } from '../support/platform.js';
import { SERVICES, type ServiceName, Stack } from '../support/stack.js';
import { type ExportedSpan, SpanKinds, TraceBackend } from '../support/trace-backend.js';

const backend = new TraceBackend();
let stack: Stack;

const CONSUMING: ServiceName[] = ['payment', 'inventory', 'shipping', 'notification', 'analytics'];

beforeAll(async () => {
  await backend.start();
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: backend.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
  // No OTEL_SERVICE_NAME: the preload names each service after its folder.
  stack = new Stack(Object.fromEntries(Object.keys(SERVICES).map((name) => [name, otel])));
  await stack.start();
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await backend.stop();
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail') console.log(stack.outputs(), '\n--- collector ---\n', backend.logs());
});

function byId(spans: ExportedSpan[]): Map<string, ExportedSpan> {
  return new Map(spans.map((s) => [s.spanId, s]));
}

/** instrumentation-pg writes the stable database semconv (`db.system.name`); older ones `db.system`. */
function dbSystem(span: ExportedSpan) {
  return span.attributes['db.system.name'] ?? span.attributes['db.system'];
}

/** The span and its ancestors, nearest first, as far as the trace has them. */
function ancestry(span: ExportedSpan, index: Map<string, ExportedSpan>): ExportedSpan[] {
  const chain = [span];
  for (let s = index.get(span.parentSpanId); s; s = index.get(s.parentSpanId)) chain.push(s);
  return chain;
}

describe('one order = one trace across the six services (OpenTelemetry Collector over OTLP)', () => {
  it('links the HTTP request, the outbox writes, the relay sends and every consumer group processing', async () => {
    const product = newId('sku');
    await seedStock(product, 5);
    const order = await placeOrder(newId('customer'), [{ productId: product, quantity: 1, price: '9.99' }]);
    await orderReaches(order.orderId, ['SHIPPED']);

    const created = await eventually(
      async () =>
        backend.spans.find(
          (s) =>
            s.name === 'create ecom.orders' &&
            s.attributes['ecom.order_id'] === order.orderId &&
            s.attributes['cloudevents.event_type'] === 'ecom.order.created.v1',
        ),
      'the OrderCreated create span',
    );
    const traceId = created.traceId;
    const inTrace = () => backend.spans.filter((s) => s.traceId === traceId);
    // Every consumer group's processing of OrderCreated (and what followed) lands in the same trace.
    await eventually(
      async () => {
        const groups = new Set(
          inTrace()
            .filter((s) => s.kind === SpanKinds.consumer)
            .map((s) => s.attributes['messaging.kafka.consumer.group']),
        );
        if (!CONSUMING.every((g) => groups.has(g))) return undefined;
        // Each service exports on its own schedule: wait until every span's parent has arrived too.
        const ids = new Set(inTrace().map((s) => s.spanId));
        return inTrace().every((s) => !s.parentSpanId || ids.has(s.parentSpanId)) ? true : undefined;
      },
      'a process span of every consumer group in the order trace, and every parent span',
      30_000,
    );
    const spans = inTrace();
    const index = byId(spans);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(Object.keys(SERVICES)));
    // ECOM_TRACE_SVG=path draws this trace (the README's picture of a saga's trace).
    if (process.env.ECOM_TRACE_SVG) {
      await writeFile(
        process.env.ECOM_TRACE_SVG,
        traceWaterfallSvg(spans, `One order's trace: ${spans.length} spans, six services`),
      );
    }

    // The HTTP request is the root, and the OrderCreated event was written under it.
    const request = ancestry(created, index).find((s) => s.kind === SpanKinds.server);
    expect(request?.service).toBe('order');
    expect(request?.attributes['http.route']).toBe('/api/orders');
    expect(request?.attributes['http.request.method'] ?? request?.attributes['http.method']).toBe('POST');
    expect(ancestry(created, index).at(-1)?.parentSpanId).toBe('');
    expect(created).toMatchObject({
      service: 'order',
      kind: SpanKinds.producer,
      attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'ecom.orders' },
    });
    // …in the request's transaction: the outbox INSERT is a PostgreSQL span of the same request.
    const outboxInsert = spans.find(
      (s) =>
        dbSystem(s) === 'postgresql' &&
        String(s.attributes['db.statement'] ?? s.attributes['db.query.text']).includes('INSERT INTO outbox'),
    );
    expect(outboxInsert && ancestry(outboxInsert, index)).toContain(request);

    // The order service's relay sent it in a send span of its own that links to the create span.
    const send = backend.spans.find(
      (s) => s.service === 'order' && s.name === 'send ecom.orders' && s.links.some((l) => l.spanId === created.spanId),
    );
    expect(send).toMatchObject({
      kind: SpanKinds.producer,
      attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'ecom.orders' },
    });
    expect(send?.links.find((l) => l.spanId === created.spanId)).toMatchObject({
      traceId,
      attributes: { 'ecom.order_id': order.orderId },
    });

    // Each consumer group processed OrderCreated as a child of the record's traceparent (its create span).
    for (const group of CONSUMING) {
      const processing = spans.filter(
        (s) => s.kind === SpanKinds.consumer && s.attributes['messaging.kafka.consumer.group'] === group,
      );
      for (const p of processing) {
        expect(p.service).toBe(group);
        expect(p.attributes).toMatchObject({
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'ecom.order_id': order.orderId,
        });
        expect(typeof p.attributes['messaging.kafka.offset']).toBe('number');
        const parent = index.get(p.parentSpanId);
        expect(parent, `${group} ${p.name}'s parent`).toMatchObject({ kind: SpanKinds.producer });
        expect(p.name).toBe(`process ${p.attributes['messaging.destination.name']}`);
        expect(parent?.attributes['messaging.destination.name']).toBe(p.attributes['messaging.destination.name']);
      }
      // Inventory reserves for OrderCreated; analytics counts every event.
      if (group === 'inventory' || group === 'analytics') {
        const ofCreated = processing.find((p) => p.parentSpanId === created.spanId);
        expect(ofCreated, `${group} processing OrderCreated`).toBeDefined();
      }
    }

    // Events a handler emits carry its processing span: inventory's reply is written under it, and
    // the order service's processing of that reply is a grandchild of inventory's processing.
    const inventoryCreates = spans.filter((s) => s.service === 'inventory' && s.kind === SpanKinds.producer);
    expect(inventoryCreates.length).toBeGreaterThan(0);
    for (const c of inventoryCreates) {
      expect(index.get(c.parentSpanId)).toMatchObject({ service: 'inventory', kind: SpanKinds.consumer });
    }
    const orderProcessing = spans.filter((s) => s.service === 'order' && s.kind === SpanKinds.consumer);
    expect(
      orderProcessing.some((p) => index.get(p.parentSpanId)?.service === 'inventory'),
      'the order service processing an inventory event in the same trace',
    ).toBe(true);
    // The handlers' queries are PostgreSQL spans under their processing spans.
    for (const service of ['payment', 'inventory'] as const) {
      const query = spans.find(
        (s) =>
          s.service === service &&
          dbSystem(s) === 'postgresql' &&
          ancestry(s, index).some((a) => a.kind === SpanKinds.consumer),
      );
      expect(query, `a ${service} query under a process span`).toBeDefined();
    }
    // And one order is one trace: no span anywhere names this order in another trace, except the
    // relays' send spans, which belong to no single trace and link into this one.
    const elsewhere = backend.spans.filter(
      (s) => s.traceId !== traceId && s.attributes['ecom.order_id'] === order.orderId && !s.name.startsWith('send '),
    );
    expect(elsewhere.map((s) => `${s.service}: ${s.name}`)).toEqual([]);
  });

  it('shows a dead-lettered record in its trace: every group failing on it and the dead letter it wrote', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parent = randomBytes(8).toString('hex');
    const subject = randomUUID();
    const producer = await openProducer(testKafka('e2e-traces'));
    try {
      // An unknown event type: every group consuming ecom.orders dead-letters it on the first attempt.
      await producer.send([
        {
          topic: 'ecom.orders',
          key: subject,
          value: Buffer.from('{}'),
          headers: {
            ce_specversion: '1.0',
            ce_id: randomUUID(),
            ce_source: '/test',
            ce_type: 'ecom.order.unheard-of.v1',
            ce_time: new Date().toISOString(),
            ce_subject: subject,
            traceparent: `00-${traceId}-${parent}-01`,
          },
        },
      ]);
    } finally {
      await producer.close();
    }
    const groups = ['payment', 'inventory', 'shipping', 'notification', 'analytics'];
    const spans = await eventually(
      async () => {
        const inTrace = backend.spans.filter((s) => s.traceId === traceId);
        const lettered = new Set(inTrace.filter((s) => s.name === 'create ecom.dlq').map((s) => s.service));
        return groups.every((g) => lettered.has(g)) ? inTrace : undefined;
      },
      'a dead letter create span from every group consuming ecom.orders',
      30_000,
    );
    const index = byId(spans);
    for (const group of groups) {
      const failed = spans.find((s) => s.service === group && s.kind === SpanKinds.consumer);
      expect(failed, `${group}'s processing`).toMatchObject({
        parentSpanId: parent,
        status: { code: 2 },
        attributes: { 'messaging.kafka.consumer.group': group, 'messaging.destination.name': 'ecom.orders' },
      });
      const letter = spans.find((s) => s.service === group && s.name === 'create ecom.dlq');
      expect(index.get(letter?.parentSpanId ?? '')).toBe(failed);
      expect(letter?.attributes).toMatchObject({
        'messaging.destination.name': 'ecom.dlq',
        'ecom.dead_letter.error_class': 'UnknownEventType',
      });
    }
    // The relays send the dead letters linked to the record's own context: they kept its traceparent.
    await eventually(
      async () =>
        backend.spans.some((s) => s.name === 'send ecom.dlq' && s.links.some((l) => l.spanId === parent)) || undefined,
      "a relay's send ecom.dlq span linking to the poisoned record's context",
    );
  });
});
