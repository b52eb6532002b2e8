import type { AccessTable } from '@ecom/kit';

/** Who may call each analytics route (ARCHITECTURE section 10); the routes scope a customer to its own resources. */
export const analyticsAccess = {
  'GET /api/analytics/summary': ['support', 'admin'],
} as const satisfies AccessTable;
