import { describe, expect, it } from 'vitest';
import { chooseCarrier, estimatedDelivery, trackingNumber } from './shipment.js';

const CARRIERS = ['UPS', 'DHL', 'FedEx'];

describe('chooseCarrier', () => {
  it('gives the same order the same carrier every time', () => {
    const orderId = '7b0d3c1e-4a8f-4a57-9d1c-2f1e6c1b9a10';
    expect(chooseCarrier(orderId, CARRIERS)).toBe(chooseCarrier(orderId, CARRIERS));
    expect(CARRIERS).toContain(chooseCarrier(orderId, CARRIERS));
  });

  it('spreads orders over every carrier', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++)
      seen.add(chooseCarrier(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, CARRIERS));
    expect([...seen].sort()).toEqual([...CARRIERS].sort());
  });

  it('refuses an empty carrier list', () => {
    expect(() => chooseCarrier('x', [])).toThrow(/no carrier/);
  });
});

describe('trackingNumber', () => {
  it('is <CARRIER>-<12 upper-case alphanumerics>', () => {
    const random = Uint8Array.from({ length: 12 }, (_, i) => i * 7);
    expect(trackingNumber('FedEx', random)).toMatch(/^FEDEX-[0-9A-Z]{12}$/);
    expect(trackingNumber('UPS', random)).toBe(`UPS-${trackingNumber('UPS', random).slice(4)}`);
    expect(trackingNumber('UPS', new Uint8Array(12))).toBe('UPS-000000000000');
  });

  it('needs 12 random bytes', () => {
    expect(() => trackingNumber('UPS', new Uint8Array(4))).toThrow();
  });
});

describe('estimatedDelivery', () => {
  it('is the UTC date the given days later', () => {
    expect(estimatedDelivery(new Date('2026-03-10T23:59:00Z'), 3)).toBe('2026-03-13');
    expect(estimatedDelivery(new Date('2026-12-30T08:00:00Z'), 3)).toBe('2027-01-02');
    expect(estimatedDelivery(new Date('2028-02-28T00:00:00Z'), 1)).toBe('2028-02-29');
    expect(estimatedDelivery(new Date('2026-03-10T12:00:00Z'), 0)).toBe('2026-03-10');
  });
});
