import { allEventTypes, EVENT_CATALOG, type EventType, eventSchema, isEventType } from '@ecom/schemas';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { IncomingRecord, OutgoingRecord } from '../kafka/records.js';
import type { Event } from './event.js';

/** Why a record could not become an event; becomes the `error class` header of its dead letter. */
export type DecodeErrorClass = 'InvalidEnvelope' | 'UnknownEventType' | 'InvalidJson' | 'SchemaViolation';

export class EventDecodeError extends Error {
  constructor(
    readonly errorClass: DecodeErrorClass,
    message: string,
  ) {
    super(message);
    this.name = errorClass;
  }
}

/** A service emitted a type its definition does not declare in `produces` (its Kafka ACLs would refuse it). */
export class UndeclaredEventError extends Error {
  constructor(type: string, produces: readonly string[]) {
    super(
      `${type} is not among the event types this service declares it produces (${produces.join(', ') || 'none'}); ` +
        "add it to the service definition's produces, from which its Kafka ACLs are generated",
    );
    this.name = 'UndeclaredEventError';
  }
}

export class EventSchemaError extends Error {
  constructor(type: string, errors: ErrorObject[] | null | undefined) {
    super(`${type} payload does not match its schema: ${describeErrors(errors)}`);
    this.name = 'SchemaViolation';
  }
}

const REQUIRED_HEADERS = ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_subject'] as const;

/**
 * CloudEvents 1.0 in Kafka binary content mode: attributes in `ce_*` headers, the JSON payload as
 * the record value, validated against schemas/ both ways. Validators are compiled once per codec.
 */
export class EventCodec {
  private readonly validators: Map<EventType, ValidateFunction>;
  private readonly produces: ReadonlySet<EventType> | undefined;

  /** `produces`: the only types `encode` accepts (a service's declaration); unset accepts all (tests, tools). */
  constructor(options: { produces?: readonly EventType[] } = {}) {
    this.produces = options.produces ? new Set(options.produces) : undefined;
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv, ['uuid', 'date-time', 'date', 'email', 'uri']);
    this.validators = new Map(allEventTypes().map((type) => [type, ajv.compile(eventSchema(type))]));
  }

  encode(event: Event): OutgoingRecord {
    if (this.produces && !this.produces.has(event.type)) throw new UndeclaredEventError(event.type, [...this.produces]);
    this.validate(event.type, event.data);
    const route = EVENT_CATALOG[event.type];
    const headers: Record<string, string> = {
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_source: event.source,
      ce_type: event.type,
      ce_time: event.time,
      ce_subject: event.subject,
      ce_dataschema: event.dataschema,
      ce_correlationid: event.correlationId,
      traceparent: event.traceparent,
      'content-type': 'application/json',
    };
    if (event.causationId) headers.ce_causationid = event.causationId;
    const key = (event.data as unknown as Record<string, unknown>)[route.key];
    return { topic: route.topic, key: String(key), value: Buffer.from(JSON.stringify(event.data)), headers };
  }

  /** Turns a fetched record into an event, or throws EventDecodeError saying exactly what is wrong. */
  decode(record: Pick<IncomingRecord, 'headers' | 'value'>): Event {
    const h = record.headers;
    const missing = REQUIRED_HEADERS.filter((name) => !h[name]);
    if (missing.length > 0)
      throw new EventDecodeError('InvalidEnvelope', `missing CloudEvents headers: ${missing.join(', ')}`);
    if (h.ce_specversion !== '1.0') {
      throw new EventDecodeError('InvalidEnvelope', `ce_specversion must be 1.0, got ${h.ce_specversion}`);
    }
    const contentType = h['content-type'];
    if (contentType !== undefined && !contentType.startsWith('application/json')) {
      throw new EventDecodeError('InvalidEnvelope', `content-type must be application/json, got ${contentType}`);
    }
    const type = h.ce_type as string;
    if (!isEventType(type)) throw new EventDecodeError('UnknownEventType', `unknown ce_type ${type}`);
    let data: unknown;
    try {
      data = JSON.parse(record.value?.toString('utf8') ?? '');
    } catch (error) {
      throw new EventDecodeError('InvalidJson', `value is not JSON: ${(error as Error).message}`);
    }
    const validate = this.validators.get(type) as ValidateFunction;
    if (!validate(data))
      throw new EventDecodeError('SchemaViolation', new EventSchemaError(type, validate.errors).message);
    return {
      id: h.ce_id as string,
      type,
      source: h.ce_source as string,
      subject: h.ce_subject as string,
      time: h.ce_time as string,
      dataschema: h.ce_dataschema ?? '',
      traceparent: h.traceparent ?? '',
      correlationId: h.ce_correlationid ?? (h.ce_subject as string),
      ...(h.ce_causationid ? { causationId: h.ce_causationid } : {}),
      data,
    } as Event;
  }

  validate(type: EventType, data: unknown): void {
    const validate = this.validators.get(type);
    if (!validate) throw new EventSchemaError(type, null);
    if (!validate(data)) throw new EventSchemaError(type, validate.errors);
  }
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'unknown event type';
  return errors
    .map((e) => {
      const field = e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty}` : e.instancePath || '/';
      return `${field} ${e.message}`;
    })
    .join('; ');
}
