/** Quotes an SQL identifier (schema names such as "order" are reserved words). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// Lower-case letters, digits and underscores only, at most 63 bytes (PostgreSQL's NAMEDATALEN - 1):
// such a name means the same quoted or unquoted, and is safe inside the connection's startup
// `options` string, where spaces and backslashes would need their own escaping.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws when `name` is not a schema name this kit accepts; returns it otherwise. */
export function assertSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name)) {
    throw new Error(
      `invalid schema name ${JSON.stringify(name)}: use 1-63 lower-case letters, digits or underscores, not starting with a digit`,
    );
  }
  return name;
}
