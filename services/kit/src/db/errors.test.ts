import { describe, expect, it } from 'vitest';
import { DbError, redactUrl, statementPreview } from './errors.js';

describe('DbError', () => {
  it('names the schema and the statement, and keeps the SQLSTATE fields of the cause', () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "inbox_pkey"'), {
      code: '23505',
      constraint: 'inbox_pkey',
      detail: 'Key (ce_id)=(x) already exists.',
    });
    const error = new DbError('payment', 'INSERT INTO inbox (ce_id, topic)\n  VALUES ($1, $2)', cause);
    expect(error.message).toBe(
      'query failed in schema "payment": duplicate key value violates unique constraint "inbox_pkey" (SQLSTATE 23505) [statement: INSERT INTO inbox (ce_id, topic) VALUES ($1, $2)]',
    );
    expect(error.code).toBe('23505');
    expect(error.constraint).toBe('inbox_pkey');
    expect(error.cause).toBe(cause);
  });

  it('wraps a non-Error cause', () => {
    expect(new DbError('s', 'SELECT 1', 'gone', 'script').message).toBe(
      'script failed in schema "s": gone [statement: SELECT 1]',
    );
  });
});

describe('statementPreview', () => {
  it('puts the statement on one line and cuts long ones', () => {
    expect(statementPreview('SELECT\n  1')).toBe('SELECT 1');
    expect(statementPreview('x'.repeat(10), 4)).toBe('xxxx…');
  });
});

describe('redactUrl', () => {
  it('hides the password and leaves URLs without one alone', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/ecom')).toBe('postgres://app:***@db:5432/ecom');
    expect(redactUrl('postgres://ecom@127.0.0.1:15432/ecom')).toBe('postgres://ecom@127.0.0.1:15432/ecom');
  });
});
