/** PostgreSQL error fields worth keeping when an error is wrapped (pg and PGlite both set them). */
interface PgErrorFields {
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
}

/**
 * A failed statement, with the schema and the statement that failed in the message. The SQLSTATE
 * `code` (for example 23505, unique violation) and friends are copied from the driver's error so
 * callers can still branch on them; the driver's error is the `cause`.
 */
export class DbError extends Error {
  override readonly name = 'DbError';
  readonly schema: string;
  readonly statement: string;
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;

  constructor(schema: string, statement: string, cause: unknown, what = 'query') {
    const fields = (typeof cause === 'object' && cause !== null ? cause : {}) as PgErrorFields;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const code = fields.code ? ` (SQLSTATE ${fields.code})` : '';
    super(`${what} failed in schema "${schema}": ${reason}${code} [statement: ${statementPreview(statement)}]`, {
      cause,
    });
    this.schema = schema;
    this.statement = statement;
    this.code = fields.code;
    this.detail = fields.detail;
    this.constraint = fields.constraint;
    this.table = fields.table;
  }
}

/** The statement on one line, cut at `max` characters: enough to recognise it in a log. */
export function statementPreview(statement: string, max = 200): string {
  const line = statement.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Hides the password of a connection URL before it goes into a message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
