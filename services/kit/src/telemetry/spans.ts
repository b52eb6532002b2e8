import {
  type Attributes,
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// The kit's messaging spans (OpenTelemetry semantic conventions for messaging, Kafka). Without an
// SDK the tracer is the API's no-op one: spans are not recording and nothing here allocates much.
const tracer = trace.getTracer('@ecom/kit');

/**
 * The CloudEvents `traceparent` header is the W3C one (the Kafka binding's distributed-tracing
 * extension), whatever OTEL_PROPAGATORS says for HTTP: read and written with that propagator only.
 */
const w3c = new W3CTraceContextPropagator();
const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: Object.keys };
const setter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    carrier[key] = value;
  },
};

/** The context a `traceparent` header points into; the root context for none or a malformed one. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent ? w3c.extract(ROOT_CONTEXT, { traceparent }, getter) : ROOT_CONTEXT;
}

/** The `traceparent` header that makes `span` the parent; undefined when the span is not recorded. */
export function traceparentOf(span: Span): string | undefined {
  if (!span.isRecording()) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, setter);
  return carrier.traceparent;
}

const MESSAGING = { 'messaging.system': 'kafka' } as const;

/**
 * The `create` span of an event written to the outbox: a child of the active span (the HTTP request,
 * the consumer's processing) or, with none, of `cause` (the event or effect it answers). Its context
 * becomes the event's traceparent.
 */
export function startCreateSpan(topic: string, cause: string | undefined, attributes: Attributes): Span {
  const active = trace.getActiveSpan()?.isRecording() ? context.active() : contextFromTraceparent(cause);
  return tracer.startSpan(
    `create ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...MESSAGING,
        'messaging.operation.type': 'create',
        'messaging.operation.name': 'create',
        'messaging.destination.name': topic,
        ...attributes,
      },
    },
    active,
  );
}

/** A record as the relay or the dead-letter path sees it. */
export interface TracedRecord {
  topic: string;
  headers: Record<string, string | undefined>;
}

/**
 * The relay's `send` span for one topic of a batch: it links to each record's creation context
 * (records of many traces leave in one batch, so none of them can be its parent).
 */
export function startSendSpan(topic: string, records: TracedRecord[]): Span {
  const links: Link[] = [];
  for (const record of records) {
    const linked = trace.getSpanContext(contextFromTraceparent(record.headers.traceparent));
    if (!linked) continue;
    const orderId = record.headers.ce_correlationid;
    links.push({ context: linked, attributes: orderId ? { 'ecom.order_id': orderId } : {} });
  }
  const orderIds = new Set(records.map((r) => r.headers.ce_correlationid));
  const [only] = orderIds;
  return tracer.startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      links,
      attributes: {
        ...MESSAGING,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': topic,
        'messaging.batch.message_count': records.length,
        ...(orderIds.size === 1 && only ? { 'ecom.order_id': only } : {}),
      },
    },
    ROOT_CONTEXT,
  );
}

/** A consumed record's position and identity, for its `process` span. */
export interface ProcessedRecord {
  topic: string;
  partition: number;
  offset: string;
  key?: string | null;
  traceparent: string | undefined;
  eventId?: string;
  eventType?: string;
  orderId?: string;
}

/** A consumer group's processing of one record: a child of the record's traceparent. */
export function startProcessSpan(group: string, record: ProcessedRecord): Span {
  return tracer.startSpan(
    `process ${record.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...MESSAGING,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': record.topic,
        'messaging.destination.partition.id': String(record.partition),
        'messaging.consumer.group.name': group,
        'messaging.kafka.consumer.group': group,
        'messaging.kafka.offset': Number(record.offset),
        'messaging.kafka.message.offset': Number(record.offset),
        ...(record.key ? { 'messaging.kafka.message.key': record.key } : {}),
        ...(record.eventId ? { 'messaging.message.id': record.eventId, 'cloudevents.event_id': record.eventId } : {}),
        ...(record.eventType ? { 'cloudevents.event_type': record.eventType } : {}),
        ...(record.orderId ? { 'ecom.order_id': record.orderId } : {}),
      },
    },
    contextFromTraceparent(record.traceparent),
  );
}

/** Runs `work` with `span` active (so pg queries, log lines and emitted events join it), then ends it. */
/** Runs `work` with `span` active and leaves it open: its owner ends it. */
export function withSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  return context.with(trace.setSpan(ROOT_CONTEXT, span), work);
}

export async function inSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(ROOT_CONTEXT, span), work);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

export function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/** Runs `work` outside any caller's trace (background loops kicked from a request or a handler). */
export function detached<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

/** The order an event belongs to: its payload's orderId, else the flow's correlation id. */
export function orderIdOf(data: unknown, correlationId: string | undefined): string | undefined {
  const orderId = (data as { orderId?: unknown } | null)?.orderId;
  return typeof orderId === 'string' ? orderId : correlationId;
}

/** The trace_id/span_id of the active span, for log lines; empty when nothing is traced. */
export function activeTraceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
}

/** An effect's run (the external call and the recording of its outcome), in the trace that scheduled it. */
export function startEffectSpan(kind: string, traceparent: string | undefined, orderId: string | undefined): Span {
  return tracer.startSpan(
    `effect ${kind}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: { 'ecom.effect.kind': kind, ...(orderId ? { 'ecom.order_id': orderId } : {}) },
    },
    contextFromTraceparent(traceparent),
  );
}
