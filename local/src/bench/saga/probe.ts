// What the benchmark asks the stack while it measures: orders of a phase still on their way to
// SHIPPED, the sagas' timestamps, PostgreSQL's deadlock count and statement counters, the
// dead-letter topic's end and the consumer groups' lag. Cheap queries only: they run inside the measured window.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import {
  createLogger,
  type OffsetReader,
  openDb,
  openOffsetReader,
  openTopicAdmin,
  type SessionDb,
  type TopicAdmin,
} from '@ecom/kit';
import type { DbCounters } from './db-work.js';
import { SERVICE_PORTS } from './stack.js';

export interface SagaRow {
  status: string;
  /** created → CONFIRMED and created → SHIPPED, both stamped by the order service's clock_timestamp(). */
  confirmedMs: number | null;
  shippedMs: number | null;
  createdAtMs: number;
  shippedAtMs: number | null;
}

export class StackProbe {
  private constructor(
    private readonly db: SessionDb,
    private readonly admin: TopicAdmin,
    private readonly offsets: OffsetReader,
    private readonly pgLog: string | null,
  ) {}

  static async open(env: { kafkaBrokers: string; databaseUrl: string; pgLogPath: string | null }): Promise<StackProbe> {
    const logger = createLogger('bench-saga', 'warn');
    const db = await openDb({ url: env.databaseUrl, schema: 'orders', poolSize: 2 }, logger);
    const kafka = { brokers: env.kafkaBrokers.split(','), clientId: 'bench-saga', logger };
    const pgLog = env.pgLogPath && existsSync(env.pgLogPath) ? env.pgLogPath : null;
    return new StackProbe(db, await openTopicAdmin(kafka), await openOffsetReader(kafka), pgLog);
  }

  /** Orders of the phase not yet SHIPPED nor CANCELLED (served by the (status, created_at) index). */
  async pending(customerPrefix: string, since: Date): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders.orders
        WHERE status IN ('CREATED', 'CONFIRMED') AND created_at >= $2 AND customer_id LIKE $1`,
      [`${customerPrefix}%`, since],
    );
    return rows[0]?.n ?? 0;
  }

  async sagas(customerPrefix: string, since: Date): Promise<SagaRow[]> {
    const { rows } = await this.db.query<Record<string, string | null>>(
      `SELECT status,
              extract(epoch FROM confirmed_at - created_at) * 1000 AS confirmed_ms,
              extract(epoch FROM shipped_at - created_at) * 1000 AS shipped_ms,
              extract(epoch FROM created_at) * 1000 AS created_at_ms,
              extract(epoch FROM shipped_at) * 1000 AS shipped_at_ms
         FROM orders.orders WHERE created_at >= $2 AND customer_id LIKE $1`,
      [`${customerPrefix}%`, since],
    );
    const num = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      status: String(r.status),
      confirmedMs: num(r.confirmed_ms),
      shippedMs: num(r.shipped_ms),
      createdAtMs: Number(r.created_at_ms),
      shippedAtMs: num(r.shipped_at_ms),
    }));
  }

  /** pg_stat_database.deadlocks of the platform's database (a backend publishes its count within ~1-10 s). */
  async deadlocks(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Transactions of the platform's database and, if pg_stat_statements is loaded, every
   * statement's counters (all roles: each service connects as its own). The extension is created
   * on first use; without the library preloaded the statements are null.
   */
  async dbCounters(): Promise<DbCounters> {
    const { rows } = await this.db.query<{ n: string }>(
      'SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    const transactions = Number(rows[0]?.n ?? 0);
    try {
      await this.db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      const stats = await this.db.query<{ id: string; query: string; calls: string; exec_ms: number; rows: string }>(
        `SELECT queryid::text || ':' || userid::text AS id, query, calls::text, total_exec_time AS exec_ms, rows::text
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      const statements = stats.rows.map((r) => ({
        id: r.id,
        query: r.query,
        calls: Number(r.calls),
        execMs: Number(r.exec_ms),
        rows: Number(r.rows),
      }));
      return { transactions, statements };
    } catch {
      // Not preloaded (a PostgreSQL started before postgres.sh preloaded it, or another server).
      return { transactions, statements: null };
    }
  }

  /**
   * Every table of the platform's schemas: live rows (the statistics' estimate) and bytes with its
   * indexes and TOAST. A phase records them at its start and end: what grows without bound.
   */
  async tableSizes(): Promise<Record<string, { rows: number; bytes: number }>> {
    const { rows } = await this.db.query<{ name: string; live: string; bytes: string }>(
      `SELECT schemaname || '.' || relname AS name, n_live_tup::text AS live,
              pg_total_relation_size(relid)::text AS bytes
         FROM pg_stat_user_tables ORDER BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, { rows: Number(r.live), bytes: Number(r.bytes) }]));
  }

  /** Size of the server log now: the start of a phase's slice of it. */
  logOffset(): number | null {
    return this.pgLog ? statSync(this.pgLog).size : null;
  }

  /** "deadlock detected" errors the server logged since `offset` (exact and immediate, unlike the statistics). */
  loggedDeadlocks(offset: number | null): number | null {
    if (!this.pgLog || offset === null) return null;
    const size = statSync(this.pgLog).size;
    if (size <= offset) return 0;
    const fd = openSync(this.pgLog, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.toString('utf8').match(/deadlock detected/g)?.length ?? 0;
    } finally {
      closeSync(fd);
    }
  }

  /** Sum of ecom.dlq's partition ends: its delta over a phase is the dead letters written. */
  async deadLetterEnd(): Promise<number> {
    return (await this.offsets.bounds('ecom.dlq')).reduce((n, b) => n + Number(b.high), 0);
  }

  /** Records the services' consumer groups have not committed yet, over every topic they read. */
  async lag(): Promise<number> {
    let total = 0;
    for (const group of Object.keys(SERVICE_PORTS)) {
      const { partitions } = await this.admin.groupOffsets(group, []);
      for (const p of partitions) total += Math.max(0, p.logEnd - (p.committed ?? p.logStart));
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.db.close(), this.admin.close(), this.offsets.close()]);
  }
}
