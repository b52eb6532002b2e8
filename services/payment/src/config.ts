import type { Setting } from '@ecom/kit';
import { isMoney } from '@ecom/kit';

/** A decimal amount (the wire format: up to 12 integer digits, 2 decimals), kept as a string. */
export function moneySetting(env: string, description: string, fallback: string): Setting<string> {
  return {
    env,
    description,
    defaultText: fallback,
    parse(raw) {
      if (raw === undefined) return fallback;
      if (!isMoney(raw.trim())) throw new Error('must be a decimal amount like 10000.00');
      return raw.trim();
    },
  };
}

/** A fraction in [0, 1]; the kit's parsers only have integers. */
export function fractionSetting(env: string, description: string, fallback: number): Setting<number> {
  return {
    env,
    description,
    defaultText: String(fallback),
    parse(raw) {
      if (raw === undefined) return fallback;
      const value = Number(raw.trim());
      if (!/^\d*\.?\d+$/.test(raw.trim()) || !(value >= 0 && value <= 1)) {
        throw new Error('must be a number between 0 and 1');
      }
      return value;
    },
  };
}
