/** The part of a connection that runs SQL: a pool, a transaction, or PGlite. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

/** A service's database handle, bound to the service's own schema (search_path). */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  readonly schema: string;
  /** Runs fn in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A Queryable that can also run a multi-statement script without parameters (a migration file). */
export interface ScriptRunner extends Queryable {
  exec(script: string): Promise<void>;
}

/**
 * One connection held for the duration of `SessionDb.session()`. Session-level state, such as a
 * `pg_advisory_lock`, lives exactly as long as the session: it never leaks into the pool.
 */
export interface Session extends ScriptRunner {
  transaction<T>(fn: (tx: ScriptRunner) => Promise<T>): Promise<T>;
}

/**
 * What `openDb` returns: a Db that can also lend one dedicated connection (migrations need one to
 * hold a session-level advisory lock across several transactions). Kept apart from Db so the
 * narrow Db stays easy to fake in unit tests.
 */
export interface SessionDb extends Db {
  session<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}
