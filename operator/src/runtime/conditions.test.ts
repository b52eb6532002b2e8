import { describe, expect, it } from 'vitest';
import { jsonEqual, setCondition } from './conditions.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T01:00:00Z');

describe('setCondition', () => {
  it('adds a new condition stamped now', () => {
    expect(
      setCondition(undefined, { type: 'Ready', status: 'True', reason: 'R', message: 'm', observedGeneration: 1 }, t0),
    ).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'R',
        message: 'm',
        lastTransitionTime: t0.toISOString(),
        observedGeneration: 1,
      },
    ]);
  });

  it('keeps lastTransitionTime when the status is unchanged, even if reason and message change', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, t0);
    const next = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, t1);
    expect(next[0]).toMatchObject({ reason: 'B', message: 'b', lastTransitionTime: t0.toISOString() });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, t0);
    expect(
      setCondition(first, { type: 'Ready', status: 'True', reason: 'A', message: 'a' }, t1)[0]?.lastTransitionTime,
    ).toBe(t1.toISOString());
  });

  it('leaves other conditions in place and does not mutate its input', () => {
    const input = [{ type: 'Other', status: 'True' as const, reason: 'X', message: 'x', lastTransitionTime: 'old' }];
    const out = setCondition(input, { type: 'Ready', status: 'True', reason: 'R', message: 'm' }, t0);
    expect(out.map((c) => c.type)).toEqual(['Other', 'Ready']);
    expect(input).toHaveLength(1);
  });
});

describe('jsonEqual', () => {
  it('ignores key order and undefined values', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }], d: undefined }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
