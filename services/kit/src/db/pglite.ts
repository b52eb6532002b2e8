import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { DbError } from './errors.js';
import { quoteIdent } from './identifier.js';
import { SerialQueue } from './serial-queue.js';
import { pgliteParsers } from './type-parsers.js';
import type { ScriptRunner, Session, SessionDb } from './types.js';

export interface PgliteOptions {
  schema: string;
  /** Data folder; in memory when absent. */
  dir?: string;
}

type Conn = Pick<PGlite | Transaction, 'query' | 'exec'>;

function runner(conn: Conn, schema: string): ScriptRunner {
  return {
    async query<R>(text: string, params?: unknown[]) {
      try {
        const result = await conn.query<R>(text, params);
        return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? 0 };
      } catch (error) {
        throw new DbError(schema, text, error);
      }
    },
    async exec(script: string) {
      try {
        await conn.exec(script);
      } catch (error) {
        throw new DbError(schema, script, error, 'script');
      }
    },
  };
}

/** BEGIN … COMMIT through PGlite, which also reports a COMMIT that rolled back as an error. */
async function inTransaction<T>(lite: PGlite, schema: string, fn: (tx: ScriptRunner) => Promise<T>): Promise<T> {
  return lite.transaction((tx) => fn(runner(tx, schema)));
}

/**
 * Embedded PostgreSQL (WASM) for a machine with no server and no DATABASE_URL. It has a single
 * connection, so everything goes through one queue: a transaction owns the connection from
 * BEGIN to COMMIT, two never interleave, and a plain query waits for the transaction in progress
 * (as it would on its own connection in a real server). Inside `transaction(fn)` use fn's `tx`:
 * calling the Db itself there would wait for its own transaction, and is rejected instead.
 */
export async function openPglite(options: PgliteOptions, logger: Logger): Promise<SessionDb> {
  const { schema, dir } = options;
  if (dir) await mkdir(dir, { recursive: true });
  let lite: PGlite;
  try {
    lite = await PGlite.create(dir ?? 'memory://', { parsers: pgliteParsers });
    // The one connection's search_path, as the startup options set it for pg's connections.
    await lite.exec(`SET search_path TO ${quoteIdent(schema)}`);
  } catch (error) {
    throw new Error(
      `cannot open embedded PGlite in ${dir ?? 'memory'} (schema "${schema}"): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const queue = new SerialQueue(
    `PGlite (schema "${schema}") has one connection: inside db.transaction() or db.session(), query through the handle ` +
      'passed to your function, not through the Db (it would wait for its own transaction)',
  );
  const direct = runner(lite, schema);
  logger.info({ dir: dir ?? '(memory)', schema }, 'using embedded PGlite');
  return {
    kind: 'pglite',
    schema,
    query: (text, params) => queue.run(() => direct.query(text, params)),
    transaction: (fn) => queue.run(() => inTransaction(lite, schema, fn)),
    session: (fn) =>
      queue.run(() => {
        const session: Session = { ...direct, transaction: (txFn) => inTransaction(lite, schema, txFn) };
        return fn(session);
      }),
    ping: () => queue.run(async () => void (await direct.query('SELECT 1'))),
    // Through the queue, so work already queued finishes before the database closes.
    close: () => queue.run(() => lite.close()),
  };
}
