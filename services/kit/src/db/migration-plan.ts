import { createHash } from 'node:crypto';

// Pure planning of schema migrations: file names to ordered migrations, and applied rows plus
// files to the list still to run. No I/O here; migrate.ts reads the files and runs the plan.

export interface MigrationFile {
  source: string;
  version: number;
  /** The part of the file name after the number, e.g. `create_orders`. */
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/** A row of schema_migrations. */
export interface AppliedMigration {
  source: string;
  version: number;
  name: string;
  checksum: string;
}

export interface MigrationPlan {
  /** Files not applied yet, in the order to apply them: source by source, by version. */
  pending: MigrationFile[];
  /** Applied rows with no file any more: the database is ahead of this code (e.g. a rollback). */
  unknown: AppliedMigration[];
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

/** Version and name of `NNN_name.sql`, or undefined for any other name. */
export function parseMigrationFileName(file: string): { version: number; name: string } | undefined {
  const match = FILE_NAME.exec(file);
  if (!match?.[1] || !match[2]) return undefined;
  return { version: Number(match[1]), name: match[2] };
}

/**
 * sha256 of the file with line endings normalised, so a checkout that turned LF into CRLF does
 * not look like an edited migration.
 */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replaceAll('\r\n', '\n')).digest('hex');
}

/**
 * The migrations of one source, ordered by version. Files that do not end in `.sql` are ignored
 * (a README may sit beside them); a `.sql` file with another name, or two files with one version,
 * is an error: silently skipping either would leave a schema without a change its code expects.
 */
export function parseMigrations(source: string, files: Array<{ file: string; sql: string }>): MigrationFile[] {
  const migrations: MigrationFile[] = [];
  for (const { file, sql } of files) {
    if (!file.endsWith('.sql')) continue;
    const parsed = parseMigrationFileName(file);
    if (!parsed) throw new Error(`migration ${source}/${file}: the name must look like 001_create_orders.sql`);
    migrations.push({ source, ...parsed, file, sql, checksum: checksumOf(sql) });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    const [previous, current] = [migrations[i - 1], migrations[i]];
    if (previous && current && previous.version === current.version) {
      throw new Error(
        `migrations ${source}: ${previous.file} and ${current.file} have the same version ${current.version}`,
      );
    }
  }
  return migrations;
}

/**
 * What still has to run. `files` come source by source in application order. An applied file
 * whose content changed is refused, all such files named at once: the database already ran the
 * old text, so an edit would make environments silently diverge. Add a new migration instead.
 */
export function planMigrations(files: MigrationFile[], applied: AppliedMigration[]): MigrationPlan {
  const key = (m: { source: string; version: number }) => `${m.source}\u0000${m.version}`;
  const appliedByKey = new Map(applied.map((a) => [key(a), a]));
  const changed = files.filter((f) => {
    const row = appliedByKey.get(key(f));
    return row !== undefined && row.checksum !== f.checksum;
  });
  if (changed.length > 0) {
    const names = changed.map((f) => `${f.source}/${f.file}`).join(', ');
    throw new Error(
      `refusing to migrate: ${names} changed after being applied (checksum differs from schema_migrations); ` +
        'restore the applied text and put the change in a new, higher-numbered migration',
    );
  }
  const fileKeys = new Set(files.map(key));
  return {
    pending: files.filter((f) => !appliedByKey.has(key(f))),
    unknown: applied.filter((a) => !fileKeys.has(key(a))),
  };
}
