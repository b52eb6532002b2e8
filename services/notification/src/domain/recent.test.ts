import { describe, expect, it } from 'vitest';
import { RecentIds } from './recent.js';

describe('RecentIds', () => {
  it('remembers ids up to its capacity and forgets the oldest first', () => {
    const recent = new RecentIds(2);
    recent.add('a');
    recent.add('b');
    recent.add('c');
    expect(recent.has('a')).toBe(false);
    expect(recent.has('b')).toBe(true);
    expect(recent.has('c')).toBe(true);
    expect(recent.size).toBe(2);
  });

  it('re-adding an id makes it the newest', () => {
    const recent = new RecentIds(2);
    recent.add('a');
    recent.add('b');
    recent.add('a');
    recent.add('c');
    expect(recent.has('a')).toBe(true);
    expect(recent.has('b')).toBe(false);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(/positive integer/);
  });
});
