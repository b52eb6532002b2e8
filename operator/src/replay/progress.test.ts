import { describe, expect, it } from 'vitest';
import type { ReplayConfig } from './config.js';
import { decodeProgress, encodeProgress, planReplay, specFingerprint, totalCounts } from './progress.js';

const spec = 'abc';
const meta = (stop: string, matched: number, replayed: number, skipped: number, s = spec) =>
  encodeProgress({ spec: s, stop, matched, replayed, skipped });
const bounds = [
  { partition: 0, low: '0', high: '10' },
  { partition: 1, low: '5', high: '5' },
  { partition: 2, low: '3', high: '20' },
];
const none = (partition: number) => ({ partition, offset: '-1', metadata: null });

describe('progress metadata', () => {
  it('round-trips, and anything else is not a replay progress', () => {
    const p = { spec: 'x', stop: '42', matched: 3, replayed: 2, skipped: 9 };
    expect(decodeProgress(encodeProgress(p))).toEqual(p);
    for (const other of [null, '', 'not json', '{}', '{"v":2}', '{"v":1,"spec":"x","stop":"-1"}', 'null']) {
      expect(decodeProgress(other)).toBeUndefined();
    }
    expect(decodeProgress(JSON.stringify({ v: 1, spec: 'x', stop: '1', matched: -1, replayed: 0, skipped: 0 }))).toBe(
      undefined,
    );
  });

  it('totals sum every partition a replay committed, and say whether it started', () => {
    expect(
      totalCounts([
        { partition: 0, offset: '4', metadata: meta('10', 2, 2, 2) },
        { partition: 1, offset: '-1', metadata: null },
        { partition: 2, offset: '9', metadata: meta('20', 1, 1, 5) },
      ]),
    ).toEqual({ counts: { matched: 3, replayed: 3, skipped: 7 }, started: true });
    expect(totalCounts([none(0), none(1)])).toEqual({
      counts: { matched: 0, replayed: 0, skipped: 0 },
      started: false,
    });
  });
});

describe('specFingerprint', () => {
  const base: Pick<ReplayConfig, 'source' | 'filter' | 'target' | 'maxMessages' | 'dryRun'> = {
    source: 'ecom.dlq',
    filter: { consumerGroup: 'payment', since: new Date('2026-01-01T00:00:00Z') },
    maxMessages: 10,
    dryRun: false,
  };
  it('changes with anything that changes what a replay does, and only then', () => {
    const f = specFingerprint(base);
    expect(specFingerprint({ ...base, filter: { ...base.filter } })).toBe(f);
    for (const changed of [
      { ...base, source: 'other.dlq' },
      { ...base, filter: { consumerGroup: 'inventory', since: base.filter.since } },
      { ...base, filter: { consumerGroup: 'payment' } },
      { ...base, target: 'x' },
      { ...base, maxMessages: 11 },
      { ...base, dryRun: true },
    ]) {
      expect(specFingerprint(changed)).not.toBe(f);
    }
  });
});

describe('planReplay', () => {
  it('a fresh replay reads every partition from its log start to today’s log end', () => {
    expect(planReplay({ group: 'g', spec, bounds, committed: bounds.map((b) => none(b.partition)) })).toEqual({
      ok: true,
      partitions: [
        { partition: 0, from: '0', stop: '10', counts: { matched: 0, replayed: 0, skipped: 0 }, fresh: true },
        { partition: 1, from: '5', stop: '5', counts: { matched: 0, replayed: 0, skipped: 0 }, fresh: true },
        { partition: 2, from: '3', stop: '20', counts: { matched: 0, replayed: 0, skipped: 0 }, fresh: true },
      ],
    });
  });

  it('with since, starts at its first offset, never before the log start nor past the end', () => {
    const startAt = new Map([
      [0, '7'],
      [1, '5'],
      [2, '99'],
    ]);
    const plan = planReplay({ group: 'g', spec, bounds, committed: [], startAt });
    expect(plan.ok && plan.partitions.map((p) => [p.from, p.stop])).toEqual([
      ['7', '10'],
      ['5', '5'],
      ['20', '20'],
    ]);
  });

  it('a resumed replay continues at its commits with the stops and counts it recorded', () => {
    const plan = planReplay({
      group: 'g',
      spec,
      // The log grew since: the recorded stops hold, so later dead letters are not read.
      bounds: bounds.map((b) => ({ ...b, high: '100' })),
      committed: [
        { partition: 0, offset: '6', metadata: meta('10', 1, 1, 5) },
        { partition: 1, offset: '5', metadata: meta('5', 0, 0, 0) },
        { partition: 2, offset: '2', metadata: meta('20', 0, 0, 0) },
      ],
    });
    expect(plan).toEqual({
      ok: true,
      partitions: [
        { partition: 0, from: '6', stop: '10', counts: { matched: 1, replayed: 1, skipped: 5 }, fresh: false },
        { partition: 1, from: '5', stop: '5', counts: { matched: 0, replayed: 0, skipped: 0 }, fresh: false },
        // retention moved the log start past the commit
        { partition: 2, from: '3', stop: '20', counts: { matched: 0, replayed: 0, skipped: 0 }, fresh: false },
      ],
    });
  });

  it('refuses a group holding another replay’s progress, or offsets no replay wrote', () => {
    const other = planReplay({
      group: 'g',
      spec,
      bounds,
      committed: [{ partition: 0, offset: '6', metadata: meta('10', 1, 1, 5, 'other') }],
    });
    expect(other).toEqual({ ok: false, message: expect.stringContaining('holds the progress of a different replay') });
    const foreign = planReplay({
      group: 'payment',
      spec,
      bounds,
      committed: [{ partition: 2, offset: '6', metadata: '' }],
    });
    expect(foreign).toEqual({
      ok: false,
      message: expect.stringContaining('consumer group payment has offsets on partition 2 that no replay wrote'),
    });
  });
});
