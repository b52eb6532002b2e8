import { describe, expect, it } from 'vitest';
import { assertSchemaName, quoteIdent } from './identifier.js';

describe('quoteIdent', () => {
  it('double-quotes a name and doubles quotes inside it', () => {
    expect(quoteIdent('order')).toBe('"order"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});

describe('assertSchemaName', () => {
  it('accepts lower-case names with digits and underscores', () => {
    expect(assertSchemaName('order')).toBe('order');
    expect(assertSchemaName('t_1a2b3c4d')).toBe('t_1a2b3c4d');
    expect(assertSchemaName('_x'.padEnd(63, 'y'))).toHaveLength(63);
  });

  it.each(['', 'Order', '1abc', 'a-b', 'a b', 'a"b', 'x'.repeat(64), 'a;drop'])('refuses %j', (name) => {
    expect(() => assertSchemaName(name)).toThrow(/invalid schema name/);
  });
});
