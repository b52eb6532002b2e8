import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { gaugeSamples, type Summary } from './domain/summary.js';

const GAUGES: Array<{ name: string; help: string; labelNames: string[] }> = [
  { name: 'analytics_orders', help: 'Orders by current status', labelNames: ['status'] },
  {
    name: 'analytics_revenue',
    help: 'Totals of orders that reached CONFIRMED minus their refunds, by currency',
    labelNames: ['currency'],
  },
  { name: 'analytics_payment_success_ratio', help: 'COMPLETED / (COMPLETED + FAILED) payments', labelNames: [] },
  {
    name: 'analytics_saga_completion_seconds',
    help: 'OrderCreated to OrderUpdated CONFIRMED, seconds, by quantile',
    labelNames: ['quantile'],
  },
  {
    name: 'analytics_low_stock_products',
    help: 'Products whose latest stock level is warning or depleted',
    labelNames: [],
  },
  {
    name: 'analytics_delivery_seconds',
    help: 'ShipmentCreated to ShipmentStatusUpdated DELIVERED, seconds, by quantile',
    labelNames: ['quantile'],
  },
  { name: 'analytics_notifications_sent', help: 'Notifications sent to customers', labelNames: [] },
];

/**
 * Registers the analytics gauges; each is refreshed from the database when /metrics is scraped.
 * A scrape collects all metrics at once, so the gauges share one in-flight summary query.
 * If the query fails, the gauges are emptied (a stale figure would look current) and it is logged.
 */
export function registerAnalyticsGauges(registry: Registry, load: () => Promise<Summary>, log: Logger): void {
  let inflight: Promise<Summary | undefined> | undefined;
  const current = (): Promise<Summary | undefined> => {
    inflight ??= load()
      .catch((error: unknown) => {
        log.error({ err: error }, 'analytics gauges: summary query failed');
        return undefined;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  for (const spec of GAUGES) {
    new Gauge({
      ...spec,
      registers: [registry],
      async collect() {
        const summary = await current();
        this.reset();
        for (const sample of summary ? (gaugeSamples(summary)[spec.name] ?? []) : []) {
          this.set(sample.labels, sample.value);
        }
      },
    });
  }
}
