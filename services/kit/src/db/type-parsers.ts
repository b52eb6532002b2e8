import pg from 'pg';

// How column values come back, the same on pg and PGlite:
// - int8 (bigint, bigserial, count(*)) is a decimal string. A JS number silently loses precision
//   above 2^53 and a BigInt does not survive JSON.stringify, so a string is the one safe choice;
//   callers convert with Number() or BigInt() where they know the range. This is also pg's default.
// - numeric is a decimal string: money is never a float.
// - bytea is a Buffer (pg's default; PGlite's Uint8Array is converted).
// json/jsonb are parsed, timestamptz is a Date, int2/int4 are numbers on both.

const INT8 = 20;
const NUMERIC = 1700;
const BYTEA = 17;

const asText = (value: string): string => value;

/**
 * Per-pool type parsers for pg. Passed to each Pool instead of `pg.types.setTypeParser`, which
 * would change every pg user in the process (global state another module may set differently).
 */
export const pgTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return asText;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** PGlite parsers (text format) that match `pgTypeParsers`. */
export const pgliteParsers: Record<number, (value: string) => unknown> = {
  [INT8]: asText,
  [NUMERIC]: asText,
  // bytea arrives in PostgreSQL's hex output format: \x0102...
  [BYTEA]: (value: string) => Buffer.from(value.startsWith('\\x') ? value.slice(2) : value, 'hex'),
};
