import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/types.js';
import { BadRequestError, ConflictError, HttpProblem } from './errors.js';
import { createIdempotencyStore, type KeyScope, type StoredResponse } from './idempotency-store.js';
import { rootPlugin } from './root-plugin.js';

export interface IdempotencyOptions {
  db: Db;
  /**
   * How long a key may stay `pending` before a retry may take it over. It covers a process
   * that died mid-request; keep it well above the slowest POST handler. Default 60 s.
   */
  pendingTimeoutMs?: number;
}

const HEADER = 'idempotency-key';
/** Printable ASCII only: the key is echoed into logs and compared byte for byte. */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
/** The response headers a replay must reproduce; the rest (date, length) are per response. */
const REPLAYED_HEADERS = ['content-type', 'location'] as const;

interface Claim {
  scope: KeyScope;
  hash: string;
}

/**
 * The body is hashed as parsed JSON (Fastify keeps no raw body): a client retrying sends the
 * same bytes, which parse and serialize back to the same string.
 */
function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method}\n${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

function readKey(request: FastifyRequest): string | undefined {
  const raw = request.headers[HEADER];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw.join(', ') : raw;
  if (!KEY_PATTERN.test(key)) {
    throw new BadRequestError('The Idempotency-Key header must be 1 to 255 printable ASCII characters', [
      { field: `/${HEADER}`, in: 'headers', message: 'must be 1 to 255 printable ASCII characters' },
    ]);
  }
  return key;
}

function replay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply
    .code(response.statusCode)
    .headers({ ...response.headers, 'idempotent-replayed': 'true' })
    .send(response.body);
}

function storedHeaders(reply: FastifyReply): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/**
 * `Idempotency-Key` on POST routes: the first request runs and its response is stored; a
 * retry with the same key and request gets that response again without running the handler.
 * The key is claimed in preHandler (after validation, so a rejected body does not use it up)
 * and settled in onSend, where the serialized payload exists and before the client sees it.
 */
export const idempotencyPlugin: FastifyPluginAsync<IdempotencyOptions> = rootPlugin(
  async (app, { db, pendingTimeoutMs = 60_000 }) => {
    const store = createIdempotencyStore(db, pendingTimeoutMs);
    // Per-app, per-request bookkeeping; a WeakMap lets finished requests be collected.
    const claims = new WeakMap<FastifyRequest, Claim>();

    const release = async (request: FastifyRequest, claim: Claim): Promise<void> => {
      try {
        await store.release(claim.scope, claim.hash);
      } catch (err) {
        // The pending row then blocks retries until pendingTimeoutMs, after which one takes over.
        request.log.error({ err, idempotencyKey: claim.scope.key }, 'could not release idempotency key');
      }
    };

    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST' || request.is404) return;
      const key = readKey(request);
      if (key === undefined) return;
      const claim: Claim = {
        scope: { route: request.routeOptions.url ?? request.url, key },
        hash: requestHash(request),
      };
      const result = await store.claim(claim.scope, claim.hash);
      switch (result.kind) {
        case 'claimed':
          claims.set(request, claim);
          return;
        case 'replay':
          return replay(reply, result.response);
        case 'mismatch':
          throw new HttpProblem(422, 'Idempotency-Key reused with a different request');
        case 'in-progress':
          throw new ConflictError('A request with this Idempotency-Key is in progress');
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const claim = claims.get(request);
      if (!claim) return payload;
      claims.delete(request);
      const replayable =
        payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload);
      // A 5xx (thrown errors end here too, as problem responses) may succeed on retry, so the
      // key is given back. A streamed body cannot be stored, so it cannot be replayed either.
      if (reply.statusCode >= 500 || !replayable) {
        if (!replayable) request.log.warn('streamed response cannot be stored for Idempotency-Key replay');
        await release(request, claim);
        return payload;
      }
      try {
        const body = typeof payload === 'string' ? Buffer.from(payload) : (payload ?? Buffer.alloc(0));
        await store.complete(claim.scope, claim.hash, {
          statusCode: reply.statusCode,
          headers: storedHeaders(reply),
          body,
        });
      } catch (err) {
        // The handler's work is done and committed; failing this response would invite a retry
        // that repeats it. Send it, and let the pending timeout free the key.
        request.log.error({ err, idempotencyKey: claim.scope.key }, 'could not store idempotent response');
      }
      return payload;
    });

    // Safety net for responses that never passed onSend (a hijacked reply, a dropped socket).
    app.addHook('onResponse', async (request) => {
      const claim = claims.get(request);
      if (!claim) return;
      claims.delete(request);
      await release(request, claim);
    });
  },
  'ecom-idempotency',
);
