import type { Queryable } from '@ecom/kit';
import { ORDER_STATUSES, type OrderStatus } from './domain/facts.js';
import { type Summary, successRate } from './domain/summary.js';

interface SummaryRow {
  orders_by_status: Record<string, number>;
  revenue: Array<{ currency: string; amount: string }>;
  completed: number;
  failed: number;
  saga: { count: number; p50: number | null; p95: number | null; p99: number | null };
  low_stock: Summary['lowStock'];
  delivery: { count: number; p50: number | null; p95: number | null };
  notifications_sent: number;
  generated_at: Date | string;
}

/**
 * The whole summary in one statement, so every figure comes from one snapshot. Revenue is, per
 * currency, the totals of orders that reached CONFIRMED minus the refunds of those orders (a
 * refund of an order that never confirmed was never revenue). Durations are clamped at 0: the
 * two ends come from one service's clock, but a clock step back must not give a negative time.
 */
const SUMMARY_SQL = `
SELECT
  (SELECT COALESCE(json_object_agg(status, n), '{}'::json)
     FROM (SELECT status, count(*)::int AS n FROM order_facts GROUP BY status) s) AS orders_by_status,
  (SELECT COALESCE(json_agg(json_build_object('currency', currency, 'amount', amount::text) ORDER BY currency), '[]'::json)
     FROM (SELECT o.currency::text AS currency,
                  sum(o.total_amount - COALESCE(r.refunded, 0))::numeric(20, 2) AS amount
             FROM order_facts o
             LEFT JOIN (SELECT order_id, currency, sum(amount) AS refunded
                          FROM refund_facts GROUP BY order_id, currency) r
               ON r.order_id = o.order_id AND r.currency = o.currency
            WHERE o.reached_confirmed
            GROUP BY o.currency) rv) AS revenue,
  (SELECT count(*)::int FROM payment_facts WHERE status = 'COMPLETED') AS completed,
  (SELECT count(*)::int FROM payment_facts WHERE status = 'FAILED') AS failed,
  (SELECT json_build_object(
            'count', count(*)::int,
            'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY d),
            'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY d),
            'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY d))
     FROM (SELECT GREATEST(extract(epoch FROM confirmed_at - created_at), 0)::float8 AS d
             FROM order_facts
            WHERE confirmed_at IS NOT NULL AND created_at IS NOT NULL) sg) AS saga,
  (SELECT COALESCE(json_agg(json_build_object('productId', product_id, 'state', state, 'available', available)
                            ORDER BY product_id), '[]'::json)
     FROM stock_level_facts WHERE state <> 'normalized') AS low_stock,
  (SELECT json_build_object(
            'count', count(*)::int,
            'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY d),
            'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY d))
     FROM (SELECT GREATEST(extract(epoch FROM delivered_at - created_at), 0)::float8 AS d
             FROM shipment_facts
            WHERE delivered_at IS NOT NULL AND created_at IS NOT NULL) dl) AS delivery,
  (SELECT count(*)::int FROM notification_facts) AS notifications_sent,
  now() AS generated_at`;

/** The one place the figures are computed: the summary route and the /metrics gauges both read it. */
export async function readSummary(db: Queryable): Promise<Summary> {
  const { rows } = await db.query<SummaryRow>(SUMMARY_SQL);
  const row = rows[0];
  if (!row) throw new Error('summary query returned no row');
  const ordersByStatus = Object.fromEntries(
    ORDER_STATUSES.map((status) => [status, Number(row.orders_by_status[status] ?? 0)]),
  ) as Record<OrderStatus, number>;
  const generatedAt = row.generated_at instanceof Date ? row.generated_at : new Date(row.generated_at);
  return {
    ordersByStatus,
    revenue: row.revenue,
    payments: { completed: row.completed, failed: row.failed, successRate: successRate(row.completed, row.failed) },
    sagaCompletionSeconds: row.saga,
    lowStock: row.low_stock,
    deliverySeconds: row.delivery,
    notificationsSent: row.notifications_sent,
    generatedAt: generatedAt.toISOString(),
  };
}
