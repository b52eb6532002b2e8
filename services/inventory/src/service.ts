import { type BaseConfig, baseSettings, type ConfigOf, int, type ServiceDefinition } from '@ecom/kit';
import { lockBatchRows } from './batch-locks.js';
import { inventoryHandlers } from './handlers.js';
import { inventoryAccess } from './routes/access.js';
import { inventoryRoutes } from './routes/inventory.js';

export const settings = {
  ...baseSettings(3003),
  lowStockThreshold: int(
    'INVENTORY_LOW_STOCK_THRESHOLD',
    'Available stock below this is low: StockLevelWarning when crossed downwards, StockLevelNormalized when back at or above, and GET /api/inventory?lowStock=true',
    10,
    { min: 0 },
  ),
};

export type InventoryConfig = ConfigOf<typeof settings> & BaseConfig;

export const inventoryService: ServiceDefinition<typeof settings> = {
  name: 'inventory',
  version: '0.1.0',
  settings,
  schema: 'inventory',
  migrations: new URL('../migrations/', import.meta.url),
  access: inventoryAccess,
  produces: [
    'ecom.inventory.stock-reserved.v1',
    'ecom.inventory.reservation-failed.v1',
    'ecom.inventory.stock-released.v1',
    'ecom.inventory.updated.v1',
    'ecom.inventory.stock-level-warning.v1',
    'ecom.inventory.stock-depleted.v1',
    'ecom.inventory.stock-level-normalized.v1',
  ],
  consumer: {
    topics: ['ecom.orders', 'ecom.payments'],
    handlers: (deps) => inventoryHandlers(deps),
    beforeBatch: lockBatchRows,
  },
  routes: async (app, deps) => {
    await app.register(inventoryRoutes, { deps });
  },
};
