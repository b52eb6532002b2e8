import pg from 'pg';
import type { Logger } from 'pino';
import { DbError, redactUrl } from './errors.js';
import { quoteIdent } from './identifier.js';
import { isStalePreparedStatement, StatementNames } from './statement-names.js';
import { pgTypeParsers } from './type-parsers.js';
import type { ScriptRunner, Session, SessionDb } from './types.js';

export interface PostgresOptions {
  url: string;
  schema: string;
  poolSize: number;
  /**
   * Run parameterised statements as named prepared statements (default true): parsed and planned
   * once per connection. Off for a pooler that cannot keep them (PgBouncer in transaction mode
   * before 1.21, or without max_prepared_statements).
   */
  namedStatements?: boolean;
}

function runner(client: pg.Pool | pg.PoolClient, schema: string, names: StatementNames | undefined): ScriptRunner {
  return {
    async query<R>(text: string, params?: unknown[]) {
      const name = names?.nameOf(text, params?.length ?? 0);
      try {
        const result = name ? await client.query({ name, text, values: params }) : await client.query(text, params);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
      } catch (error) {
        // A table changed shape under the prepared form (a migration of a newer replica): the
        // text runs unnamed from now on, and the error is transient, so the work is simply redone.
        if (name && isStalePreparedStatement(error)) names?.forget(text);
        throw new DbError(schema, text, error);
      }
    },
    async exec(script: string) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      try {
        await client.query(script);
      } catch (error) {
        throw new DbError(schema, script, error, 'script');
      }
    },
  };
}

/** Marks the checked-out client as unusable, so it is destroyed instead of returned to the pool. */
type MarkBroken = (reason: Error) => void;

/**
 * BEGIN … COMMIT on one client; ROLLBACK and rethrow fn's own error when fn throws. The pool's
 * clients pipeline (openPostgres), so BEGIN is written without waiting for its answer and fn's
 * first statement follows it at once: a transaction costs one round trip less. BEGIN on an idle
 * connection fails only with the connection itself, and then nothing written after it runs either.
 */
async function inTransaction<T>(
  client: pg.PoolClient,
  schema: string,
  names: StatementNames | undefined,
  markBroken: MarkBroken,
  fn: (tx: ScriptRunner) => Promise<T>,
): Promise<T> {
  const tx = runner(client, schema, names);
  const begun = tx.query('BEGIN').then(
    () => undefined,
    (error: unknown) => {
      markBroken(error as Error);
      return error;
    },
  );
  let result: T;
  try {
    result = await fn(tx);
  } catch (error) {
    // The caller wants fn's error, not the ROLLBACK's; a client whose ROLLBACK failed may still
    // be inside the transaction, so it must not serve anyone else.
    await begun;
    await client.query('ROLLBACK').catch((rollbackError: unknown) => markBroken(rollbackError as Error));
    throw error;
  }
  const beginError = await begun;
  if (beginError) throw beginError;
  let commit: pg.QueryResult;
  try {
    commit = await client.query('COMMIT');
  } catch (error) {
    markBroken(error as Error);
    throw new DbError(schema, 'COMMIT', error);
  }
  // COMMIT of a transaction that already failed (fn caught a query error and went on) answers
  // ROLLBACK instead of failing: that is a lost write, so it is reported as an error.
  if (commit.command === 'ROLLBACK') {
    throw new DbError(schema, 'COMMIT', new Error('the transaction had failed earlier and was rolled back'));
  }
  return result;
}

/** Checks out one client for fn and always gives it back (destroyed when marked broken). */
async function withClient<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, markBroken: MarkBroken) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client between two statements (a session held by the outbox relay, or a
  // transaction awaiting something else) that loses its connection emits 'error'; the pool listens
  // only to idle ones, and an unheard 'error' kills the process. Its next statement fails instead.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await fn(client, (reason) => {
      broken = reason;
    });
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** A pool of real PostgreSQL connections whose search_path is the service's schema. */
export async function openPostgres(options: PostgresOptions, logger: Logger): Promise<SessionDb> {
  const { schema } = options;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    // Set in the startup packet, so every connection has it before its first query (a 'connect'
    // handler running SET would race the first query). Only the service's schema: a table that is
    // not there is an error, never a silent read of another schema (pg_catalog is always searched).
    options: `-c search_path=${quoteIdent(schema)}`,
    application_name: `ecom-${schema}`,
    connectionTimeoutMillis: 10_000,
    types: pgTypeParsers,
    // A statement is written without waiting for the answer to the one before it (inTransaction's
    // BEGIN); each still has its own Sync, and in a transaction an error aborts the rest anyway.
    pipeline: true,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it kills the process.
  pool.on('error', (error) => logger.error({ err: error, schema }, 'idle PostgreSQL connection failed'));

  // One set of names for the pool: a connection prepares a statement the first time it runs it.
  const names = options.namedStatements === false ? undefined : new StatementNames();
  const poolRunner = runner(pool, schema, names);
  const db: SessionDb = {
    kind: 'postgres',
    schema,
    query: poolRunner.query,
    transaction: (fn) => withClient(pool, (client, markBroken) => inTransaction(client, schema, names, markBroken, fn)),
    session: (fn) =>
      withClient(pool, async (client, markBroken) => {
        const session: Session = {
          ...runner(client, schema, names),
          transaction: (txFn) => inTransaction(client, schema, names, markBroken, txFn),
        };
        try {
          return await fn(session);
        } catch (error) {
          // Whatever session state fn left behind (a lock it could not release) ends with the connection.
          markBroken(error as Error);
          throw error;
        }
      }),
    async ping() {
      await poolRunner.query('SELECT 1');
    },
    close: () => pool.end(),
  };
  try {
    await db.ping();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `cannot reach PostgreSQL at ${redactUrl(options.url)} (schema "${schema}"): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  logger.info(
    { url: redactUrl(options.url), schema, poolSize: options.poolSize, namedStatements: names !== undefined },
    'connected to PostgreSQL',
  );
  return db;
}
