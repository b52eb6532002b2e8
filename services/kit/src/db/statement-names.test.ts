import { describe, expect, it } from 'vitest';
import { DbError } from './errors.js';
import { isStalePreparedStatement, MAX_NAMED_PARAMS, StatementNames } from './statement-names.js';

const SELECT = 'SELECT * FROM orders WHERE order_id = $1';

describe('StatementNames', () => {
  it('gives the same text the same name, and another text another name', () => {
    const names = new StatementNames();
    const first = names.nameOf(SELECT, 1);
    expect(first).toMatch(/^ecom_[0-9a-f]{24}$/);
    expect(names.nameOf(SELECT, 1)).toBe(first);
    expect(new StatementNames().nameOf(SELECT, 1)).toBe(first);
    expect(names.nameOf(`${SELECT} FOR UPDATE`, 1)).not.toBe(first);
    expect(names.size).toBe(2);
  });

  it('leaves text without parameters unnamed (simple protocol: BEGIN, scripts)', () => {
    expect(new StatementNames().nameOf('BEGIN', 0)).toBeUndefined();
  });

  it('leaves generated text with many parameters (a VALUES list per row) unnamed', () => {
    const names = new StatementNames();
    expect(names.nameOf('INSERT INTO outbox VALUES …', MAX_NAMED_PARAMS)).toBeDefined();
    expect(names.nameOf('INSERT INTO outbox VALUES … …', MAX_NAMED_PARAMS + 1)).toBeUndefined();
  });

  it('names at most `capacity` texts; the ones it named keep their names', () => {
    const names = new StatementNames(2);
    const a = names.nameOf('SELECT $1::int AS a', 1);
    const b = names.nameOf('SELECT $1::int AS b', 1);
    expect(names.nameOf('SELECT $1::int AS c', 1)).toBeUndefined();
    expect([names.nameOf('SELECT $1::int AS a', 1), names.nameOf('SELECT $1::int AS b', 1)]).toEqual([a, b]);
  });

  it('runs a forgotten text unnamed from then on', () => {
    const names = new StatementNames();
    expect(names.nameOf(SELECT, 1)).toBeDefined();
    names.forget(SELECT);
    expect(names.nameOf(SELECT, 1)).toBeUndefined();
  });
});

describe('isStalePreparedStatement', () => {
  const stale = Object.assign(new Error('cached plan must not change result type'), { code: '0A000' });
  it.each([
    ['the server error', stale, true],
    ['wrapped in a DbError', new DbError('s', SELECT, stale), true],
    ['another feature_not_supported', Object.assign(new Error('something else'), { code: '0A000' }), false],
    ['the message with another code', Object.assign(new Error('cached plan must not change result type'), {}), false],
    ['not an error', 'cached plan must not change result type', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isStalePreparedStatement(error)).toBe(expected);
  });
});
