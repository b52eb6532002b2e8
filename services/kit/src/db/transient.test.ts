import { describe, expect, it } from 'vitest';
import { DbError } from './errors.js';
import { isTransientError, jitteredBackoffMs } from './transient.js';

function pgError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isTransientError', () => {
  it.each([
    ['deadlock', pgError('40P01'), true],
    ['serialization failure', pgError('40001'), true],
    ['admin shutdown (pg_ctl stop -m fast)', pgError('57P01'), true],
    ['server starting up', pgError('57P03'), true],
    ['connection failure class 08', pgError('08006'), true],
    ['too many connections', pgError('53300'), true],
    ['connection refused (server down)', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:15432'), true],
    ['pg lost the connection', new Error('Connection terminated unexpectedly'), true],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect'), true],
    [
      'a prepared statement whose table changed shape',
      pgError('0A000', 'cached plan must not change result type'),
      true,
    ],
    ['unique violation', pgError('23505'), false],
    ['check violation', pgError('23514'), false],
    ['syntax error', pgError('42601'), false],
    ['a handler bug', new TypeError("Cannot read properties of undefined (reading 'x')"), false],
    ['a string', 'ECONNREFUSED', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isTransientError(error)).toBe(expected);
  });

  it('looks through wrappers: a DbError around a deadlock, a handler error around that', () => {
    const db = new DbError('inventory', 'UPDATE products ...', pgError('40P01'));
    expect(isTransientError(new Error('handler failed', { cause: db }))).toBe(true);
    expect(isTransientError(new Error('handler failed', { cause: new DbError('x', 'y', pgError('23505')) }))).toBe(
      false,
    );
  });

  it('sees a refused connection inside an AggregateError (pg tries IPv4 and IPv6)', () => {
    expect(isTransientError(new AggregateError([pgError('ECONNREFUSED')], 'all failed'))).toBe(true);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTransientError(a)).toBe(false);
  });
});

describe('jitteredBackoffMs', () => {
  it('stays below base * 2^(attempt-1), capped', () => {
    expect(jitteredBackoffMs(1, 100, 5000, () => 0.999)).toBe(99);
    expect(jitteredBackoffMs(4, 100, 5000, () => 0.999)).toBe(799);
    expect(jitteredBackoffMs(30, 100, 5000, () => 0.999)).toBe(4995);
    expect(jitteredBackoffMs(3, 100, 5000, () => 0)).toBe(0);
  });
});
