/** JSON Schemas of the notification API; they validate requests, shape responses and feed /docs. */

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['customerId'],
  properties: {
    customerId: { type: 'string', minLength: 1, maxLength: 100, description: 'Whose notifications' },
    orderId: { type: 'string', format: 'uuid', description: 'Only those about this order' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export const notification = {
  type: 'object',
  additionalProperties: false,
  required: [
    'notificationId',
    'customerId',
    'orderId',
    'channel',
    'template',
    'message',
    'sourceEventId',
    'sourceEventType',
    'status',
    'createdAt',
    'sentAt',
  ],
  properties: {
    notificationId: { type: 'string', format: 'uuid' },
    customerId: { type: 'string' },
    orderId: { type: ['string', 'null'], format: 'uuid' },
    channel: { type: 'string', enum: ['LOG', 'WEBHOOK', 'EMAIL'] },
    template: { type: 'string', example: 'order-confirmed' },
    message: { type: 'string' },
    sourceEventId: { type: 'string', description: 'ce_id of the event the notification is about' },
    sourceEventType: { type: 'string', example: 'ecom.order.updated.v1' },
    status: { type: 'string', enum: ['PENDING', 'SENT'] },
    createdAt: { type: 'string', format: 'date-time' },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const notificationList = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: { items: { type: 'array', items: notification } },
} as const;

/** RFC 9457 body of every 4xx (the kit's problem handler sends it). */
export const problem = {
  description: 'Problem details (application/problem+json)',
  type: 'object',
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
