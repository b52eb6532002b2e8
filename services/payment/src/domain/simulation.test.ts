import { describe, expect, it } from 'vitest';
import { declineReason, draw, isTransientFailure, transactionId } from './simulation.js';

describe('simulator rules', () => {
  const limit = 1_000_000n; // 10000.00

  it('declines card_declined and amounts above the limit, nothing else', () => {
    expect(declineReason('card_declined', 100n, limit)).toMatch(/declined/);
    expect(declineReason('card', limit + 1n, limit)).toMatch(/exceeds/);
    expect(declineReason('card', limit, limit)).toBeNull();
    expect(declineReason('card', 0n, limit)).toBeNull();
    expect(declineReason('paypal', 1n, limit)).toBeNull();
  });

  it('draws deterministically in [0, 1), differently per attempt', () => {
    expect(draw('charge:a', 1)).toBe(draw('charge:a', 1));
    expect(draw('charge:a', 1)).not.toBe(draw('charge:a', 2));
    for (let i = 0; i < 100; i++) {
      const d = draw(`k${i}`, 1);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1);
    }
  });

  it('fails about the configured fraction of calls', () => {
    expect(isTransientFailure('k', 1, 0)).toBe(false);
    expect(isTransientFailure('k', 1, 1)).toBe(true);
    let failed = 0;
    for (let i = 0; i < 2000; i++) if (isTransientFailure(`order-${i}`, 1, 0.25)) failed++;
    expect(failed / 2000).toBeGreaterThan(0.2);
    expect(failed / 2000).toBeLessThan(0.3);
  });

  it('derives stable transaction ids from the idempotency key', () => {
    expect(transactionId('ch', 'charge:x')).toBe(transactionId('ch', 'charge:x'));
    expect(transactionId('ch', 'charge:x')).not.toBe(transactionId('ch', 'charge:y'));
    expect(transactionId('re', 'refund:x')).toMatch(/^sim_re_[0-9a-f]{24}$/);
  });
});
