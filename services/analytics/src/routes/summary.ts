import type { ServiceDeps } from '@ecom/kit';
import type { FastifyInstance } from 'fastify';
import type { AnalyticsConfig } from '../service.js';
import { readSummary } from '../summary.js';

const count = { type: 'integer', minimum: 0 } as const;
const seconds = { type: ['number', 'null'], minimum: 0, description: 'null until there is a sample' } as const;
const countOf = (status: string) => ({ ...count, description: `Orders currently ${status}` });

export const summarySchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'ordersByStatus',
    'revenue',
    'payments',
    'sagaCompletionSeconds',
    'lowStock',
    'deliverySeconds',
    'notificationsSent',
    'generatedAt',
  ],
  properties: {
    ordersByStatus: {
      type: 'object',
      additionalProperties: false,
      required: ['CREATED', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'],
      properties: {
        CREATED: countOf('CREATED'),
        CONFIRMED: countOf('CONFIRMED'),
        SHIPPED: countOf('SHIPPED'),
        DELIVERED: countOf('DELIVERED'),
        CANCELLED: countOf('CANCELLED'),
      },
    },
    revenue: {
      type: 'array',
      description: 'Per currency: totals of orders that reached CONFIRMED minus their refunds',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['currency', 'amount'],
        properties: {
          currency: { type: 'string', pattern: '^[A-Z]{3}$' },
          amount: {
            type: 'string',
            pattern: '^-?[0-9]+\\.[0-9]{2}$',
            description: 'Decimal string',
            example: '1234.50',
          },
        },
      },
    },
    payments: {
      type: 'object',
      additionalProperties: false,
      required: ['completed', 'failed', 'successRate'],
      properties: {
        completed: count,
        failed: count,
        successRate: { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'null before any payment' },
      },
    },
    sagaCompletionSeconds: {
      type: 'object',
      description: 'OrderCreated to OrderUpdated CONFIRMED, per confirmed order',
      additionalProperties: false,
      required: ['count', 'p50', 'p95', 'p99'],
      properties: { count, p50: seconds, p95: seconds, p99: seconds },
    },
    lowStock: {
      type: 'array',
      description: 'Products whose latest stock-level event is a warning or depletion',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['productId', 'state', 'available'],
        properties: {
          productId: { type: 'string' },
          state: { type: 'string', enum: ['warning', 'depleted'] },
          available: count,
        },
      },
    },
    deliverySeconds: {
      type: 'object',
      description: 'ShipmentCreated to ShipmentStatusUpdated DELIVERED, per delivered shipment',
      additionalProperties: false,
      required: ['count', 'p50', 'p95'],
      properties: { count, p50: seconds, p95: seconds },
    },
    notificationsSent: count,
    generatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** The analytics API, registered as a plugin with `{ deps }`. */
export async function summaryRoutes(
  app: FastifyInstance,
  { deps }: { deps: ServiceDeps<AnalyticsConfig> },
): Promise<void> {
  app.get(
    '/api/analytics/summary',
    {
      schema: {
        summary: 'Order, payment, stock and shipping KPIs over every event consumed so far',
        response: { 200: summarySchema },
      },
    },
    async () => readSummary(deps.db),
  );
}
