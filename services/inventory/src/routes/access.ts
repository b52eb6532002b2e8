import type { AccessTable } from '@ecom/kit';

/** Who may call each inventory route (ARCHITECTURE section 10); the routes scope a customer to its own resources. */
export const inventoryAccess = {
  'PUT /api/inventory/:productId': ['admin'],
  'GET /api/inventory': ['support', 'admin', 'service'],
  // Availability is no secret.
  'GET /api/inventory/:productId': ['customer', 'support', 'admin', 'service'],
} as const satisfies AccessTable;
