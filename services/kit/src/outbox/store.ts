import type { Queryable } from '../db/types.js';
import type { OutgoingRecord } from '../kafka/records.js';

export interface OutboxRow extends OutgoingRecord {
  id: string;
}

/** Appends records to the outbox in the caller's transaction: one INSERT for all of them. */
export async function insertOutbox(tx: Queryable, records: OutgoingRecord[]): Promise<void> {
  if (records.length === 0) return;
  const values: string[] = [];
  const params: unknown[] = [];
  for (const r of records) {
    const n = params.length;
    values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::jsonb)`);
    params.push(r.topic, r.key, r.value, JSON.stringify(r.headers));
  }
  await tx.query(`INSERT INTO outbox (topic, key, value, headers) VALUES ${values.join(', ')}`, params);
}

/**
 * The oldest rows not yet published, in commit-safe id order (per-key order is the order of the
 * ids). `published` are rows Kafka already acknowledged: they are deleted by this same statement and
 * left out of what it returns (the SELECT sees the snapshot from before the DELETE), so the relay
 * pays one round trip per batch instead of two.
 */
export async function readOutbox(tx: Queryable, limit: number, published: string[] = []): Promise<OutboxRow[]> {
  const { rows } = await tx.query<{
    id: string | number;
    topic: string;
    key: string | null;
    value: Uint8Array;
    headers: Record<string, string>;
  }>(
    `WITH published AS (DELETE FROM outbox WHERE id = ANY($2::bigint[]))
     SELECT id, topic, key, value, headers FROM outbox WHERE id <> ALL($2::bigint[]) ORDER BY id LIMIT $1`,
    [limit, published],
  );
  return rows.map((r) => ({
    id: String(r.id),
    topic: r.topic,
    key: r.key,
    value: Buffer.from(r.value),
    headers: r.headers,
  }));
}

export async function deleteOutbox(tx: Queryable, ids: string[]): Promise<void> {
  await tx.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
}

/** Rows waiting to be published; `published` (acknowledged, not deleted yet) are not counted. */
export async function outboxBacklog(
  db: Queryable,
  published: string[] = [],
): Promise<{ rows: number; oldestAgeSeconds: number }> {
  const { rows } = await db.query<{ n: string | number; age: string | number | null }>(
    `SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age FROM outbox
     WHERE id <> ALL($1::bigint[])`,
    [published],
  );
  return { rows: Number(rows[0]?.n ?? 0), oldestAgeSeconds: Number(rows[0]?.age ?? 0) };
}
