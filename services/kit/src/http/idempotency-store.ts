import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/types.js';

/**
 * Keys are scoped per caller (the token's subject) and route pattern: the same key from two
 * callers, or on two endpoints, names two operations.
 */
export interface KeyScope {
  caller: string;
  route: string;
  key: string;
}

/** A request's hold on a pending key: `token` tells its claim apart from a later takeover's. */
export interface Claim {
  scope: KeyScope;
  hash: string;
  token: string;
}

export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type ClaimResult =
  | { kind: 'claimed'; claim: Claim }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

export interface IdempotencyStore {
  /** Takes the key for this request, or says what the earlier request with that key became. */
  claim(scope: KeyScope, requestHash: string): Promise<ClaimResult>;
  /** Gives the key back (5xx or thrown error) so a retry runs the handler again; false if it was not ours any more. */
  release(claim: Claim): Promise<boolean>;
}

interface Row {
  state: string;
  request_hash: string;
  status_code: number | null;
  response_headers: unknown;
  response_body: unknown;
}

// A pending row older than the timeout belongs to a request whose process died (or whose
// release failed and was never retried); taking it over keeps such a key from answering 409
// forever. The takeover gets a new claim token, so the old request can neither complete nor
// release it any more.
const CLAIM = `INSERT INTO idempotency_keys (key, route, request_hash, state, claim, caller)
VALUES ($1, $2, $3, 'pending', $5, $6)
ON CONFLICT (caller, route, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, claim = EXCLUDED.claim, created_at = now()
WHERE idempotency_keys.state = 'pending'
  AND idempotency_keys.created_at < now() - make_interval(secs => $4::double precision)`;

const READ = `SELECT state, request_hash, status_code, response_headers, response_body
FROM idempotency_keys WHERE route = $1 AND key = $2 AND caller = $3`;

const COMPLETE = `UPDATE idempotency_keys
SET state = 'done', status_code = $4, response_headers = $5::jsonb, response_body = $6
WHERE route = $1 AND key = $2 AND claim = $3 AND state = 'pending' AND caller = $7`;

const RELEASE = `DELETE FROM idempotency_keys
WHERE route = $1 AND key = $2 AND claim = $3 AND state = 'pending' AND caller = $4`;

/** pg hands bytea back as Buffer, PGlite as Uint8Array. */
function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.alloc(0);
}

/** jsonb usually arrives parsed; a driver configured to return text still works. */
function toHeaders(value: unknown): Record<string, string> {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  const out: Record<string, string> = {};
  if (parsed && typeof parsed === 'object') {
    for (const [name, v] of Object.entries(parsed)) if (typeof v === 'string') out[name] = v;
  }
  return out;
}

function classify(row: Row, requestHash: string): ClaimResult {
  if (row.request_hash !== requestHash) return { kind: 'mismatch' };
  if (row.state !== 'done' || row.status_code === null) return { kind: 'in-progress' };
  return {
    kind: 'replay',
    response: {
      statusCode: row.status_code,
      headers: toHeaders(row.response_headers),
      body: toBuffer(row.response_body),
    },
  };
}

/**
 * Records the response of the claimed request, through `q`: inside the unit of work that makes
 * the request's effect (so both commit or neither does), or on its own for a response with no
 * effect. False when the claim is no longer this request's: a takeover (or the request itself)
 * settled the key already, and nothing may be stored, nor committed with it.
 */
export async function completeClaim(q: Queryable, claim: Claim, response: StoredResponse): Promise<boolean> {
  const { rowCount } = await q.query(COMPLETE, [
    claim.scope.route,
    claim.scope.key,
    claim.token,
    response.statusCode,
    JSON.stringify(response.headers),
    response.body,
    claim.scope.caller,
  ]);
  return rowCount === 1;
}

export function createIdempotencyStore(db: Db, pendingTimeoutMs: number): IdempotencyStore {
  return {
    async claim(scope, requestHash) {
      // Insert and read in one short transaction so the read sees the row the conflict was on.
      // If that row vanished in between (its request failed and released it), claim again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const claim: Claim = { scope, hash: requestHash, token: randomUUID() };
        const result = await db.transaction(async (tx): Promise<ClaimResult | undefined> => {
          const inserted = await tx.query(CLAIM, [
            scope.key,
            scope.route,
            requestHash,
            pendingTimeoutMs / 1000,
            claim.token,
            scope.caller,
          ]);
          if (inserted.rowCount === 1) return { kind: 'claimed', claim };
          const { rows } = await tx.query<Row>(READ, [scope.route, scope.key, scope.caller]);
          const row = rows[0];
          return row ? classify(row, requestHash) : undefined;
        });
        if (result) return result;
      }
      return { kind: 'in-progress' };
    },

    async release({ scope, token }) {
      const { rowCount } = await db.query(RELEASE, [scope.route, scope.key, token, scope.caller]);
      return rowCount === 1;
    },
  };
}
