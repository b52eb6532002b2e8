import type { Queryable } from '../db/types.js';
import type { EventContext } from '../events/event.js';

/** An effect as the runner claimed it: `attempts` counts this claim, and guards the outcome write. */
export interface ClaimedEffect {
  id: string;
  kind: string;
  key: string;
  payload: unknown;
  context: EventContext;
  attempts: number;
}

/** Records an effect in the caller's transaction; false when one with this key exists already. */
export async function insertEffect(
  tx: Queryable,
  effect: { kind: string; key: string; payload: unknown; context: EventContext },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO effects (kind, key, payload, context) VALUES ($1, $2, $3::jsonb, $4::jsonb)
     ON CONFLICT (key) DO NOTHING`,
    [effect.kind, effect.key, JSON.stringify(effect.payload), JSON.stringify(effect.context)],
  );
  return rowCount === 1;
}

/**
 * Claims up to `limit` due effects for `leaseSeconds`: a runner that dies holding them loses them
 * when the lease ends, and another runner (or this one, restarted) calls again with the same key.
 */
export async function claimDueEffects(db: Queryable, limit: number, leaseSeconds: number): Promise<ClaimedEffect[]> {
  const { rows } = await db.query<{
    id: string | number;
    kind: string;
    key: string;
    payload: unknown;
    context: EventContext;
    attempts: number;
  }>(
    `UPDATE effects SET attempts = attempts + 1, due_at = now() + make_interval(secs => $2::double precision)
     WHERE id IN (SELECT id FROM effects WHERE due_at <= now() ORDER BY due_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING id, kind, key, payload, context, attempts`,
    [limit, leaseSeconds],
  );
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}

/** Puts a failed call back for a later try; false when the claim was lost (the lease ran out). */
export async function rescheduleEffect(
  db: Queryable,
  effect: ClaimedEffect,
  delayMs: number,
  error: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE effects SET due_at = now() + make_interval(secs => $3::double precision), last_error = $4
     WHERE id = $1 AND attempts = $2`,
    [effect.id, effect.attempts, delayMs / 1000, error.slice(0, 1000)],
  );
  return rowCount === 1;
}

/** Removes the effect in the transaction that records its outcome; false when the claim was lost. */
export async function finishEffect(tx: Queryable, effect: ClaimedEffect): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM effects WHERE id = $1 AND attempts = $2', [
    effect.id,
    effect.attempts,
  ]);
  return rowCount === 1;
}

export async function effectBacklog(db: Queryable): Promise<{ rows: number; oldestAgeSeconds: number }> {
  const { rows } = await db.query<{ n: string | number; age: string | number | null }>(
    'SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age FROM effects',
  );
  return { rows: Number(rows[0]?.n ?? 0), oldestAgeSeconds: Number(rows[0]?.age ?? 0) };
}
