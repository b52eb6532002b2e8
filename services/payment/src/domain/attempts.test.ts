import { describe, expect, it } from 'vitest';
import { AttemptCounter, onTransientFailure } from './attempts.js';

describe('transient failure policy', () => {
  it('retries until the attempt that reaches the limit', () => {
    expect(onTransientFailure(1, 3)).toBe('retry');
    expect(onTransientFailure(2, 3)).toBe('retry');
    expect(onTransientFailure(3, 3)).toBe('give-up');
    expect(onTransientFailure(1, 1)).toBe('give-up');
  });

  it('counts attempts per key until settled', () => {
    const counter = new AttemptCounter();
    expect(counter.next('a')).toBe(1);
    expect(counter.next('a')).toBe(2);
    expect(counter.next('b')).toBe(1);
    counter.settle('a');
    expect(counter.next('a')).toBe(1);
  });
});
