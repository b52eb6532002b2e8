import { describe, expect, it } from 'vitest';
import { aggregateLines, reserve, type StockLevel } from './reservation.js';

const stock = (entries: Record<string, StockLevel>) => new Map(Object.entries(entries));

describe('aggregateLines', () => {
  it('sums lines of the same product and sorts by productId', () => {
    expect(
      aggregateLines([
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 2 },
        { productId: 'b', quantity: 3 },
      ]),
    ).toEqual([
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 4 },
    ]);
  });
});

describe('reserve', () => {
  it('reserves every line when each product has enough available', () => {
    const decision = reserve(
      [
        { productId: 'p2', quantity: 2 },
        { productId: 'p1', quantity: 5 },
      ],
      stock({ p1: { onHand: 5, reserved: 0 }, p2: { onHand: 10, reserved: 8 } }),
    );
    expect(decision).toEqual({
      ok: true,
      reservation: {
        items: [
          { productId: 'p1', quantity: 5 },
          { productId: 'p2', quantity: 2 },
        ],
      },
    });
  });

  it('reserves nothing and lists every shortage when one line is short', () => {
    const decision = reserve(
      [
        { productId: 'p1', quantity: 1 },
        { productId: 'p2', quantity: 3 },
        { productId: 'p3', quantity: 4 },
      ],
      stock({ p1: { onHand: 1, reserved: 0 }, p2: { onHand: 5, reserved: 3 }, p3: { onHand: 3, reserved: 0 } }),
    );
    expect(decision).toEqual({
      ok: false,
      reason: 'OUT_OF_STOCK',
      shortages: [
        { productId: 'p2', requested: 3, available: 2 },
        { productId: 'p3', requested: 4, available: 3 },
      ],
    });
  });

  it('checks the sum of lines naming the same product', () => {
    const decision = reserve(
      [
        { productId: 'p1', quantity: 2 },
        { productId: 'p1', quantity: 2 },
      ],
      stock({ p1: { onHand: 3, reserved: 0 } }),
    );
    expect(decision).toEqual({
      ok: false,
      reason: 'OUT_OF_STOCK',
      shortages: [{ productId: 'p1', requested: 4, available: 3 }],
    });
  });

  it('says UNKNOWN_PRODUCT when a product was never stocked, even if others are short too', () => {
    const decision = reserve(
      [
        { productId: 'ghost', quantity: 1 },
        { productId: 'p1', quantity: 9 },
      ],
      stock({ p1: { onHand: 1, reserved: 0 } }),
    );
    expect(decision).toEqual({
      ok: false,
      reason: 'UNKNOWN_PRODUCT',
      shortages: [
        { productId: 'ghost', requested: 1, available: 0 },
        { productId: 'p1', requested: 9, available: 1 },
      ],
    });
  });

  it('takes the last unit exactly, and refuses one more', () => {
    expect(reserve([{ productId: 'p', quantity: 1 }], stock({ p: { onHand: 3, reserved: 2 } })).ok).toBe(true);
    expect(reserve([{ productId: 'p', quantity: 1 }], stock({ p: { onHand: 3, reserved: 3 } })).ok).toBe(false);
  });
});
