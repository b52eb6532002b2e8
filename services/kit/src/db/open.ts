import type { Logger } from 'pino';
import { assertSchemaName } from './identifier.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { SessionDb } from './types.js';

export interface DbOptions {
  /** PostgreSQL URL; without one, embedded PGlite. */
  url?: string;
  /** The service's schema: the search_path of every connection. */
  schema: string;
  /** PGlite data folder; in memory when absent. Ignored with a url. */
  pgliteDir?: string;
  /** Connections in the pool (default 10). Ignored by PGlite, which has one. */
  poolSize?: number;
  /** Named prepared statements on PostgreSQL (default true; see PostgresOptions). Ignored by PGlite. */
  namedStatements?: boolean;
}

/**
 * Opens the service's database: a pg pool when a URL is given, embedded PGlite otherwise, with the
 * same behaviour (search_path = schema, int8 and numeric as strings, bytea as Buffer). Rejects
 * when the database cannot be reached, naming where it tried.
 */
export function openDb(options: DbOptions, logger: Logger): Promise<SessionDb> {
  const schema = assertSchemaName(options.schema);
  if (options.url) {
    return openPostgres(
      {
        url: options.url,
        schema,
        poolSize: options.poolSize ?? 10,
        ...(options.namedStatements === undefined ? {} : { namedStatements: options.namedStatements }),
      },
      logger,
    );
  }
  return openPglite({ schema, ...(options.pgliteDir ? { dir: options.pgliteDir } : {}) }, logger);
}
