import { describe, expect, it } from 'vitest';
import { byTopic, PendingOffsets } from './pending-offsets.js';

describe('PendingOffsets', () => {
  it('keeps only the latest offset of each partition, and take() empties it', () => {
    const pending = new PendingOffsets();
    pending.set('a', 0, '5');
    pending.set('a', 1, '3');
    pending.set('a', 0, '9');
    pending.set('b', 0, '2');
    expect(pending.size).toBe(3);
    expect(pending.take()).toEqual([
      { topic: 'a', partition: 0, offset: '9' },
      { topic: 'a', partition: 1, offset: '3' },
      { topic: 'b', partition: 0, offset: '2' },
    ]);
    expect(pending.size).toBe(0);
    expect(pending.take()).toEqual([]);
  });

  it('restore() puts a failed commit back without overwriting a partition that moved on meanwhile', () => {
    const pending = new PendingOffsets();
    pending.set('a', 0, '5');
    pending.set('a', 1, '3');
    const taken = pending.take();
    pending.set('a', 0, '7');
    pending.restore(taken);
    expect(pending.take()).toEqual([
      { topic: 'a', partition: 0, offset: '7' },
      { topic: 'a', partition: 1, offset: '3' },
    ]);
  });

  it('clear() forgets everything', () => {
    const pending = new PendingOffsets();
    pending.set('a', 0, '5');
    pending.clear();
    expect(pending.size).toBe(0);
  });

  it('tells a topic named like another plus a partition apart', () => {
    const pending = new PendingOffsets();
    pending.set('a1', 0, '1');
    pending.set('a', 10, '2');
    expect(pending.size).toBe(2);
  });
});

describe('byTopic', () => {
  it('groups partitions under their topic, in first-seen order', () => {
    expect(
      byTopic([
        { topic: 'a', partition: 0, offset: '9' },
        { topic: 'b', partition: 2, offset: '1' },
        { topic: 'a', partition: 1, offset: '3' },
      ]),
    ).toEqual([
      {
        topic: 'a',
        partitions: [
          { partition: 0, offset: '9' },
          { partition: 1, offset: '3' },
        ],
      },
      { topic: 'b', partitions: [{ partition: 2, offset: '1' }] },
    ]);
  });
});
