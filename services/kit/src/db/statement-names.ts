import { createHash } from 'node:crypto';

/**
 * Most parameters a named statement may have. Text with more is nearly always generated (a VALUES
 * list per row, as the outbox writes): each row count would be a statement of its own, kept by
 * every connection for its lifetime, and each is rarely run twice. It runs unnamed, as before.
 */
export const MAX_NAMED_PARAMS = 32;

/** Distinct statements one pool names; later ones run unnamed (bounds server memory per connection). */
const DEFAULT_NAMED_CAPACITY = 256;

/**
 * Names for PostgreSQL prepared statements, derived from the SQL text: pg then parses and plans a
 * statement once per connection and afterwards only binds and executes it. The name is a hash of
 * the text, so the same text always gets the same name (pg refuses one name for two texts) and a
 * text never needs registering. Pure bookkeeping: no I/O.
 *
 * Only parameterised statements are named: text without parameters goes through the simple query
 * protocol (BEGIN, COMMIT, scripts), which may hold several statements and cannot be prepared.
 */
export class StatementNames {
  /** text → name, or null for a text that must run unnamed from now on. */
  private readonly names = new Map<string, string | null>();
  private named = 0;

  constructor(private readonly capacity = DEFAULT_NAMED_CAPACITY) {}

  /** The name to prepare `text` under, or undefined to run it unnamed. */
  nameOf(text: string, paramCount: number): string | undefined {
    if (paramCount === 0 || paramCount > MAX_NAMED_PARAMS) return undefined;
    const known = this.names.get(text);
    if (known !== undefined) return known ?? undefined;
    if (this.named >= this.capacity) return undefined;
    const name = `ecom_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    this.names.set(text, name);
    this.named++;
    return name;
  }

  /**
   * Runs `text` unnamed from now on. For a statement whose prepared form went stale: a table it
   * reads changed shape under it (PostgreSQL: "cached plan must not change result type").
   */
  forget(text: string): void {
    this.names.set(text, null);
  }

  /** How many texts have a name; for tests and logs. */
  get size(): number {
    return this.named;
  }
}

/** PostgreSQL's refusal to run a prepared statement whose result columns changed since it was prepared. */
export function isStalePreparedStatement(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.code === '0A000' &&
    typeof e.message === 'string' &&
    /cached plan must not change result type/i.test(e.message)
  );
}
