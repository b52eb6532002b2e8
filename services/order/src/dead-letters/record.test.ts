import { deadLetter, type IncomingRecord } from '@ecom/kit';
import { describe, expect, it } from 'vitest';
import { deadLetterRow, groupOfSource, parsePosition } from './record.js';

const ORDER = '5b1f8a52-2a6e-4b8e-9d4e-2f6f3a7c9d10';
const OTHER = '0c2b3e64-1111-4b8e-9d4e-2f6f3a7c9d10';

function dlqRecord(headers: Record<string, string>, key: string | null = ORDER): IncomingRecord {
  const letter = deadLetter(
    {
      topic: 'ecom.payments',
      partition: 3,
      offset: '77',
      key: key ? Buffer.from(key) : null,
      value: null,
      headers,
      timestamp: '0',
    },
    {
      group: 'inventory',
      errorClass: 'TypeError',
      message: 'x is undefined',
      attempts: 3,
      failedAt: new Date('2026-02-01T00:00:00Z'),
    },
  );
  return {
    topic: 'ecom.dlq',
    partition: 1,
    offset: '12',
    key: letter.key === null ? null : Buffer.from(letter.key),
    value: letter.value,
    headers: letter.headers,
    timestamp: '1',
  };
}

describe('deadLetterRow', () => {
  it('takes the position, the failure and the event from a dead letter', () => {
    const row = deadLetterRow(
      dlqRecord({ ce_id: 'e1', ce_type: 'ecom.payment.processed.v1', ce_correlationid: ORDER, ce_subject: 'pay-1' }),
    );
    expect(row).toEqual({
      position: { topic: 'ecom.dlq', partition: 1, offset: '12' },
      orderCandidates: [ORDER],
      ceId: 'e1',
      ceType: 'ecom.payment.processed.v1',
      originalTopic: 'ecom.payments',
      consumerGroup: 'inventory',
      errorClass: 'TypeError',
      errorMessage: 'x is undefined',
      failedAt: new Date('2026-02-01T00:00:00Z'),
    });
  });

  it('looks for the order in the correlation id, then the subject, then the key, UUIDs only', () => {
    expect(
      deadLetterRow(dlqRecord({ ce_correlationid: 'req-9', ce_subject: OTHER.toUpperCase() })).orderCandidates,
    ).toEqual([OTHER, ORDER]);
    expect(deadLetterRow(dlqRecord({ ce_subject: 'sku-1' }, 'sku-1')).orderCandidates).toEqual([]);
  });

  it('knows the dead letter a replayed record came from', () => {
    expect(deadLetterRow(dlqRecord({ ecom_replayed_from: 'ecom.dlq/2/40' })).replayedFrom).toEqual({
      topic: 'ecom.dlq',
      partition: 2,
      offset: '40',
    });
  });
});

describe('parsePosition', () => {
  it('reads topic/partition/offset and nothing else', () => {
    expect(parsePosition('my.dlq/0/9')).toEqual({ topic: 'my.dlq', partition: 0, offset: '9' });
    for (const bad of [undefined, '', 'ecom.dlq/0', 'ecom.dlq/a/1', 'a/b/1/2', 'ecom.dlq/-1/3']) {
      expect(parsePosition(bad)).toBeUndefined();
    }
  });
});

describe('groupOfSource', () => {
  it('is the service of an /ecom/<service> source', () => {
    expect(groupOfSource('/ecom/payment')).toBe('payment');
    expect(groupOfSource('/test')).toBeUndefined();
    expect(groupOfSource('/ecom/payment/extra')).toBeUndefined();
  });
});
