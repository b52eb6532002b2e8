import type { Db } from '../db/types.js';

/** Keys are scoped per route pattern: the same key on two endpoints names two operations. */
export interface KeyScope {
  route: string;
  key: string;
}

export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

export interface IdempotencyStore {
  /** Takes the key for this request, or says what the earlier request with that key became. */
  claim(scope: KeyScope, requestHash: string): Promise<ClaimResult>;
  /** Records the response the claimed request produced; later retries replay it. */
  complete(scope: KeyScope, requestHash: string, response: StoredResponse): Promise<void>;
  /** Gives the key back (5xx or thrown error) so a retry runs the handler again. */
  release(scope: KeyScope, requestHash: string): Promise<void>;
}

interface Row {
  state: string;
  request_hash: string;
  status_code: number | null;
  response_headers: unknown;
  response_body: unknown;
}

// A pending row older than the timeout belongs to a request whose process died (or whose
// completion write failed); taking it over keeps such a key from answering 409 forever.
const CLAIM = `INSERT INTO idempotency_keys (key, route, request_hash, state)
VALUES ($1, $2, $3, 'pending')
ON CONFLICT (route, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now()
WHERE idempotency_keys.state = 'pending'
  AND idempotency_keys.created_at < now() - make_interval(secs => $4::double precision)`;

const READ = `SELECT state, request_hash, status_code, response_headers, response_body
FROM idempotency_keys WHERE route = $1 AND key = $2`;

const COMPLETE = `UPDATE idempotency_keys
SET state = 'done', status_code = $4, response_headers = $5::jsonb, response_body = $6
WHERE route = $1 AND key = $2 AND request_hash = $3 AND state = 'pending'`;

const RELEASE = `DELETE FROM idempotency_keys
WHERE route = $1 AND key = $2 AND request_hash = $3 AND state = 'pending'`;

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

export function createIdempotencyStore(db: Db, pendingTimeoutMs: number): IdempotencyStore {
  return {
    async claim({ route, key }, requestHash) {
      // Insert and read in one short transaction so the read sees the row the conflict was on.
      // If that row vanished in between (its request failed and released it), claim again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const result = await db.transaction(async (tx): Promise<ClaimResult | undefined> => {
          const inserted = await tx.query(CLAIM, [key, route, requestHash, pendingTimeoutMs / 1000]);
          if (inserted.rowCount === 1) return { kind: 'claimed' };
          const { rows } = await tx.query<Row>(READ, [route, key]);
          const row = rows[0];
          return row ? classify(row, requestHash) : undefined;
        });
        if (result) return result;
      }
      return { kind: 'in-progress' };
    },

    async complete({ route, key }, requestHash, response) {
      await db.query(COMPLETE, [
        route,
        key,
        requestHash,
        response.statusCode,
        JSON.stringify(response.headers),
        response.body,
      ]);
    },

    async release({ route, key }, requestHash) {
      await db.query(RELEASE, [route, key, requestHash]);
    },
  };
}
