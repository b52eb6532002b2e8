// JSON Schema fragments the services' routes share: they validate requests and document the APIs at /docs.
import { MONEY_PATTERN } from '../money.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/** RFC 9457 body of every 4xx/5xx the kit's problem handler sends; declared on routes so /docs shows it. */
export const problemSchema = {
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

/**
 * A route `response` entry for a problem body, documented under application/problem+json: the
 * content type sendProblem sends (a bare schema would be documented as application/json).
 */
export function problemResponse<S extends { description: string }>(schema: S) {
  return { description: schema.description, content: { [PROBLEM_CONTENT_TYPE]: { schema } } } as const;
}

type ProblemResponse = ReturnType<typeof problemResponse<typeof problemSchema>>;

/** `{ 400: <problem>, 404: <problem>, ... }` for a route's `response`. */
export function problemResponses<S extends number>(...statuses: S[]): Record<S, ProblemResponse> {
  const response = problemResponse(problemSchema);
  return Object.fromEntries(statuses.map((status) => [status, response])) as Record<S, ProblemResponse>;
}

/** A decimal amount in major units, as a string (the wire format of the `money` module). */
export const moneySchema = {
  type: 'string',
  pattern: MONEY_PATTERN,
  description: 'Decimal amount in major units, as a string',
} as const;

export const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' } as const;

/** Path params holding one UUID, e.g. `uuidParams('orderId')` for `/orders/:orderId`. */
export function uuidParams<K extends string>(name: K) {
  return {
    type: 'object',
    additionalProperties: false,
    required: [name],
    properties: { [name]: { type: 'string', format: 'uuid' } } as Record<K, { type: 'string'; format: 'uuid' }>,
  } as const;
}

/** The `limit` query parameter of the list routes. */
export const limitParam = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;

/** The body of a list route: `{ items: [...] }`. */
export function listSchema<T extends object>(items: T) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: { items: { type: 'array', items } },
  } as const;
}
