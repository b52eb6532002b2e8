import { deadLetter, type IncomingRecord } from '@ecom/kit';
import { describe, expect, it } from 'vitest';
import { chunkSize, pace, processChunk } from './chunk.js';
import type { ReplayConfig } from './config.js';

/** Dead letters at offsets 10, 11, ... of ecom.dlq partition 0; `groups` says whose each is. */
function letters(groups: string[]): IncomingRecord[] {
  return groups.map((group, i) => {
    const out = deadLetter(
      {
        topic: 'ecom.orders',
        partition: 1,
        offset: String(100 + i),
        key: Buffer.from(`order-${i}`),
        value: Buffer.from('{}'),
        headers: { ce_id: `evt-${i}`, ce_type: 'ecom.order.created.v1' },
        timestamp: '0',
      },
      { group, errorClass: 'TypeError', message: 'm', attempts: 3, failedAt: new Date('2026-01-01T00:00:00Z') },
    );
    return {
      topic: 'ecom.dlq',
      partition: 0,
      offset: String(10 + i),
      key: Buffer.from(out.key ?? ''),
      value: out.value,
      headers: out.headers,
      timestamp: '0',
    };
  });
}

const zero = { matched: 0, replayed: 0, skipped: 0 };
const config = (over: Partial<ReplayConfig> = {}) => ({
  filter: { consumerGroup: 'payment' },
  source: 'ecom.dlq',
  maxMessages: 100,
  dryRun: false,
  ...over,
});

describe('processChunk', () => {
  it('replays the matches in order, counts the rest as skipped, commits after the last record', () => {
    const r = processChunk(letters(['payment', 'inventory', 'payment']), { partition: zero, total: zero }, config());
    expect(r.outgoing.map((o) => [o.topic, o.key, o.headers.ecom_replayed_from])).toEqual([
      ['ecom.orders', 'order-0', 'ecom.dlq/0/10'],
      ['ecom.orders', 'order-2', 'ecom.dlq/0/12'],
    ]);
    expect(r.counts).toEqual({ matched: 2, replayed: 2, skipped: 1 });
    expect(r.next).toBe('13');
    expect(r.limitReached).toBe(false);
    expect(r.listed).toEqual([
      expect.objectContaining({ event: 'match', offset: '10', ceId: 'evt-0', target: 'ecom.orders', replayed: true }),
      expect.objectContaining({ event: 'match', offset: '12', ceId: 'evt-2', consumerGroup: 'payment' }),
    ]);
  });

  it('a dry run lists and counts the same matches and produces nothing', () => {
    const r = processChunk(
      letters(['payment', 'inventory', 'payment']),
      { partition: zero, total: zero },
      config({ dryRun: true }),
    );
    expect(r.outgoing).toEqual([]);
    expect(r.counts).toEqual({ matched: 2, replayed: 0, skipped: 1 });
    expect(r.listed.map((l) => [l.offset, l.replayed])).toEqual([
      ['10', false],
      ['12', false],
    ]);
  });

  it('adds to the partition’s counts so far', () => {
    const r = processChunk(
      letters(['payment']),
      { partition: { matched: 4, replayed: 4, skipped: 1 }, total: { matched: 9, replayed: 9, skipped: 3 } },
      config(),
    );
    expect(r.counts).toEqual({ matched: 5, replayed: 5, skipped: 1 });
  });

  it('stops before the match one too many, so that record stays unread', () => {
    // Other partitions already matched 1 of the 2 allowed.
    const state = { partition: zero, total: { matched: 1, replayed: 1, skipped: 0 } };
    const r = processChunk(
      letters(['inventory', 'payment', 'inventory', 'payment']),
      state,
      config({ maxMessages: 2 }),
    );
    expect(r.outgoing.map((o) => o.key)).toEqual(['order-1']);
    expect(r.counts).toEqual({ matched: 1, replayed: 1, skipped: 1 });
    expect(r.next).toBe('12');
    expect(r.limitReached).toBe(true);
  });

  it('commits nothing when the limit was reached before the chunk', () => {
    const full = { matched: 2, replayed: 2, skipped: 0 };
    const r = processChunk(letters(['payment']), { partition: zero, total: full }, config({ maxMessages: 2 }));
    expect(r).toMatchObject({ outgoing: [], next: undefined, limitReached: true });
  });

  it('lists a match with nowhere to go as skipped, with the reason', () => {
    const [record] = letters(['payment']);
    if (!record) throw new Error('no record');
    delete record.headers.dlq_original_topic;
    const r = processChunk([record], { partition: zero, total: zero }, config());
    expect(r.counts).toEqual({ matched: 0, replayed: 0, skipped: 1 });
    expect(r.listed).toEqual([
      expect.objectContaining({ event: 'skip', reason: expect.stringContaining('nowhere to replay it to') }),
    ]);
  });
});

describe('pace', () => {
  it('lets the first chunk go at once and spaces the next ones by their size over the rate', () => {
    const a = pace(0, 10, 10, 1000);
    expect(a).toEqual({ waitMs: 0, nextAt: 2000 });
    const b = pace(a.nextAt, 5, 10, 1200);
    expect(b).toEqual({ waitMs: 800, nextAt: 2500 });
    // Idle time is not saved up for a burst.
    expect(pace(b.nextAt, 1, 10, 9000)).toEqual({ waitMs: 0, nextAt: 9100 });
  });

  it('keeps a chunk within a second of the rate, and at least one record', () => {
    expect([1, 7, 500, 10_000].map(chunkSize)).toEqual([1, 7, 500, 500]);
  });
});
