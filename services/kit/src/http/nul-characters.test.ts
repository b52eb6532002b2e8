import { describe, expect, it } from 'vitest';
import { nulCharacterErrors } from './nul-characters.js';

const fields = (value: unknown) => nulCharacterErrors(value).map((e) => e.instancePath);

describe('nulCharacterErrors', () => {
  it.each([
    ['a string', 'a\u0000', ['']],
    ['a clean value', { a: ['x', 1, null, true], b: { c: 'é\uFFFD' } }, []],
    [
      'nested strings, by JSON pointer',
      { items: [{ id: 'ok' }, { id: '\u0000' }], note: 'x\u0000y' },
      ['/items/1/id', '/note'],
    ],
    ['an object key (escaped per RFC 6901)', { 'a/b\u0000': 1 }, ['/a~1b\u0000']],
  ])('%s', (_name, value, expected) => {
    expect(fields(value)).toEqual(expected);
  });
});
