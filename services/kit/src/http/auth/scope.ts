import type { FastifyRequest } from 'fastify';
import { BadRequestError, type FieldError, NotFoundError } from '../errors.js';

/**
 * The customer a request acts for. A caller acting as a customer acts for itself: the id comes
 * from its token, and a different one in the request is refused (naming the field) rather than
 * quietly replaced. Other callers name the customer in the request (undefined when they did not).
 */
export function customerFor(
  request: FastifyRequest,
  requested: string | undefined,
  field: Required<Pick<FieldError, 'field' | 'in'>>,
): string | undefined {
  const own = request.caller?.customerId;
  if (own === undefined) return requested;
  if (requested !== undefined && requested !== own) {
    throw new BadRequestError(`${field.field.slice(1)} must be omitted or be the token's own subject`, [
      { ...field, message: "must be omitted or equal the token's subject: a customer acts only for itself" },
    ]);
  }
  return own;
}

/**
 * Hides another customer's resource behind the same 404 as a missing one, so a customer cannot
 * learn which ids exist (OWASP API1). A caller not acting as a customer sees every resource.
 */
export function ownedOrNotFound<T>(
  request: FastifyRequest,
  found: T | undefined,
  ownerOf: (t: T) => string,
  detail: string,
): T {
  const own = request.caller?.customerId;
  if (found === undefined || (own !== undefined && ownerOf(found) !== own)) throw new NotFoundError(detail);
  return found;
}
