// What PostgreSQL did for a phase, per shipped order: transactions (pg_stat_database) and, when
// pg_stat_statements is loaded (local/postgres/postgres.sh preloads it), statements by kind with
// their execution time: where the database's share of the cost per order goes.

/** One pg_stat_statements entry, cumulative since the server started (or the last reset). */
export interface StatementCounter {
  /** queryid and userid: the same text run by two services' roles is two entries. */
  id: string;
  query: string;
  calls: number;
  execMs: number;
  rows: number;
}

/** The database's counters at one moment. */
export interface DbCounters {
  /** xact_commit + xact_rollback of the platform's database. */
  transactions: number;
  /** Null when pg_stat_statements is not loaded. */
  statements: StatementCounter[] | null;
}

export interface StatementCost {
  query: string;
  callsPerOrder: number;
  execMsPerOrder: number;
  rowsPerCall: number;
}

export interface DbWork {
  transactionsPerOrder: number | null;
  statementsPerOrder: number | null;
  /** Execution time inside PostgreSQL (planning, parsing and protocol not included). */
  execMsPerOrder: number | null;
  /** The costliest statements by execution time, at most `top`. */
  top: StatementCost[];
}

const QUERY_CHARS = 160;

/** The counters' growth between two snapshots, divided by the orders; entries new since `before` count from 0. */
export function dbWork(before: DbCounters, after: DbCounters, orders: number, top = 15): DbWork {
  const per = (n: number) => (orders > 0 ? n / orders : null);
  const transactionsPerOrder = per(after.transactions - before.transactions);
  if (after.statements === null || before.statements === null) {
    return { transactionsPerOrder, statementsPerOrder: null, execMsPerOrder: null, top: [] };
  }
  const earlier = new Map(before.statements.map((s) => [s.id, s]));
  const grown = after.statements
    .map((s) => {
      const b = earlier.get(s.id);
      return {
        query: s.query,
        calls: s.calls - (b?.calls ?? 0),
        execMs: s.execMs - (b?.execMs ?? 0),
        rows: s.rows - (b?.rows ?? 0),
      };
    })
    .filter((s) => s.calls > 0);
  const calls = grown.reduce((n, s) => n + s.calls, 0);
  const execMs = grown.reduce((n, s) => n + s.execMs, 0);
  return {
    transactionsPerOrder,
    statementsPerOrder: per(calls),
    execMsPerOrder: per(execMs),
    top:
      orders > 0
        ? grown
            .sort((a, b) => b.execMs - a.execMs)
            .slice(0, top)
            .map((s) => ({
              query: oneLine(s.query),
              callsPerOrder: s.calls / orders,
              execMsPerOrder: s.execMs / orders,
              rowsPerCall: s.rows / s.calls,
            }))
        : [],
  };
}

function oneLine(query: string): string {
  const text = query.replace(/\s+/g, ' ').trim();
  return text.length > QUERY_CHARS ? `${text.slice(0, QUERY_CHARS - 1)}…` : text;
}
