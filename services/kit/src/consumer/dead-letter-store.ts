import type { Queryable } from '../db/types.js';
import type { IncomingRecord } from '../kafka/records.js';

/**
 * Records these positions as dead-lettered by this service's group, in the caller's transaction;
 * returns the offsets that were new. A position already present was dead-lettered before the
 * crash that redelivered it: its letter is in the outbox or on the topic already.
 */
export async function claimDeadLetters(tx: Queryable, records: IncomingRecord[]): Promise<Set<string>> {
  const [first] = records;
  if (!first) return new Set();
  const { rows } = await tx.query<{ offset: string | number }>(
    `INSERT INTO dead_letters (topic, partition, "offset", ce_id)
     SELECT $1, $2, o, c FROM unnest($3::bigint[], $4::text[]) AS t(o, c)
     ON CONFLICT DO NOTHING RETURNING "offset"`,
    [first.topic, first.partition, records.map((r) => r.offset), records.map((r) => r.headers.ce_id ?? null)],
  );
  return new Set(rows.map((r) => String(r.offset)));
}
