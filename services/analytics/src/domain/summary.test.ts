import { describe, expect, it } from 'vitest';
import { gaugeSamples, type Summary, successRate } from './summary.js';

const summary: Summary = {
  ordersByStatus: { CREATED: 1, CONFIRMED: 2, SHIPPED: 0, DELIVERED: 3, CANCELLED: 4 },
  revenue: [
    { currency: 'EUR', amount: '12.50' },
    { currency: 'USD', amount: '0.00' },
  ],
  payments: { completed: 3, failed: 1, successRate: 0.75 },
  sagaCompletionSeconds: { count: 2, p50: 1.5, p95: 2, p99: null },
  lowStock: [{ productId: 'p-1', state: 'warning', available: 2 }],
  deliverySeconds: { count: 0, p50: null, p95: null },
  notificationsSent: 7,
  generatedAt: '2025-01-01T00:00:00.000Z',
};

describe('successRate', () => {
  it('is completed over attempts, and null before any attempt', () => {
    expect(successRate(3, 1)).toBe(0.75);
    expect(successRate(0, 2)).toBe(0);
    expect(successRate(0, 0)).toBeNull();
  });
});

describe('gaugeSamples', () => {
  it('gives one sample per label value and none for figures not known yet', () => {
    const g = gaugeSamples(summary);
    expect(g.analytics_orders).toContainEqual({ labels: { status: 'CANCELLED' }, value: 4 });
    expect(g.analytics_orders).toHaveLength(5);
    expect(g.analytics_revenue).toEqual([
      { labels: { currency: 'EUR' }, value: 12.5 },
      { labels: { currency: 'USD' }, value: 0 },
    ]);
    expect(g.analytics_payment_success_ratio).toEqual([{ labels: {}, value: 0.75 }]);
    expect(g.analytics_saga_completion_seconds).toEqual([
      { labels: { quantile: '0.5' }, value: 1.5 },
      { labels: { quantile: '0.95' }, value: 2 },
    ]);
    expect(g.analytics_low_stock_products).toEqual([{ labels: {}, value: 1 }]);
    expect(g.analytics_delivery_seconds).toEqual([]);
    expect(g.analytics_notifications_sent).toEqual([{ labels: {}, value: 7 }]);
  });

  it('has no success ratio before any payment', () => {
    const g = gaugeSamples({ ...summary, payments: { completed: 0, failed: 0, successRate: null } });
    expect(g.analytics_payment_success_ratio).toEqual([]);
  });
});
