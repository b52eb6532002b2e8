import { randomUUID } from 'node:crypto';
import { dataSchemaUri, EVENT_CATALOG, type EventPayloads, type EventType } from '@ecom/schemas';
import { childTraceparent } from './trace.js';

/** A CloudEvents 1.0 event as the services see it; on Kafka it travels in binary content mode. */
export interface Event<T extends EventType = EventType> {
  id: string;
  type: T;
  /** `/ecom/<service>` */
  source: string;
  subject: string;
  time: string;
  dataschema: string;
  traceparent: string;
  /** The orderId or request id that started the flow. */
  correlationId: string;
  /** `id` of the event that caused this one; absent for the first event of a flow. */
  causationId?: string;
  data: EventPayloads[T];
}

/** Where a new event sits in its flow. */
export interface EventContext {
  correlationId: string;
  causationId?: string;
  traceparent?: string;
}

/** The context for events caused by `cause`: same correlation and trace, caused by its id. */
export function causedBy(cause: Event): EventContext {
  return { correlationId: cause.correlationId, causationId: cause.id, traceparent: cause.traceparent };
}

export function createEvent<T extends EventType>(
  service: string,
  type: T,
  data: EventPayloads[T],
  context: EventContext,
  /** The traceparent of the span that writes it (telemetry on); a generated child of the cause's otherwise. */
  traceparent?: string,
): Event<T> {
  const route = EVENT_CATALOG[type];
  return {
    id: randomUUID(),
    type,
    source: `/ecom/${service}`,
    subject: String(data[route.subject]),
    time: new Date().toISOString(),
    dataschema: dataSchemaUri(type),
    traceparent: traceparent ?? childTraceparent(context.traceparent),
    correlationId: context.correlationId,
    ...(context.causationId ? { causationId: context.causationId } : {}),
    data,
  };
}
