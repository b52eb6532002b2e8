import { currencySchema as currency, limitParam, listSchema, moneySchema as money, uuidParams } from '@ecom/kit';

/** JSON Schemas of the payment API; they validate requests, shape responses and feed /docs. */

const nullableString = { type: 'string', nullable: true } as const;

export const chargeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['orderId', 'amount', 'currency', 'paymentMethod'],
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    amount: money,
    currency,
    paymentMethod: { type: 'string', minLength: 1, maxLength: 50 },
    customerId: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      default: 'anonymous',
      description: 'Who pays; PaymentProcessed carries it',
    },
  },
} as const;

export const refundBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 200 },
    amount: { ...money, description: 'Part to refund; the whole remaining amount when omitted' },
  },
} as const;

export const paymentParams = uuidParams('paymentId');

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    limit: limitParam,
  },
} as const;

const refund = {
  type: 'object',
  required: ['refundId', 'amount', 'currency', 'reason', 'transactionId', 'createdAt'],
  properties: {
    refundId: { type: 'string', format: 'uuid' },
    amount: money,
    currency,
    reason: { type: 'string' },
    transactionId: nullableString,
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const payment = {
  type: 'object',
  required: [
    'paymentId',
    'orderId',
    'customerId',
    'amount',
    'currency',
    'paymentMethod',
    'status',
    'transactionId',
    'failureReason',
    'refundedAmount',
    'source',
    'cancelReason',
    'refunds',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    paymentId: { type: 'string', format: 'uuid' },
    orderId: { type: 'string', format: 'uuid' },
    customerId: { type: 'string' },
    amount: money,
    currency,
    paymentMethod: { type: 'string' },
    status: {
      type: 'string',
      enum: ['PENDING', 'COMPLETED', 'FAILED'],
      description: 'PENDING while the gateway charge of an order is in flight',
    },
    transactionId: nullableString,
    failureReason: nullableString,
    refundedAmount: money,
    source: { type: 'string', enum: ['ORDER_CREATED', 'API'] },
    cancelReason: {
      ...nullableString,
      description: 'Set when the order was cancelled while its charge was in flight; refunded once it completes',
    },
    refunds: { type: 'array', items: refund },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const paymentList = listSchema(payment);
