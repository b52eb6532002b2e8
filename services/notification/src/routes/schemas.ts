import { limitParam, listSchema } from '@ecom/kit';

/** JSON Schemas of the notification API; they validate requests, shape responses and feed /docs. */

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    customerId: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: "Whose notifications: required, except for a customer's token, whose subject it is",
    },
    orderId: { type: 'string', format: 'uuid', description: 'Only those about this order' },
    limit: limitParam,
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

export const notificationList = listSchema(notification);
