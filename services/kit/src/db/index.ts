// The kit's database module: open a service's database (pg pool or embedded PGlite) and bring
// its schema up to date.
export { DbError } from './errors.js';
export { assertSchemaName, quoteIdent } from './identifier.js';
export { type MigrateOptions, type MigrationSource, migrate } from './migrate.js';
export { type DbOptions, openDb } from './open.js';
export type { Db, Queryable, ScriptRunner, Session, SessionDb } from './types.js';
