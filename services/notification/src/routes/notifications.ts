import { BadRequestError, customerFor, problemResponses, type ServiceDeps } from '@ecom/kit';
import type { FastifyInstance } from 'fastify';
import type { NotificationConfig } from '../service.js';
import { listNotifications } from '../store.js';
import { listQuery, notificationList } from './schemas.js';

interface ListQuery {
  customerId?: string;
  orderId?: string;
  limit: number;
}

/** The notification API, registered as a plugin with `{ deps }`. */
export async function notificationRoutes(
  app: FastifyInstance,
  { deps }: { deps: ServiceDeps<NotificationConfig> },
): Promise<void> {
  app.get<{ Querystring: ListQuery }>(
    '/api/notifications',
    {
      schema: {
        summary: "A customer's notifications, newest first",
        description:
          "A customer's token reads its own (customerId omitted or its subject); support and admin name the customerId. orderId narrows to one order.",
        querystring: listQuery,
        response: { 200: notificationList, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { orderId, limit } = request.query;
      const field = { field: '/customerId', in: 'querystring' } as const;
      const customerId = customerFor(request, request.query.customerId, field);
      if (customerId === undefined) {
        throw new BadRequestError('customerId is required', [{ ...field, message: 'is required' }]);
      }
      const items = await listNotifications(deps.db, { customerId, limit, ...(orderId ? { orderId } : {}) });
      return { items };
    },
  );
}
