import { describe, expect, it } from 'vitest';
import { fromCents, isMoney, MAX_CENTS, normalizeMoney, toCents } from './money.js';

describe('money', () => {
  it('parses decimal strings to cents without floats', () => {
    expect(toCents('0')).toBe(0n);
    expect(toCents('12.3')).toBe(1230n);
    expect(toCents('12.30')).toBe(1230n);
    expect(toCents('0.07')).toBe(7n);
    expect(toCents('999999999999.99')).toBe(MAX_CENTS);
  });

  it('formats cents with two decimals', () => {
    expect(fromCents(0n)).toBe('0.00');
    expect(fromCents(7n)).toBe('0.07');
    expect(fromCents(1230n)).toBe('12.30');
    expect(fromCents(toCents('0.1') + toCents('0.2'))).toBe('0.30');
  });

  it('rejects what the wire format rejects', () => {
    for (const bad of ['', '-1', '1.234', '01', '1e3', ' 1', '1.', '.5', '1000000000000']) {
      expect(isMoney(bad), bad).toBe(false);
      expect(() => toCents(bad)).toThrow(/not a decimal amount/);
    }
    expect(() => fromCents(-1n)).toThrow(/negative/);
  });

  it('normalizes', () => {
    expect(normalizeMoney('5')).toBe('5.00');
    expect(normalizeMoney('5.5')).toBe('5.50');
  });
});
