// Everything the platform has written, as a fingerprint two moments can be compared by: "this
// batch of requests wrote nothing" means no table of any service and no topic changed.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb, openOffsetReader, quoteIdent } from '@ecom/kit';
import { eventually, testDatabaseUrl, testKafka, testLogger } from '@ecom/kit/testing';
import { loadTopicSpecs } from '@ecom/kit/topics';
import { quiesce } from './platform.js';
import { DATABASE_SCHEMAS } from './services.js';

/** `"<schema>.<table>"` or `"topic <name>"` → its state. */
export type Fingerprint = Record<string, string>;

export interface WriteWatcher {
  /** Waits until the platform is idle (consumers caught up, fingerprint steady), then fingerprints it. */
  settled(): Promise<Fingerprint>;
  close(): Promise<void>;
}

export async function watchWrites(): Promise<WriteWatcher> {
  const db = await openDb({ url: testDatabaseUrl(), schema: 'public', poolSize: 2 }, testLogger());
  const offsets = await openOffsetReader(testKafka('e2e-writes'));
  const topicsDir = resolve(fileURLToPath(new URL('../../k8s/topics', import.meta.url)));
  const topics = (await loadTopicSpecs(topicsDir)).map((t) => t.name);

  const take = async (): Promise<Fingerprint> => {
    const print: Fingerprint = {};
    const { rows: tables } = await db.query<{ schema: string; table: string }>(
      `SELECT table_schema AS schema, table_name AS "table" FROM information_schema.tables
        WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
      [DATABASE_SCHEMAS],
    );
    for (const { schema, table } of tables) {
      // xmin is the id of the transaction that wrote a row version: an insert adds one, an update
      // replaces one with a newer id, a delete removes one. So count + sum(xmin) moves on any
      // committed write, even one that leaves the count (or a row's visible values) as they were.
      const { rows } = await db.query<{ n: string; xmins: string | null }>(
        `SELECT count(*) AS n, sum(xmin::text::bigint) AS xmins FROM ${quoteIdent(schema)}.${quoteIdent(table)}`,
      );
      print[`${schema}.${table}`] = `${rows[0]?.n} rows, xmin sum ${rows[0]?.xmins ?? 0}`;
    }
    for (const topic of topics) {
      const bounds = await offsets.bounds(topic);
      print[`topic ${topic}`] = `log ends ${bounds.map((b) => b.high).join(',')}`;
    }
    return print;
  };

  return {
    async settled() {
      await quiesce();
      // Steady for three looks 500 ms apart: the outbox relay (sweep 200 ms in the stack) and
      // the consumers have nothing left to do.
      let last = await take();
      let steady = 0;
      return eventually(
        async () => {
          await new Promise((r) => setTimeout(r, 500));
          const next = await take();
          steady = changes(last, next).length === 0 ? steady + 1 : 0;
          last = next;
          return steady >= 3 ? next : undefined;
        },
        'the platform to stop writing',
        60_000,
      );
    },
    async close() {
      await offsets.close();
      await db.close();
    },
  };
}

/** What differs between two fingerprints, one line per table or topic. */
export function changes(before: Fingerprint, after: Fingerprint): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys
    .filter((key) => before[key] !== after[key])
    .map((key) => `${key}: ${before[key] ?? 'absent'} -> ${after[key] ?? 'absent'}`);
}
