// JSON Schemas of the shipment routes: they validate requests and document the API at /docs.
import { SHIPMENT_STATUSES } from '../domain/status.js';

/** 4xx/5xx bodies are RFC 9457 problems sent by the kit; declared here so /docs shows them. */
export const problem = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
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

export const shipmentIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['shipmentId'],
  properties: { shipmentId: { type: 'string', format: 'uuid' } },
} as const;

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
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export const shipmentList = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: { items: { type: 'array', items: shipmentView } },
} as const;
