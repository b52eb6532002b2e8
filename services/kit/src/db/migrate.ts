import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteIdent } from './identifier.js';
import { type AppliedMigration, type MigrationFile, parseMigrations, planMigrations } from './migration-plan.js';
import type { Session, SessionDb } from './types.js';

export interface MigrationSource {
  /** Recorded in schema_migrations.source; versions are numbered per source. */
  name: string;
  /** Folder of `NNN_name.sql` files. */
  dir: string;
}

export interface MigrateOptions {
  /** Must be the Db's schema: migration files create their tables unqualified, via search_path. */
  schema: string;
  /** Applied in this order: the kit's (`kit`) before the service's own. */
  sources: MigrationSource[];
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

// One lock per schema: replicas of one service serialise, different services do not.
const LOCK_KEY = "hashtextextended('ecom:migrate:' || $1, 0)";

async function readSource(source: MigrationSource): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = (await readdir(source.dir)).sort();
  } catch (error) {
    throw new Error(`migration source "${source.name}": cannot read ${source.dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const sqlFiles = names.filter((file) => file.endsWith('.sql'));
  const files = await Promise.all(
    sqlFiles.map(async (file) => ({ file, sql: await readFile(join(source.dir, file), 'utf8') })),
  );
  return parseMigrations(source.name, files);
}

async function readSources(sources: MigrationSource[]): Promise<MigrationFile[]> {
  const names = sources.map((s) => s.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new Error(`migration sources: "${duplicate}" is listed twice`);
  return (await Promise.all(sources.map(readSource))).flat();
}

/** Runs fn holding the schema's session-level advisory lock; says so when it has to wait. */
async function withMigrationLock<T>(session: Session, options: MigrateOptions, fn: () => Promise<T>): Promise<T> {
  const { rows } = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`, [
    options.schema,
  ]);
  if (!rows[0]?.locked) {
    options.logger?.info({ schema: options.schema }, 'another instance is migrating this schema; waiting for it');
    await session.query(`SELECT pg_advisory_lock(${LOCK_KEY})`, [options.schema]);
  }
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    // If this unlock fails too, the session's connection is discarded, which frees the lock.
    await session.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [options.schema]).catch(() => undefined);
    throw error;
  }
  await session.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [options.schema]);
  return result;
}

async function applyOne(session: Session, schema: string, migration: MigrationFile): Promise<void> {
  await session.transaction(async (tx) => {
    try {
      await tx.exec(migration.sql);
    } catch (error) {
      throw new Error(
        `migration ${migration.source}/${migration.file} failed in schema "${schema}" (rolled back): ${(error as Error).message}`,
        { cause: error },
      );
    }
    await tx.query(
      `INSERT INTO ${quoteIdent(schema)}.schema_migrations (source, version, name, checksum) VALUES ($1, $2, $3, $4)`,
      [migration.source, migration.version, migration.name, migration.checksum],
    );
  });
}

/**
 * Brings the Db's schema up to date: creates it if missing, then applies each pending
 * `NNN_name.sql` of each source in its own transaction, recording it in schema_migrations. A
 * session-level advisory lock keyed by the schema makes replicas that start together apply every
 * file exactly once: the others wait, then find nothing left to do. Refuses to run (throws) when
 * an applied file was edited. Returns the files it applied, as `source/file`.
 */
export async function migrate(db: SessionDb, options: MigrateOptions): Promise<string[]> {
  if (options.schema !== db.schema) {
    throw new Error(
      `migrate: schema "${options.schema}" differs from the Db's schema "${db.schema}" (its search_path, where migrations create tables)`,
    );
  }
  const files = await readSources(options.sources);
  const schema = quoteIdent(options.schema);
  return db.session((session) =>
    withMigrationLock(session, options, async () => {
      await session.exec(`
        CREATE SCHEMA IF NOT EXISTS ${schema};
        CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
          source     text NOT NULL,
          version    int NOT NULL,
          name       text NOT NULL,
          checksum   text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (source, version)
        );`);
      const { rows } = await session.query<AppliedMigration>(
        `SELECT source, version, name, checksum FROM ${schema}.schema_migrations`,
      );
      const plan = planMigrations(files, rows);
      if (plan.unknown.length > 0) {
        options.logger?.warn(
          { schema: options.schema, unknown: plan.unknown.map((m) => `${m.source}/${m.version}_${m.name}`) },
          'the database has migrations this code does not know (newer code ran here); continuing',
        );
      }
      const applied: string[] = [];
      for (const migration of plan.pending) {
        const started = Date.now();
        await applyOne(session, options.schema, migration);
        applied.push(`${migration.source}/${migration.file}`);
        options.logger?.info(
          { schema: options.schema, migration: `${migration.source}/${migration.file}`, ms: Date.now() - started },
          'applied migration',
        );
      }
      return applied;
    }),
  );
}
