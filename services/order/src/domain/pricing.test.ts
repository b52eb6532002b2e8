import { describe, expect, it } from 'vitest';
import { priceOrder } from './pricing.js';

const line = (productId: string, quantity: number, price: string) => ({ productId, quantity, price });

describe('priceOrder', () => {
  it('sums the lines exactly in cents', () => {
    const r = priceOrder([line('a', 3, '0.10'), line('b', 1, '0.2'), line('c', 2, '19.99')], 50);
    expect(r).toEqual({
      ok: true,
      totalAmount: '40.48',
      items: [line('a', 3, '0.10'), line('b', 1, '0.20'), line('c', 2, '19.99')],
    });
  });

  it('accepts a free line and a matching client total in any notation', () => {
    expect(priceOrder([line('a', 1, '0')], 50, '0')).toMatchObject({ ok: true, totalAmount: '0.00' });
    expect(priceOrder([line('a', 2, '2.5')], 50, '5')).toMatchObject({ ok: true, totalAmount: '5.00' });
  });

  it('names /totalAmount when the client total differs', () => {
    expect(priceOrder([line('a', 2, '2.50')], 50, '5.01')).toEqual({
      ok: false,
      errors: [{ field: '/totalAmount', message: 'must equal the sum of the lines, 5.00' }],
    });
    expect(priceOrder([line('a', 2, '2.50')], 50, 'five')).toMatchObject({
      ok: false,
      errors: [{ field: '/totalAmount' }],
    });
  });

  it('names each bad line field', () => {
    const r = priceOrder([line('a', 0, '1.00'), line('b', 1.5, '-1'), line('a', 1, '1.001')], 50);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.field)).toEqual([
      '/items/0/quantity',
      '/items/1/quantity',
      '/items/1/price',
      '/items/2/price',
      '/items/2/productId',
    ]);
  });

  it('bounds the number of lines', () => {
    expect(priceOrder([], 50)).toMatchObject({ ok: false, errors: [{ field: '/items' }] });
    const many = Array.from({ length: 3 }, (_, i) => line(`p${i}`, 1, '1'));
    expect(priceOrder(many, 2)).toMatchObject({ ok: false, errors: [{ field: '/items', message: /at most 2/ }] });
    expect(priceOrder(many, 3)).toMatchObject({ ok: true, totalAmount: '3.00' });
  });

  it('rejects a total the wire format cannot carry', () => {
    const r = priceOrder([line('a', 10, '999999999999.99')], 50);
    expect(r).toMatchObject({ ok: false, errors: [{ field: '/items', message: /exceeds/ }] });
  });
});
