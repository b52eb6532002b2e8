import { describe, expect, it } from 'vitest';
import { deadLetter, isDeadLetterHeader, readDeadLetter, retryDelayMs } from './dead-letter.js';

describe('deadLetter', () => {
  it('keeps the original key, value and headers and adds every error header', () => {
    const record = {
      topic: 'ecom.orders',
      partition: 2,
      offset: '41',
      key: Buffer.from('order-1'),
      value: Buffer.from('{"x":1}'),
      headers: { ce_id: 'e-1', ce_type: 'ecom.order.created.v1' },
      timestamp: '1700000000000',
    };
    const failedAt = new Date('2026-11-23T10:00:00Z');
    const letter = deadLetter(record, {
      group: 'payment',
      errorClass: 'TypeError',
      message: 'boom',
      stack: 'x'.repeat(5000),
      attempts: 3,
      failedAt,
    });
    expect(letter.topic).toBe('ecom.dlq');
    expect(letter.key).toBe('order-1');
    expect(letter.value).toEqual(record.value);
    expect(letter.headers).toMatchObject({
      ce_id: 'e-1',
      ce_type: 'ecom.order.created.v1',
      dlq_original_topic: 'ecom.orders',
      dlq_original_partition: '2',
      dlq_original_offset: '41',
      dlq_original_timestamp: '1700000000000',
      dlq_consumer_group: 'payment',
      dlq_error_class: 'TypeError',
      dlq_error_message: 'boom',
      dlq_attempts: '3',
      dlq_failed_at: '2026-11-23T10:00:00.000Z',
    });
    expect(letter.headers.dlq_error_stack).toHaveLength(2000);
  });

  it('dead-letters a record with no key or value', () => {
    const letter = deadLetter(
      { topic: 't', partition: 0, offset: '0', key: null, value: null, headers: {}, timestamp: '0' },
      { group: 'g', errorClass: 'InvalidEnvelope', message: 'm', attempts: 1, failedAt: new Date(0) },
    );
    expect(letter.key).toBeNull();
    expect(letter.value).toEqual(Buffer.alloc(0));
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base and caps at 30 s', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 100))).toEqual([100, 200, 400, 800]);
    expect(retryDelayMs(20, 1000)).toBe(30_000);
  });
});

describe('readDeadLetter', () => {
  it('reads back what deadLetter wrote', () => {
    const failedAt = new Date('2026-11-23T10:00:00Z');
    const letter = deadLetter(
      { topic: 'ecom.orders', partition: 4, offset: '17', key: null, value: null, headers: {}, timestamp: '5' },
      { group: 'payment', errorClass: 'SchemaViolation', message: 'bad', attempts: 3, failedAt },
    );
    expect(readDeadLetter(letter.headers)).toEqual({
      originalTopic: 'ecom.orders',
      originalPartition: 4,
      originalOffset: '17',
      consumerGroup: 'payment',
      errorClass: 'SchemaViolation',
      errorMessage: 'bad',
      attempts: 3,
      failedAt,
    });
  });

  it('leaves out missing and malformed headers instead of guessing', () => {
    expect(
      readDeadLetter({
        dlq_original_partition: 'two',
        dlq_original_offset: '-1',
        dlq_attempts: '',
        dlq_failed_at: 'yesterday',
        ecom_replayed_from: 'ecom.dlq/1/9',
      }),
    ).toEqual({ replayedFrom: 'ecom.dlq/1/9' });
  });
});

describe('isDeadLetterHeader', () => {
  it('is true for exactly the error headers a dead letter adds', () => {
    const added = Object.keys(
      deadLetter(
        { topic: 't', partition: 0, offset: '0', key: null, value: null, headers: {}, timestamp: '0' },
        { group: 'g', errorClass: 'E', message: 'm', attempts: 1, failedAt: new Date(0) },
      ).headers,
    );
    expect(added.length).toBeGreaterThan(0);
    expect(added.every(isDeadLetterHeader)).toBe(true);
    expect(['ce_id', 'traceparent', 'dlq_custom', 'ecom_replayed_from'].some(isDeadLetterHeader)).toBe(false);
  });
});
