import { Counter, Histogram, type Registry } from 'prom-client';

export interface OrderMetrics {
  /** Seconds from the order's creation to CONFIRMED: the saga's latency, read by the load test. */
  sagaCompletion: Histogram<never>;
  /** Status changes, by the status entered (CREATED counts new orders). */
  transitions: Counter<'status'>;
  /** Orders the saga deadline cancelled: each one is an outcome that never came, worth a look. */
  sagaTimeouts: Counter<never>;
}

/**
 * The order service's metrics on the service's registry. Routes and handlers are built separately
 * from the same deps, so both ask for them here and share one set per registry (looked up by
 * name) rather than through module state.
 */
export function orderMetrics(registry: Registry): OrderMetrics {
  const existing = registry.getSingleMetric('saga_completion_seconds');
  if (existing) {
    return {
      sagaCompletion: existing as Histogram<never>,
      transitions: registry.getSingleMetric('orders_total') as Counter<'status'>,
      sagaTimeouts: registry.getSingleMetric('order_saga_timeouts_total') as Counter<never>,
    };
  }
  return {
    sagaCompletion: new Histogram({
      name: 'saga_completion_seconds',
      help: 'Time from order creation to CONFIRMED (payment completed and stock reserved)',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'orders_total',
      help: 'Order status changes, by the status entered',
      labelNames: ['status'],
      registers: [registry],
    }),
    sagaTimeouts: new Counter({
      name: 'order_saga_timeouts_total',
      help: 'Orders cancelled (SAGA_TIMEOUT) because an outcome did not arrive before ORDER_SAGA_TIMEOUT_MS',
      registers: [registry],
    }),
  };
}
