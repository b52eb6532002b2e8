import { type BaseConfig, baseSettings, type ConfigOf, int, type ServiceDefinition } from '@ecom/kit';
import { orderHandlers } from './handlers.js';
import { orderRoutes } from './routes/orders.js';

export const settings = {
  ...baseSettings(3001),
  maxLines: int('ORDER_MAX_LINES', 'Most lines an order may have', 50, { min: 1, max: 1000 }),
};

export type OrderConfig = ConfigOf<typeof settings> & BaseConfig;

/** The order service: the order API and the order side of the saga (it joins the outcomes). */
export const orderService: ServiceDefinition<typeof settings> = {
  name: 'order',
  version: '0.1.0',
  settings,
  schema: 'orders',
  migrations: new URL('../migrations/', import.meta.url),
  consumer: {
    topics: ['ecom.payments', 'ecom.inventory', 'ecom.shipments'],
    handlers: (deps) => orderHandlers(deps),
  },
  routes: async (app, deps) => {
    await app.register(orderRoutes, { deps });
  },
};
