import type { AccessTable } from '@ecom/kit';

/** Who may call each notification route (ARCHITECTURE section 10); the routes scope a customer to its own resources. */
export const notificationAccess = {
  // A customer reads its own.
  'GET /api/notifications': ['customer', 'support', 'admin'],
} as const satisfies AccessTable;
