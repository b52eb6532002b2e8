import type { FastifyReply } from 'fastify';
import type { Queryable } from '../db/types.js';
import { inProgress } from './idempotency.js';
import { completeClaim } from './idempotency-store.js';

/** The transaction of a unit of work, and its hook for what must happen only once it committed. */
export interface UnitOfWork {
  tx: Queryable;
  onCommit(effect: () => void): void;
}

/** A response built inside a unit of work, sent once it committed (`sendResponse`). */
export interface PreparedResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The serialized body: what the client gets now and what a retry gets replayed, byte for byte. */
  readonly payload: string;
}

/** What Fastify sends serialized JSON as. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Prepares the response of a request that has an effect, inside the unit of work that makes the
 * effect, and when the request carries an Idempotency-Key, stores it in that same transaction:
 * the effect and the response a retry will replay commit together, or neither does. The body is
 * serialized here, by the route's response schema for `statusCode` (as Fastify would), and sent
 * as these exact bytes after the commit:
 *
 *   const { order, response } = await deps.events.transact(async (tx, emit, onCommit) => {
 *     const order = await insertOrder(tx, …); emit(…);
 *     return { order, response: await storeResponse({ tx, onCommit }, reply, 201, order, { location }) };
 *   });
 *   return sendResponse(reply, response);
 *
 * Without a key (or without idempotency: no db) it only prepares. When the key is no longer this
 * request's (a retry took it over after the pending timeout), it throws the 409 in-progress,
 * which rolls the unit of work back: the request that holds the key makes the effect, not both.
 */
export async function storeResponse(
  unit: UnitOfWork,
  reply: FastifyReply,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<PreparedResponse> {
  const serialize = reply.getSerializationFunction(String(statusCode));
  const payload = serialize ? serialize(body as Record<string, unknown>) : JSON.stringify(body);
  const response: PreparedResponse = {
    statusCode,
    headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
    payload,
  };
  // Absent (not null) when the idempotency plugin is not registered.
  const held = reply.request.idempotencyClaim;
  if (!held || held.settled) return response;
  const stored = await completeClaim(unit.tx, held.claim, {
    statusCode,
    headers: { ...response.headers },
    body: Buffer.from(payload),
  });
  if (!stored) {
    held.settled = true;
    throw inProgress(reply);
  }
  // Until the commit, a rollback (an error after this call, a failed COMMIT) leaves the key
  // pending, and onSend settles it as for any other response: release on 5xx, store a 4xx.
  unit.onCommit(() => {
    held.settled = true;
  });
  return response;
}

/** Sends a prepared response as is: its status, headers and serialized payload. */
export function sendResponse(reply: FastifyReply, response: PreparedResponse): FastifyReply {
  return reply.code(response.statusCode).headers(response.headers).send(response.payload);
}
