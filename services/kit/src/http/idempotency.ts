import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/types.js';
import { BadRequestError, ConflictError, HttpProblem } from './errors.js';
import { PendingReleases } from './idempotency-releases.js';
import { type Claim, completeClaim, createIdempotencyStore, type StoredResponse } from './idempotency-store.js';
import { rootPlugin } from './root-plugin.js';

export interface IdempotencyOptions {
  db: Db;
  /**
   * How long a key may stay `pending` before a retry may take it over. It covers a process
   * that died mid-request; keep it well above the slowest POST handler. Default 60 s.
   */
  pendingTimeoutMs?: number;
  /** Period of the retries of releases that failed (the database was unreachable). Default 1 s. */
  releaseRetryMs?: number;
}

/** This request's hold on its Idempotency-Key, until its response is stored or the key released. */
export interface RequestClaim {
  readonly claim: Claim;
  /** Set once the key is settled (response stored and committed, released, or lost to a takeover). */
  settled: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set while a POST with an Idempotency-Key holds its key; null otherwise (see storeResponse). */
    idempotencyClaim: RequestClaim | null;
  }
}

const HEADER = 'idempotency-key';
/** Printable ASCII only: the key is echoed into logs and compared byte for byte. */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
/** The response headers a replay must reproduce; the rest (date, length) are per response. */
const REPLAYED_HEADERS = ['content-type', 'location'] as const;
/** A 409 in-progress is worth retrying: the first request finishes, or its key is freed. */
const IN_PROGRESS_RETRY_AFTER_SECONDS = '1';

/** The 409 for a key another request holds, with the Retry-After that says it is worth retrying. */
export function inProgress(reply: FastifyReply): ConflictError {
  reply.header('retry-after', IN_PROGRESS_RETRY_AFTER_SECONDS);
  return new ConflictError('A request with this Idempotency-Key is in progress');
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
 *
 * The key is claimed in preHandler (after validation, so a rejected body does not use it up): a
 * committed `pending` row that makes concurrent duplicates wait (409 with Retry-After) instead
 * of running the handler beside it. A route whose request has an effect stores its response in
 * the transaction of that effect (`storeResponse`), so the effect and the response that a retry
 * replays commit together: a crash or an outage after that commit cannot make a retry do it
 * again. Responses that no unit of work stored (4xx, routes without an effect) are stored in
 * onSend; a 5xx releases the key, so a retry runs again.
 *
 * During a database outage: a claim fails (5xx, the key stays free, the client retries). A key
 * claimed before the outage whose request then fails cannot be released at once; the release is
 * retried every releaseRetryMs and before every new claim, and if this process dies as well, a
 * retry takes the key over after pendingTimeoutMs. Meanwhile a retry gets 409 with Retry-After.
 * Whether the effect's COMMIT went through when the connection broke is unknown to the request,
 * but not to the key: a committed effect committed its response too (the release then finds
 * nothing pending and the retry gets the replay), an uncommitted one left the key pending.
 */
export const idempotencyPlugin: FastifyPluginAsync<IdempotencyOptions> = rootPlugin(
  async (app, { db, pendingTimeoutMs = 60_000, releaseRetryMs = 1_000 }) => {
    const store = createIdempotencyStore(db, pendingTimeoutMs);
    const releases = new PendingReleases(store, pendingTimeoutMs, app.log, releaseRetryMs);
    releases.start();
    app.addHook('onClose', () => releases.stop());
    app.decorateRequest('idempotencyClaim', null);

    const release = async (request: FastifyRequest, claim: Claim): Promise<void> => {
      try {
        await store.release(claim);
      } catch (err) {
        request.log.warn({ err, idempotencyKey: claim.scope.key }, 'could not release idempotency key; will retry');
        releases.add(claim);
      }
    };

    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST' || request.is404) return;
      const key = readKey(request);
      if (key === undefined) return;
      // A client retrying after a failure whose release is still queued here must find its key free.
      if (releases.size > 0) await releases.flush();
      const scope = { caller: request.caller?.subject ?? '', route: request.routeOptions.url ?? request.url, key };
      const result = await store.claim(scope, requestHash(request));
      switch (result.kind) {
        case 'claimed':
          request.idempotencyClaim = { claim: result.claim, settled: false };
          return;
        case 'replay':
          return replay(reply, result.response);
        case 'mismatch':
          throw new HttpProblem(422, 'Idempotency-Key reused with a different request');
        case 'in-progress':
          throw inProgress(reply);
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const held = request.idempotencyClaim;
      if (!held || held.settled) return payload;
      held.settled = true;
      const replayable =
        payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload);
      // A 5xx (thrown errors end here too, as problem responses) may succeed on retry, so the
      // key is given back. A streamed body cannot be stored, so it cannot be replayed either.
      if (reply.statusCode >= 500 || !replayable) {
        if (!replayable) request.log.warn('streamed response cannot be stored for Idempotency-Key replay');
        await release(request, held.claim);
        return payload;
      }
      try {
        const body = typeof payload === 'string' ? Buffer.from(payload) : (payload ?? Buffer.alloc(0));
        await completeClaim(db, held.claim, { statusCode: reply.statusCode, headers: storedHeaders(reply), body });
      } catch (err) {
        // No effect rides on this response (effects store theirs in their own transaction), so
        // nothing would be repeated: a retry after the pending timeout simply runs again.
        request.log.error({ err, idempotencyKey: held.claim.scope.key }, 'could not store idempotent response');
      }
      return payload;
    });

    // Safety net for responses that never passed onSend (a hijacked reply, a dropped socket).
    app.addHook('onResponse', async (request) => {
      const held = request.idempotencyClaim;
      if (!held || held.settled) return;
      held.settled = true;
      await release(request, held.claim);
    });
  },
  'ecom-idempotency',
);
