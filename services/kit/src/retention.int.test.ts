import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './db/types.js';
import { createKitMetrics } from './metrics.js';
import { RetentionPurge } from './retention.js';
import { testDb, testLogger } from './testing/index.js';

let db: Db;

beforeAll(async () => {
  db = await testDb();
});

afterAll(async () => {
  await db.close();
});

async function count(table: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

describe('retention purge', () => {
  it('removes inbox, dead-letter and idempotency rows older than their retention, and keeps the rest', async () => {
    const hour = 3_600_000;
    await db.query(
      `INSERT INTO inbox (ce_id, topic, processed_at)
       SELECT 'old-' || g, 't', now() - interval '20 days' FROM generate_series(1, 12000) g`,
    );
    await db.query("INSERT INTO inbox (ce_id, topic, processed_at) VALUES ('recent', 't', now() - interval '1 day')");
    await db.query(
      `INSERT INTO dead_letters (topic, partition, "offset", dead_lettered_at)
       VALUES ('t', 0, 1, now() - interval '20 days'), ('t', 0, 2, now())`,
    );
    await db.query(
      `INSERT INTO idempotency_keys (key, route, request_hash, state, created_at)
       VALUES ('old', '/r', 'h', 'done', now() - interval '3 days'), ('new', '/r', 'h', 'done', now())`,
    );
    const metrics = createKitMetrics(new Registry());
    const purge = new RetentionPurge({
      db,
      metrics,
      logger: testLogger(),
      inboxRetentionMs: 15 * 24 * hour,
      idempotencyKeyRetentionMs: 48 * hour,
      intervalMs: 60_000,
    });
    await purge.runOnce();
    // 12,000 old rows take more than one purge batch (5,000): all of them go.
    expect(await count('inbox')).toBe(1);
    expect(await count('dead_letters')).toBe(1);
    expect((await db.query<{ key: string }>('SELECT key FROM idempotency_keys')).rows).toEqual([{ key: 'new' }]);
    const purged = (await metrics.purged.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(purged).toBe(12_002);
  });
});
