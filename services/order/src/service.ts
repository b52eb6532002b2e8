import { type BaseConfig, baseSettings, type ConfigOf, int, type ServiceDefinition } from '@ecom/kit';
import { lockBatchOrders } from './batch-locks.js';
import { closingAnsweredDeadLetters } from './dead-letters/answered.js';
import { startDeadLetterWatch } from './dead-letters/watcher.js';
import { startDeadlineWorker } from './deadline.js';
import { orderHandlers } from './handlers.js';
import { orderMetrics } from './metrics.js';
import { orderAccess } from './routes/access.js';
import { orderRoutes } from './routes/orders.js';

export const settings = {
  ...baseSettings(3001),
  maxLines: int('ORDER_MAX_LINES', 'Most lines an order may have', 50, { min: 1, max: 1000 }),
  sagaTimeoutMs: int(
    'ORDER_SAGA_TIMEOUT_MS',
    'Saga deadline: an order still CREATED this long after creation (a payment or reservation outcome never came) is cancelled with SAGA_TIMEOUT, refunded and released. The first check runs this long after start, so outcomes queued while the service was down apply first',
    300_000,
    { min: 1000 },
  ),
  sagaScanMs: int('ORDER_SAGA_SCAN_MS', 'Period of the scan for orders past the saga deadline', 5000, { min: 50 }),
};

export type OrderConfig = ConfigOf<typeof settings> & BaseConfig;

/** The order service: the order API and the order side of the saga (it joins the outcomes). */
export const orderService: ServiceDefinition<typeof settings> = {
  name: 'order',
  version: '0.1.0',
  settings,
  schema: 'orders',
  migrations: new URL('../migrations/', import.meta.url),
  access: orderAccess,
  produces: ['ecom.order.created.v1', 'ecom.order.updated.v1', 'ecom.order.cancelled.v1'],
  consumer: {
    topics: ['ecom.payments', 'ecom.inventory', 'ecom.shipments'],
    handlers: (deps) => orderHandlers(deps),
    beforeBatch: lockBatchOrders,
    // The service's consumer group is its name.
    afterBatch: closingAnsweredDeadLetters('order'),
  },
  routes: async (app, deps) => {
    await app.register(orderRoutes, { deps });
  },
  background: (deps) => {
    const deadline = startDeadlineWorker(deps, orderMetrics(deps.registry), {
      timeoutMs: deps.config.sagaTimeoutMs,
      scanMs: deps.config.sagaScanMs,
    });
    const deadLetters = startDeadLetterWatch(deps);
    return {
      async stop() {
        await Promise.all([deadline.stop(), deadLetters.stop()]);
      },
    };
  },
};
