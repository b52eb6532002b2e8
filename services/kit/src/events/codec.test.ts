import { describe, expect, it } from 'vitest';
import { EventCodec, EventDecodeError, UndeclaredEventError } from './codec.js';
import { causedBy, createEvent } from './event.js';
import { traceIdOf } from './trace.js';

const codec = new EventCodec();
const orderId = '0b9a4d1e-6a43-4f0f-9d1c-2a1b6c7d8e9f';
const created = createEvent(
  'order',
  'ecom.order.created.v1',
  {
    orderId,
    customerId: 'c-1',
    items: [{ productId: 'p-1', quantity: 2, price: '10.50' }],
    totalAmount: '21.00',
    currency: 'EUR',
    paymentMethod: 'card',
    status: 'CREATED',
    orderDate: '2026-11-23T10:00:00.000Z',
  },
  { correlationId: orderId },
);

function decodeError(headers: Record<string, string>, value: string | null): EventDecodeError {
  try {
    codec.decode({ headers, value: value === null ? null : Buffer.from(value) });
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
  throw new Error('decode accepted the record');
}

describe('EventCodec', () => {
  it('puts every CloudEvents attribute in its header, the key from the catalog, and round-trips', () => {
    const record = codec.encode(created);
    expect(record.topic).toBe('ecom.orders');
    expect(record.key).toBe(orderId);
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: created.id,
      ce_source: '/ecom/order',
      ce_type: 'ecom.order.created.v1',
      ce_time: created.time,
      ce_subject: orderId,
      ce_dataschema: 'https://ecom.dev/schemas/events/ecom.order.created.v1.json',
      ce_correlationid: orderId,
      traceparent: created.traceparent,
      'content-type': 'application/json',
    });
    expect(codec.decode(record)).toEqual(created);
  });

  it("refuses to encode a type outside the service's declared produces, naming it and the declared ones", () => {
    const payments = new EventCodec({ produces: ['ecom.payment.processed.v1', 'ecom.payment.refunded.v1'] });
    expect(() => payments.encode(created)).toThrow(UndeclaredEventError);
    expect(() => payments.encode(created)).toThrow(
      /ecom\.order\.created\.v1 is not among .*\(ecom\.payment\.processed\.v1, ecom\.payment\.refunded\.v1\)/,
    );
    expect(new EventCodec({ produces: ['ecom.order.created.v1'] }).encode(created).topic).toBe('ecom.orders');
  });

  it('carries correlation, causation and the trace into caused events', () => {
    const reserved = createEvent(
      'inventory',
      'ecom.inventory.stock-reserved.v1',
      { orderId, reservationId: '7c1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b', items: [{ productId: 'p-1', quantity: 2 }] },
      causedBy(created),
    );
    const record = codec.encode(reserved);
    expect(record.headers.ce_causationid).toBe(created.id);
    expect(record.headers.ce_correlationid).toBe(orderId);
    expect(traceIdOf(record.headers.traceparent as string)).toBe(traceIdOf(created.traceparent));
    expect(record.headers.traceparent).not.toBe(created.traceparent);
    expect(codec.decode(record)).toEqual(reserved);
  });

  it('refuses to encode a payload that breaks its schema', () => {
    const bad = { ...created, data: { ...created.data, totalAmount: 21.5 } } as unknown as typeof created;
    expect(() => codec.encode(bad)).toThrow(/\/totalAmount must be string/);
  });

  it('rejects a record missing required headers, naming them', () => {
    const { headers, value } = codec.encode(created);
    const { ce_id: _id, ce_type: _type, ...rest } = headers;
    const error = decodeError(rest, value.toString());
    expect(error.errorClass).toBe('InvalidEnvelope');
    expect(error.message).toBe('missing CloudEvents headers: ce_id, ce_type');
  });

  it('rejects an unknown type, a wrong specversion, non-JSON and a schema violation with distinct classes', () => {
    const { headers, value } = codec.encode(created);
    expect(decodeError({ ...headers, ce_type: 'ecom.nope.v1' }, value.toString()).errorClass).toBe('UnknownEventType');
    expect(decodeError({ ...headers, ce_specversion: '0.3' }, value.toString()).message).toContain('ce_specversion');
    expect(decodeError(headers, '{not json').errorClass).toBe('InvalidJson');
    const violation = decodeError(headers, JSON.stringify({ ...created.data, items: [], customerId: undefined }));
    expect(violation.errorClass).toBe('SchemaViolation');
    expect(violation.message).toContain('/items must NOT have fewer than 1 items');
    expect(violation.message).toContain('/customerId must have required property');
  });
});
