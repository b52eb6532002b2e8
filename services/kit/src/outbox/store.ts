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

/** The oldest unpublished rows, in commit-safe id order (per-key order is the order of the ids). */
export async function readOutbox(tx: Queryable, limit: number): Promise<OutboxRow[]> {
  const { rows } = await tx.query<{
    id: string | number;
    topic: string;
    key: string | null;
    value: Uint8Array;
    headers: Record<string, string>;
  }>('SELECT id, topic, key, value, headers FROM outbox ORDER BY id LIMIT $1', [limit]);
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

export async function outboxBacklog(db: Queryable): Promise<{ rows: number; oldestAgeSeconds: number }> {
  const { rows } = await db.query<{ n: string | number; age: string | number | null }>(
    'SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age FROM outbox',
  );
  return { rows: Number(rows[0]?.n ?? 0), oldestAgeSeconds: Number(rows[0]?.age ?? 0) };
}
