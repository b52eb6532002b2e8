import { STATUS_CODES } from 'node:http';
import type { FastifySchemaValidationError } from 'fastify';
import { isTransientError } from '../db/transient.js';
import { type FieldError, HttpProblem } from './errors.js';

/** The RFC 9457 body every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
}

type Part = NonNullable<FieldError['in']>;

/** The fields of Fastify's errors the mapping reads; everything else about `error` is unknown. */
interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: FastifySchemaValidationError[];
  validationContext?: string;
}

/** RFC 6901 escaping, so a property named `a/b` stays one segment. */
function escapePointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Turns Ajv errors into one entry per bad field. Ajv reports a missing or extra property on
 * its parent object (`instancePath` of the parent), so the property's own pointer is built
 * from `params`: a caller wants to see `/customerId`, not `` with a message to parse.
 */
export function fieldErrorsFromValidation(
  errors: readonly FastifySchemaValidationError[],
  part?: string,
): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of errors) {
    const child = error.params.missingProperty ?? error.params.additionalProperty ?? error.params.propertyName;
    const field =
      typeof child === 'string' ? `${error.instancePath}/${escapePointerSegment(child)}` : error.instancePath;
    const message = error.message ?? error.keyword;
    const id = `${field}\u0000${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(isPart(part) ? { field, message, in: part } : { field, message });
  }
  return out;
}

function isPart(part: string | undefined): part is Part {
  return part === 'body' || part === 'querystring' || part === 'params' || part === 'headers';
}

/** A Problem whose title is the HTTP reason phrase, as RFC 9457 asks for `about:blank`. */
export function problem(status: number, detail: string, instance: string, extra: Partial<Problem> = {}): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, instance, ...extra };
}

/**
 * Maps anything a route, hook or Fastify itself can throw to a Problem. `exposed` is false
 * when the detail was replaced by a generic one, which tells the caller to log the original.
 */
export function problemFromError(
  error: unknown,
  instance: string,
  requestId: string,
): { problem: Problem; exposed: boolean } {
  if (error instanceof HttpProblem) {
    const extra: Partial<Problem> = { type: error.type };
    if (error.errors) extra.errors = error.errors;
    return { problem: problem(error.status, error.detail, instance, extra), exposed: true };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) {
    const part = e.validationContext ?? 'request';
    const errors = fieldErrorsFromValidation(e.validation, part);
    const noun = errors.length === 1 ? 'field' : 'fields';
    return {
      problem: problem(400, `The request ${part} has ${errors.length} invalid ${noun}`, instance, { errors }),
      exposed: true,
    };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { problem: problem(413, 'The request body is larger than this service accepts', instance), exposed: true };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        problem: problem(415, 'Only application/json request bodies are accepted', instance),
        exposed: true,
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { problem: problem(400, 'The request body is not valid JSON', instance), exposed: true };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        problem: problem(400, 'The request body is empty but Content-Type is application/json', instance),
        exposed: true,
      };
  }
  // Other client errors raised by Fastify (bad URL, content-length mismatch, ...) carry safe
  // messages; anything else may hold internals (SQL, stack, hostnames), so it is hidden.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const detail = typeof e.message === 'string' && e.message ? e.message : (STATUS_CODES[e.statusCode] ?? 'Error');
    return { problem: problem(e.statusCode, detail, instance), exposed: true };
  }
  // A deadlock victim, a lost connection, a database restarting: the same request may succeed in
  // a moment, and a client should retry it (with its Idempotency-Key) rather than give up.
  if (isTransientError(error)) {
    const detail = `The database is busy or unavailable; retry the request (request id ${requestId})`;
    return { problem: problem(503, detail, instance), exposed: false };
  }
  // The request id lets support find the logged error without showing it to the caller.
  const detail = `An unexpected error occurred; it was logged with request id ${requestId}`;
  return { problem: problem(500, detail, instance), exposed: false };
}
