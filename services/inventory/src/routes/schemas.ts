// JSON Schemas of the inventory routes: they validate requests and document the API at /docs.
import { limitParam, listSchema } from '@ecom/kit';

export const productIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['productId'],
  properties: { productId: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const adjustmentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['quantity', 'operation', 'reason'],
  properties: {
    quantity: {
      type: 'integer',
      minimum: 1,
      maximum: 1_000_000_000,
      description: 'How many units to add or subtract (InventoryUpdated.quantityChange)',
    },
    operation: { type: 'string', enum: ['ADD', 'SUBTRACT'] },
    reason: { type: 'string', enum: ['ORDER', 'RESTOCK', 'ADJUSTMENT'] },
  },
} as const;

export const productView = {
  type: 'object',
  additionalProperties: false,
  required: ['productId', 'onHand', 'reserved', 'available', 'updatedAt'],
  properties: {
    productId: { type: 'string' },
    onHand: { type: 'integer', description: 'Units on the shelf, reserved ones included' },
    reserved: { type: 'integer', description: 'Units held for orders not yet paid' },
    available: { type: 'integer', description: 'onHand - reserved: what new orders can reserve' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lowStock: {
      type: 'boolean',
      default: false,
      description: 'Only products whose available stock is below INVENTORY_LOW_STOCK_THRESHOLD',
    },
    limit: limitParam,
  },
} as const;

export const productList = listSchema(productView);
