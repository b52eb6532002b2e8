import { describe, expect, it } from 'vitest';
import { type GroupPartitionOffsets, isRebalancing, measureLag, oldestRecordAgeSeconds } from './lag.js';

const p = (
  partition: number,
  logStart: number,
  logEnd: number,
  committed?: number,
  topic = 'orders',
): GroupPartitionOffsets => ({
  topic,
  partition,
  logStart,
  logEnd,
  ...(committed !== undefined ? { committed } : {}),
});

describe('measureLag', () => {
  it('sums log end - committed over partitions and topics', () => {
    const m = measureLag([p(0, 0, 100, 40), p(1, 0, 50, 50), p(0, 10, 30, 20, 'payments')], 'earliest');
    expect(m.totalLag).toBe(70);
    expect(m.partitions).toBe(3);
    expect(m.partitionsWithoutOffset).toBe(0);
    expect(m.topics).toEqual([
      { name: 'orders', partitions: 2, lag: 60 },
      { name: 'payments', partitions: 1, lag: 10 },
    ]);
    expect(m.positions).toEqual([
      { topic: 'orders', partition: 0, offset: 40 },
      { topic: 'payments', partition: 0, offset: 20 },
    ]);
  });

  it.each([
    {
      name: 'no committed offset, earliest: the retained log (end - start), not end - 0',
      part: p(0, 30, 100),
      policy: 'earliest',
      lag: 70,
      without: 1,
      position: 30,
    },
    { name: 'no committed offset, latest: 0', part: p(0, 30, 100), policy: 'latest', lag: 0, without: 1 },
    {
      name: 'committed offset deleted by retention, earliest: reset to the log start',
      part: p(0, 30, 100, 10),
      policy: 'earliest',
      lag: 70,
      without: 1,
      position: 30,
    },
    {
      name: 'committed offset deleted by retention, latest: 0',
      part: p(0, 30, 100, 10),
      policy: 'latest',
      lag: 0,
      without: 1,
    },
    {
      name: 'committed offset past the end (topic recreated), earliest',
      part: p(0, 0, 5, 900),
      policy: 'earliest',
      lag: 5,
      without: 1,
      position: 0,
    },
    {
      name: 'committed at the log start is a valid offset',
      part: p(0, 30, 100, 30),
      policy: 'latest',
      lag: 70,
      without: 0,
      position: 30,
    },
    { name: 'committed at the end: no lag', part: p(0, 30, 100, 100), policy: 'earliest', lag: 0, without: 0 },
    {
      name: 'empty partition without offset: no lag either way',
      part: p(0, 0, 0),
      policy: 'earliest',
      lag: 0,
      without: 1,
    },
  ] as const)('$name', ({ part, policy, lag, without, ...rest }) => {
    const m = measureLag([part], policy);
    expect(m.totalLag).toBe(lag);
    expect(m.partitionsWithoutOffset).toBe(without);
    const position = 'position' in rest ? rest.position : undefined;
    expect(m.positions).toEqual(position === undefined ? [] : [{ topic: 'orders', partition: 0, offset: position }]);
  });
});

describe('oldestRecordAgeSeconds', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const positions = [
    { topic: 'orders', partition: 0, offset: 5 },
    { topic: 'orders', partition: 1, offset: 9 },
  ];
  it('is the age of the oldest record waiting, in whole seconds', () => {
    const ts = new Map([
      ['orders/0', now.getTime() - 42_500],
      ['orders/1', now.getTime() - 600_000],
    ]);
    expect(oldestRecordAgeSeconds(positions, ts, now)).toBe(600);
  });
  it('is 0 with nothing waiting, skips records that are gone, and never goes negative', () => {
    expect(oldestRecordAgeSeconds([], new Map(), now)).toBe(0);
    expect(oldestRecordAgeSeconds(positions, new Map([['orders/1', now.getTime() - 3000]]), now)).toBe(3);
    expect(oldestRecordAgeSeconds(positions, new Map([['orders/0', now.getTime() + 5000]]), now)).toBe(0);
  });
});

describe('isRebalancing', () => {
  it.each([
    ['PreparingRebalance', true],
    ['CompletingRebalance', true],
    ['Stable', false],
    ['Empty', false],
    ['Dead', false],
  ])('%s: %s', (state, expected) => expect(isRebalancing(state)).toBe(expected));
});
