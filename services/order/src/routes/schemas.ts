import { currencySchema as currency, limitParam, listSchema, moneySchema as money, uuidParams } from '@ecom/kit';
import { CANCELLATION_REASONS, ORDER_STATUSES } from '../domain/saga.js';

/** JSON Schemas of the order API; they validate requests, shape responses and feed /docs. */

const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: 'string', format: 'date-time', nullable: true } as const;

export const line = {
  type: 'object',
  additionalProperties: false,
  required: ['productId', 'quantity', 'price'],
  properties: {
    productId: { type: 'string', minLength: 1, maxLength: 100 },
    // Bounded so a line total stays far inside NUMERIC(14,2); the sum is checked again in cents.
    quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    price: money,
  },
} as const;

export function createOrderBody(maxLines: number) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: {
      customerId: {
        type: 'string',
        minLength: 1,
        maxLength: 100,
        description: "Whose order: required, except for a customer's token, whose subject it is",
      },
      items: { type: 'array', minItems: 1, maxItems: maxLines, items: line },
      currency: { ...currency, default: 'USD' },
      paymentMethod: { type: 'string', minLength: 1, maxLength: 50, default: 'card' },
      totalAmount: { ...money, description: 'Optional; when given it must equal the sum of the lines' },
    },
  } as const;
}

export const orderParams = uuidParams('orderId');

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    customerId: { type: 'string', minLength: 1, maxLength: 100 },
    status: { type: 'string', enum: ORDER_STATUSES },
    stuck: {
      type: 'boolean',
      description:
        'true: only orders with a dead-lettered event in their flow (see deadLetters); false: only those without',
    },
    limit: limitParam,
  },
} as const;

export const updateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'updateReason'],
  properties: {
    status: { type: 'string', enum: ORDER_STATUSES },
    updateReason: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export const order = {
  type: 'object',
  required: [
    'orderId',
    'customerId',
    'items',
    'totalAmount',
    'currency',
    'paymentMethod',
    'status',
    'cancellationReason',
    'paymentStatus',
    'reservationStatus',
    'refundedAmount',
    'createdAt',
    'updatedAt',
    'confirmedAt',
    'shippedAt',
    'deliveredAt',
    'cancelledAt',
  ],
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    customerId: { type: 'string' },
    items: { type: 'array', items: line },
    totalAmount: money,
    currency,
    paymentMethod: { type: 'string' },
    status: { type: 'string', enum: ORDER_STATUSES },
    cancellationReason: {
      type: 'string',
      enum: [...CANCELLATION_REASONS, null],
      nullable: true,
    },
    paymentStatus: { type: 'string', enum: ['PENDING', 'COMPLETED', 'FAILED'] },
    reservationStatus: { type: 'string', enum: ['PENDING', 'RESERVED', 'FAILED'] },
    refundedAmount: money,
    createdAt: timestamp,
    updatedAt: timestamp,
    confirmedAt: nullableTimestamp,
    shippedAt: nullableTimestamp,
    deliveredAt: nullableTimestamp,
    cancelledAt: nullableTimestamp,
  },
} as const;

/** An open dead letter of the order's flow: its position on the dead-letter topic, and why it failed. */
export const deadLetter = {
  type: 'object',
  required: ['topic', 'partition', 'offset', 'errorClass', 'consumerGroup', 'originalTopic', 'ceType', 'failedAt'],
  properties: {
    topic: { type: 'string', description: 'The dead-letter topic' },
    partition: { type: 'integer' },
    offset: { type: 'string', pattern: '^\\d+$' },
    errorClass: { type: 'string', nullable: true },
    consumerGroup: { type: 'string', nullable: true, description: 'The group that failed to process it' },
    originalTopic: { type: 'string', nullable: true },
    ceType: { type: 'string', nullable: true },
    failedAt: timestamp,
  },
} as const;

/** An order with the open dead letters of its flow (GET routes): a stuck order has some. */
export const orderWithDeadLetters = {
  ...order,
  required: [...order.required, 'deadLetters'],
  properties: {
    ...order.properties,
    deadLetters: {
      type: 'array',
      description: 'Dead-lettered events of this order that were not processed since; empty when none',
      items: deadLetter,
    },
  },
} as const;

export const orderList = listSchema(orderWithDeadLetters);
