import type { OrderStatus, StockState } from './facts.js';

/** GET /api/analytics/summary, and what the gauges show. */
export interface Summary {
  ordersByStatus: Record<OrderStatus, number>;
  /** Per currency: totals of orders that reached CONFIRMED minus their refunds (decimal strings). */
  revenue: Array<{ currency: string; amount: string }>;
  payments: { completed: number; failed: number; successRate: number | null };
  sagaCompletionSeconds: { count: number; p50: number | null; p95: number | null; p99: number | null };
  lowStock: Array<{ productId: string; state: Exclude<StockState, 'normalized'>; available: number }>;
  deliverySeconds: { count: number; p50: number | null; p95: number | null };
  notificationsSent: number;
  generatedAt: string;
}

/** COMPLETED / (COMPLETED + FAILED); null before any payment, where a rate means nothing. */
export function successRate(completed: number, failed: number): number | null {
  const attempts = completed + failed;
  return attempts === 0 ? null : completed / attempts;
}

export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

/** The summary as gauge samples, by gauge name; a figure that is not known yet (null) has no sample. */
export function gaugeSamples(summary: Summary): Record<string, GaugeSample[]> {
  const quantiles = (figures: Record<string, number | null>): GaugeSample[] =>
    Object.entries(figures)
      .filter((entry): entry is [string, number] => entry[1] !== null)
      .map(([quantile, value]) => ({ labels: { quantile }, value }));
  const { payments, sagaCompletionSeconds: saga, deliverySeconds: delivery } = summary;
  return {
    analytics_orders: Object.entries(summary.ordersByStatus).map(([status, value]) => ({ labels: { status }, value })),
    // A gauge is a float: fine for a dashboard, never used for arithmetic on money.
    analytics_revenue: summary.revenue.map(({ currency, amount }) => ({ labels: { currency }, value: Number(amount) })),
    analytics_payment_success_ratio: payments.successRate === null ? [] : [{ labels: {}, value: payments.successRate }],
    analytics_saga_completion_seconds: quantiles({ '0.5': saga.p50, '0.95': saga.p95, '0.99': saga.p99 }),
    analytics_low_stock_products: [{ labels: {}, value: summary.lowStock.length }],
    analytics_delivery_seconds: quantiles({ '0.5': delivery.p50, '0.95': delivery.p95 }),
    analytics_notifications_sent: [{ labels: {}, value: summary.notificationsSent }],
  };
}
