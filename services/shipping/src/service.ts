import { type BaseConfig, baseSettings, type ConfigOf, int, list, type ServiceDefinition } from '@ecom/kit';
import { shippingHandlers } from './handlers.js';
import { shippingAccess } from './routes/access.js';
import { shipmentRoutes } from './routes/shipments.js';

export const settings = {
  ...baseSettings(3004),
  estimatedDays: int(
    'SHIPPING_ESTIMATED_DAYS',
    'Days from shipment creation (UTC date) to the estimated delivery date',
    3,
    { min: 0, max: 365 },
  ),
  carriers: list(
    'SHIPPING_CARRIERS',
    'Carriers a shipment is assigned to, chosen deterministically from the orderId; also the carriers POST /api/shipments accepts',
    ['UPS', 'DHL', 'FedEx'],
  ),
};

export type ShippingConfig = ConfigOf<typeof settings> & BaseConfig;

export const shippingService: ServiceDefinition<typeof settings> = {
  name: 'shipping',
  version: '0.1.0',
  settings,
  schema: 'shipping',
  migrations: new URL('../migrations/', import.meta.url),
  access: shippingAccess,
  produces: ['ecom.shipment.created.v1', 'ecom.shipment.status-updated.v1'],
  consumer: {
    topics: ['ecom.orders'],
    handlers: (deps) => shippingHandlers(deps),
  },
  routes: async (app, deps) => {
    await app.register(shipmentRoutes, { deps });
  },
};
