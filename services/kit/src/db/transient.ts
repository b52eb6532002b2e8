import { isStalePreparedStatement } from './statement-names.js';

/**
 * Errors that say nothing about the work itself: the same transaction may well succeed when run
 * again (a deadlock victim, a serialization failure, a lost connection, a server shutting down or
 * restarting, no free connection slot). Retried without limit while they last, never dead-lettered.
 */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '57014', // query_canceled (statement_timeout fired on a lock wait)
]);

/** Node socket errors of a connection that failed or went away mid-query. */
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/** pg's own messages for a connection it lost or could not get (they carry no code). */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /connection.*(closed|ended)/i,
  /cannot use a pool after calling end/i,
];

function isTransientOne(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // The runner runs that statement unnamed from then on, so the work succeeds when redone (postgres.ts).
  if (isStalePreparedStatement(error)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08')) return true;
    if (TRANSIENT_NODE_CODES.has(code)) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/** True when the error, or any error in its `cause` chain, is transient. */
export function isTransientError(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== undefined && e !== null && !seen.has(e); ) {
    seen.add(e);
    if (isTransientOne(e)) return true;
    if (e instanceof AggregateError && e.errors.some(isTransientOne)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Full-jitter exponential backoff (AWS architecture blog): random in [0, min(cap, base * 2^n)). */
export function jitteredBackoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
