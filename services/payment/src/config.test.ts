import { describe, expect, it } from 'vitest';
import { fractionSetting, moneySetting } from './config.js';

describe('payment settings', () => {
  it('parses a fraction in [0, 1]', () => {
    const s = fractionSetting('X', 'x', 0);
    expect(s.parse(undefined, {})).toBe(0);
    expect(s.parse('0.25', {})).toBe(0.25);
    expect(s.parse('1', {})).toBe(1);
    expect(s.parse('.5', {})).toBe(0.5);
    for (const bad of ['-0.1', '1.5', 'abc', '', '1e-2'])
      expect(() => s.parse(bad, {}), bad).toThrow(/between 0 and 1/);
  });

  it('parses a decimal amount', () => {
    const s = moneySetting('Y', 'y', '10000.00');
    expect(s.parse(undefined, {})).toBe('10000.00');
    expect(s.parse('50', {})).toBe('50');
    for (const bad of ['-1', '1.001', 'lots']) expect(() => s.parse(bad, {}), bad).toThrow(/decimal amount/);
  });
});
