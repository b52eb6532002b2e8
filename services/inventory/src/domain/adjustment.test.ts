import { describe, expect, it } from 'vitest';
import { adjustStock } from './adjustment.js';

describe('adjustStock', () => {
  it('creates a product on its first ADD', () => {
    expect(adjustStock('p', null, 'ADD', 5)).toEqual({ ok: true, level: { onHand: 5, reserved: 0 } });
  });

  it('adds to and subtracts from existing stock, keeping reserved', () => {
    expect(adjustStock('p', { onHand: 5, reserved: 2 }, 'ADD', 3)).toEqual({
      ok: true,
      level: { onHand: 8, reserved: 2 },
    });
    expect(adjustStock('p', { onHand: 5, reserved: 2 }, 'SUBTRACT', 3)).toEqual({
      ok: true,
      level: { onHand: 2, reserved: 2 },
    });
  });

  it('refuses to subtract below reserved or below zero (409)', () => {
    const belowReserved = adjustStock('p', { onHand: 5, reserved: 2 }, 'SUBTRACT', 4);
    expect(belowReserved).toMatchObject({ ok: false, status: 409 });
    expect(belowReserved.ok || belowReserved.detail).toMatch(/below the 2 reserved units/);
    const belowZero = adjustStock('p', { onHand: 5, reserved: 0 }, 'SUBTRACT', 6);
    expect(belowZero.ok || belowZero.detail).toMatch(/below zero/);
  });

  it('refuses to subtract from a product that does not exist (404)', () => {
    expect(adjustStock('p', null, 'SUBTRACT', 1)).toMatchObject({ ok: false, status: 404 });
  });
});
