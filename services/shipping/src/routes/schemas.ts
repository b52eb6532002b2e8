// JSON Schemas of the shipment routes: they validate requests and document the API at /docs.
import { limitParam, listSchema, uuidParams } from '@ecom/kit';
import { SHIPMENT_STATUSES } from '../domain/status.js';

export const shipmentIdParams = uuidParams('shipmentId');

/** The carrier list comes from SHIPPING_CARRIERS, so this schema is built at startup. */
export function createBody(carriers: readonly string[]) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['orderId', 'customerId'],
    properties: {
      orderId: { type: 'string', format: 'uuid' },
      customerId: { type: 'string', minLength: 1, maxLength: 100 },
      carrier: {
        type: 'string',
        enum: [...carriers],
        description: 'Optional; by default chosen deterministically from the orderId',
      },
    },
  } as const;
}

export const statusBody = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'location'],
  properties: {
    status: { type: 'string', enum: [...SHIPMENT_STATUSES] },
    location: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const shipmentFields = {
  shipmentId: { type: 'string', format: 'uuid' },
  orderId: { type: 'string', format: 'uuid' },
  customerId: { type: 'string' },
  carrier: { type: 'string' },
  trackingNumber: { type: 'string' },
  status: { type: 'string', enum: [...SHIPMENT_STATUSES] },
  location: { type: ['string', 'null'], description: 'Last known location; null before the first update' },
  estimatedDelivery: { type: 'string', format: 'date' },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
} as const;

const shipmentRequired = Object.keys(shipmentFields);

export const shipmentView = {
  type: 'object',
  additionalProperties: false,
  required: shipmentRequired,
  properties: shipmentFields,
} as const;

export const shipmentDetail = {
  type: 'object',
  additionalProperties: false,
  required: [...shipmentRequired, 'history'],
  properties: {
    ...shipmentFields,
    history: {
      type: 'array',
      description: 'Every status the shipment went through, oldest first',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['status', 'location', 'timestamp'],
        properties: {
          status: { type: 'string', enum: [...SHIPMENT_STATUSES] },
          location: { type: ['string', 'null'] },
          timestamp: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    limit: limitParam,
  },
} as const;

export const shipmentList = listSchema(shipmentView);
