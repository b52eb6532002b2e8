import { deadLetter, type IncomingRecord } from '@ecom/kit';
import { describe, expect, it } from 'vitest';
import type { ReplayFilter } from './config.js';
import { replayRecord, select } from './select.js';

const cloudEvent = {
  ce_specversion: '1.0',
  ce_id: 'evt-1',
  ce_source: '/ecom/order',
  ce_type: 'ecom.order.created.v1',
  ce_time: '2026-03-01T10:00:00.000Z',
  ce_subject: 'order-1',
  ce_correlationid: 'order-1',
  ce_causationid: 'req-1',
  ce_dataschema: 'https://ecom.dev/schemas/events/ecom.order.created.v1.json',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'content-type': 'application/json',
};

/** A dead letter as the kit's consumer runner writes it, read back from ecom.dlq at partition 2. */
function letter(
  over: { topic?: string; group?: string; errorClass?: string; key?: string | null; failedAt?: string } = {},
  offset = '40',
): IncomingRecord {
  const out = deadLetter(
    {
      topic: over.topic ?? 'ecom.orders',
      partition: 5,
      offset: '123',
      key: over.key === null ? null : Buffer.from(over.key ?? 'order-1'),
      value: Buffer.from('{"orderId":"order-1"}'),
      headers: cloudEvent,
      timestamp: '1772359200000',
    },
    {
      group: over.group ?? 'payment',
      errorClass: over.errorClass ?? 'SchemaViolation',
      message: 'bad',
      stack: 'Error: bad\n    at x',
      attempts: 3,
      failedAt: new Date(over.failedAt ?? '2026-03-01T10:00:05.000Z'),
    },
  );
  return {
    topic: 'ecom.dlq',
    partition: 2,
    offset,
    key: out.key === null ? null : Buffer.from(out.key),
    value: out.value,
    headers: out.headers,
    timestamp: '1772359205100',
  };
}

const all = { filter: {}, source: 'ecom.dlq' };
const only = (filter: ReplayFilter) => ({ filter, source: 'ecom.dlq' });

describe('select: the filter (every field set must match)', () => {
  const cases: Array<[string, ReplayFilter, IncomingRecord, boolean]> = [
    ['empty filter takes everything', {}, letter(), true],
    ['original topic matches', { originalTopic: 'ecom.orders' }, letter(), true],
    ['original topic differs', { originalTopic: 'ecom.payments' }, letter(), false],
    ['consumer group matches', { consumerGroup: 'payment' }, letter(), true],
    ['consumer group differs', { consumerGroup: 'inventory' }, letter(), false],
    ['error class matches', { errorClass: 'SchemaViolation' }, letter(), true],
    ['error class differs', { errorClass: 'InvalidJson' }, letter(), false],
    ['key matches', { key: 'order-1' }, letter(), true],
    ['key differs', { key: 'order-2' }, letter(), false],
    ['no key never matches a key filter', { key: 'order-1' }, letter({ key: null }), false],
    ['since is inclusive', { since: new Date('2026-03-01T10:00:05.000Z') }, letter(), true],
    ['failed before since', { since: new Date('2026-03-01T10:00:05.001Z') }, letter(), false],
    ['until is exclusive', { until: new Date('2026-03-01T10:00:05.000Z') }, letter(), false],
    ['failed before until', { until: new Date('2026-03-01T10:00:05.001Z') }, letter(), true],
    [
      'all fields ANDed, all matching',
      { originalTopic: 'ecom.orders', consumerGroup: 'payment', errorClass: 'SchemaViolation', key: 'order-1' },
      letter(),
      true,
    ],
    [
      'all fields ANDed, one differing',
      { originalTopic: 'ecom.orders', consumerGroup: 'payment', errorClass: 'TypeError', key: 'order-1' },
      letter(),
      false,
    ],
  ];
  it.each(cases)('%s', (_name, filter, record, matches) => {
    expect(select(record, only(filter)).kind).toBe(matches ? 'match' : 'skip');
  });

  it('uses the dead letter timestamp when dlq_failed_at is missing', () => {
    const record = letter();
    delete record.headers.dlq_failed_at;
    // timestamp 1772359205100 = 2026-03-01T10:00:05.100Z
    expect(select(record, only({ since: new Date('2026-03-01T10:00:05.100Z') })).kind).toBe('match');
    expect(select(record, only({ since: new Date('2026-03-01T10:00:05.101Z') })).kind).toBe('skip');
  });
});

describe('select: where a match goes', () => {
  it('back to the topic it failed on, or to the target', () => {
    expect(select(letter({ topic: 'ecom.payments' }), all)).toMatchObject({ kind: 'match', target: 'ecom.payments' });
    expect(select(letter(), { ...all, target: 'retry.topic' })).toMatchObject({ kind: 'match', target: 'retry.topic' });
  });

  it('nowhere, when it has no original topic and there is no target', () => {
    const record = letter();
    delete record.headers.dlq_original_topic;
    expect(select(record, all)).toMatchObject({ kind: 'skip', reason: 'no-original-topic' });
    expect(select(record, { ...all, target: 't' })).toMatchObject({ kind: 'match', target: 't' });
  });

  it('not into the dead-letter topic itself', () => {
    expect(select(letter({ topic: 'ecom.dlq' }), all)).toMatchObject({ kind: 'skip', reason: 'target-is-source' });
  });
});

describe('replayRecord', () => {
  it('keeps key, value, ce_id and every CloudEvents header, drops the error headers, names its dead letter', () => {
    const record = letter({}, '40');
    const out = replayRecord(record, 'ecom.orders');
    expect(out).toEqual({
      topic: 'ecom.orders',
      key: 'order-1',
      value: Buffer.from('{"orderId":"order-1"}'),
      headers: { ...cloudEvent, ecom_replayed_from: 'ecom.dlq/2/40' },
    });
  });

  it('a dead letter of a replay points at its own position, not at the older one', () => {
    const again = letter();
    again.headers.ecom_replayed_from = 'ecom.dlq/0/7';
    expect(replayRecord(again, 'ecom.orders').headers.ecom_replayed_from).toBe('ecom.dlq/2/40');
  });

  it('keeps a missing key missing and an empty value empty', () => {
    const record = { ...letter({ key: null }), value: null };
    expect(replayRecord(record, 't')).toMatchObject({ key: null, value: Buffer.alloc(0) });
  });
});
