import { type BaseConfig, baseSettings, type ConfigOf, int, type ServiceDefinition } from '@ecom/kit';
import { analyticsHandlers } from './handlers.js';
import { registerAnalyticsGauges } from './metrics.js';
import { analyticsAccess } from './routes/access.js';
import { summaryRoutes } from './routes/summary.js';
import { readSummary } from './summary.js';

export const settings = {
  ...baseSettings(3006),
  // The kit's PORT has min 1, but tests start services on PORT=0 (any free port); same variable.
  port: int('PORT', 'HTTP port; 0 picks a free one', 3006, { min: 0, max: 65535 }),
};

export type AnalyticsConfig = ConfigOf<typeof settings> & BaseConfig;

/** The analytics service: every topic folded into fact tables, served as a summary and as gauges. */
export const analyticsService: ServiceDefinition<typeof settings> = {
  name: 'analytics',
  version: '0.1.0',
  settings,
  schema: 'analytics',
  migrations: new URL('../migrations/', import.meta.url),
  // It aggregates and emits nothing; only its dead letters are written (to ecom.dlq).
  access: analyticsAccess,
  produces: [],
  consumer: {
    topics: ['ecom.orders', 'ecom.payments', 'ecom.inventory', 'ecom.shipments', 'ecom.notifications'],
    handlers: () => analyticsHandlers(),
  },
  routes: async (app, deps) => {
    registerAnalyticsGauges(deps.registry, () => readSummary(deps.db), deps.logger);
    await app.register(summaryRoutes, { deps });
  },
};
