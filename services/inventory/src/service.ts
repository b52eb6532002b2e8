import { type BaseConfig, baseSettings, type ConfigOf, int, type ServiceDefinition } from '@ecom/kit';
import { lockBatchRows } from './batch-locks.js';
import { inventoryHandlers } from './handlers.js';
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
  consumer: {
    topics: ['ecom.orders', 'ecom.payments'],
    handlers: (deps) => inventoryHandlers(deps),
    beforeBatch: lockBatchRows,
  },
  routes: async (app, deps) => {
    await app.register(inventoryRoutes, { deps });
  },
};
