import type { AccessTable } from '@ecom/kit';

/** Who may call each payment route (ARCHITECTURE section 10); the routes scope a customer to its own resources. */
export const paymentAccess = {
  // Manual charges; the saga charges every order itself.
  'POST /api/payments': ['service', 'admin'],
  'POST /api/payments/:paymentId/refund': ['support', 'admin'],
  // A customer lists its own.
  'GET /api/payments': ['customer', 'support', 'admin', 'service'],
  // Another customer's payment is 404.
  'GET /api/payments/:paymentId': ['customer', 'support', 'admin', 'service'],
} as const satisfies AccessTable;
