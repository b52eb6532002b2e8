import { describe, expect, it } from 'vitest';
import { distribution, percentile } from './stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('is a value that occurred: p50 of 1..100 is 50, p99 is 99, not the maximum', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('rounds the rank up between values', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('of one value is that value; of none is null', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('distribution', () => {
  it('sorts its input, ignores non-numbers and reports count and max', () => {
    expect(distribution([30, Number.NaN, 10, 20])).toEqual({ count: 3, p50: 20, p95: 30, p99: 30, max: 30 });
  });

  it('is all null for no values', () => {
    expect(distribution([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });
});
