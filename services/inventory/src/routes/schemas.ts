// JSON Schemas of the inventory routes: they validate requests and document the API at /docs.

/** 4xx/5xx bodies are RFC 9457 problems sent by the kit; declared here so /docs shows them. */
export const problem = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' }, in: { type: 'string' } },
      },
    },
  },
} as const;

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
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export const productList = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: { items: { type: 'array', items: productView } },
} as const;
