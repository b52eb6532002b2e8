import type { AccessTable } from '@ecom/kit';

/** Who may call each shipping route (ARCHITECTURE section 10); the routes scope a customer to its own resources. */
export const shippingAccess = {
  'POST /api/shipments': ['admin', 'service'],
  // Admins and a carrier integration.
  'PUT /api/shipments/:shipmentId/status': ['admin', 'service'],
  // A customer lists its own.
  'GET /api/shipments': ['customer', 'support', 'admin', 'service'],
  // Another customer's shipment is 404.
  'GET /api/shipments/:shipmentId': ['customer', 'support', 'admin', 'service'],
} as const satisfies AccessTable;
