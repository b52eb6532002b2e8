import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  it('doubles per failure from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 100].map((n) => backoffDelay(n, opts))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('is zero before any failure', () => {
    expect(backoffDelay(0, opts)).toBe(0);
  });
});
