import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { activeTraceFields, inSpan, startCreateSpan, startProcessSpan, startSendSpan, traceparentOf } from './spans.js';

const CAUSE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

// Without an SDK (the default): nothing is recorded and the kit falls back to its own traceparents.
describe('with tracing off', () => {
  it('records nothing and gives no traceparent', () => {
    const span = startCreateSpan('ecom.orders', CAUSE, {});
    expect(span.isRecording()).toBe(false);
    expect(traceparentOf(span)).toBeUndefined();
    expect(activeTraceFields()).toEqual({});
  });
});

describe('with an SDK', () => {
  const exporter = new InMemorySpanExporter();
  const setUp = () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  };

  it('chains create → process → create through the traceparent header, and the send span links', async () => {
    setUp();
    const created = startCreateSpan('ecom.orders', CAUSE, { 'ecom.order_id': 'o-1' });
    const header = traceparentOf(created) as string;
    created.end();
    // The create span continues the cause's trace, and the header names the create span.
    expect(header).toBe(`00-0af7651916cd43dd8448eb211c80319c-${created.spanContext().spanId}-01`);

    const send = startSendSpan('ecom.orders', [
      { topic: 'ecom.orders', headers: { traceparent: header, ce_correlationid: 'o-1' } },
    ]);
    send.end();

    const processing = startProcessSpan('payment', {
      topic: 'ecom.orders',
      partition: 2,
      offset: '41',
      traceparent: header,
      eventId: 'e-1',
      orderId: 'o-1',
    });
    let reply: ReturnType<typeof startCreateSpan> | undefined;
    let logFields: Record<string, string> = {};
    await inSpan(processing, async () => {
      logFields = activeTraceFields();
      // Active span wins over the explicit cause: the reply is written under the processing.
      reply = startCreateSpan('ecom.payments', header, {});
      reply.end();
    });

    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    const [c, s, p, r] = ['create ecom.orders', 'send ecom.orders', 'process ecom.orders', 'create ecom.payments'].map(
      (name) => spans.get(name),
    );
    expect(c?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(c?.kind).toBe(SpanKind.PRODUCER);
    expect(s?.links.map((l) => l.context.spanId)).toEqual([created.spanContext().spanId]);
    expect(s?.parentSpanContext).toBeUndefined();
    expect(s?.attributes).toMatchObject({ 'messaging.batch.message_count': 1, 'ecom.order_id': 'o-1' });
    expect(p?.parentSpanContext?.spanId).toBe(created.spanContext().spanId);
    expect(p?.kind).toBe(SpanKind.CONSUMER);
    expect(p?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'ecom.orders',
      'messaging.kafka.consumer.group': 'payment',
      'messaging.kafka.offset': 41,
      'ecom.order_id': 'o-1',
    });
    expect(r?.parentSpanContext?.spanId).toBe(processing.spanContext().spanId);
    expect(logFields).toEqual({
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: processing.spanContext().spanId,
      trace_flags: '01',
    });
  });

  it('marks a failed processing span with the error', async () => {
    const span = startProcessSpan('inventory', { topic: 'ecom.orders', partition: 0, offset: '1', traceparent: CAUSE });
    await expect(
      inSpan(span, async () => {
        throw new Error('no stock table');
      }),
    ).rejects.toThrow('no stock table');
    const failed = exporter.getFinishedSpans().at(-1);
    expect(failed?.status).toMatchObject({ code: 2, message: 'no stock table' });
    expect(failed?.events.map((e) => e.name)).toContain('exception');
  });
});
