import type { AccessTable } from '@ecom/kit';

/** Who may call each order route (ARCHITECTURE section 10); the routes scope a customer to its own resources. */
export const orderAccess = {
  // Customers for themselves, a checkout (service) for any customer.
  'POST /api/orders': ['customer', 'service'],
  // A customer lists its own.
  'GET /api/orders': ['customer', 'support', 'admin', 'service'],
  // Another customer's order is 404.
  'GET /api/orders/:orderId': ['customer', 'support', 'admin', 'service'],
  'PUT /api/orders/:orderId': ['admin'],
  // A customer cancels its own.
  'DELETE /api/orders/:orderId': ['customer', 'support', 'admin'],
} as const satisfies AccessTable;
