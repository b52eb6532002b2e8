import type { Queryable } from './db/types.js';

/**
 * Records event ids (with the topic each came from) as processed in the caller's transaction and
 * returns the ids that were new. An id already present was processed before (a redelivery): its
 * handler must not run again.
 */
export async function claimEvents(tx: Queryable, events: { id: string; topic: string }[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const { rows } = await tx.query<{ ce_id: string }>(
    `INSERT INTO inbox (ce_id, topic) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (ce_id) DO NOTHING RETURNING ce_id`,
    [events.map((e) => e.id), events.map((e) => e.topic)],
  );
  return new Set(rows.map((r) => r.ce_id));
}
