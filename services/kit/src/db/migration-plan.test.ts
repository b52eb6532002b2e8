import { describe, expect, it } from 'vitest';
import {
  type AppliedMigration,
  checksumOf,
  parseMigrationFileName,
  parseMigrations,
  planMigrations,
} from './migration-plan.js';

const kit = parseMigrations('kit', [
  { file: '002_more.sql', sql: 'CREATE TABLE b (x int);' },
  { file: '001_kit.sql', sql: 'CREATE TABLE a (x int);' },
]);
const service = parseMigrations('order', [{ file: '001_init.sql', sql: 'CREATE TABLE orders (x int);' }]);
const all = [...kit, ...service];

function appliedRow(source: string, version: number, sql: string): AppliedMigration {
  return { source, version, name: 'x', checksum: checksumOf(sql) };
}

describe('parseMigrationFileName', () => {
  it('reads the version and name of NNN_name.sql', () => {
    expect(parseMigrationFileName('001_create_orders.sql')).toEqual({ version: 1, name: 'create_orders' });
    expect(parseMigrationFileName('0120_add-index.sql')).toEqual({ version: 120, name: 'add-index' });
  });

  it.each(['create.sql', '001.sql', '001_x.SQL.bak', 'abc_x.sql', '001 x.sql'])('refuses %j', (file) => {
    expect(parseMigrationFileName(file)).toBeUndefined();
  });
});

describe('parseMigrations', () => {
  it('orders by version and ignores files that are not .sql', () => {
    const parsed = parseMigrations('kit', [
      { file: '010_c.sql', sql: 'c' },
      { file: 'README.md', sql: '# notes' },
      { file: '002_b.sql', sql: 'b' },
    ]);
    expect(parsed.map((m) => [m.version, m.name, m.file])).toEqual([
      [2, 'b', '002_b.sql'],
      [10, 'c', '010_c.sql'],
    ]);
    expect(parsed[0]?.checksum).toBe(checksumOf('b'));
  });

  it('refuses a .sql file with another name, naming it', () => {
    expect(() => parseMigrations('kit', [{ file: 'init.sql', sql: '' }])).toThrow(
      /kit\/init\.sql: the name must look like/,
    );
  });

  it('refuses two files with one version', () => {
    expect(() =>
      parseMigrations('kit', [
        { file: '001_a.sql', sql: '' },
        { file: '1_b.sql', sql: '' },
      ]),
    ).toThrow(/001_a\.sql and 1_b\.sql have the same version 1/);
  });
});

describe('checksumOf', () => {
  it('is a sha256 that ignores CRLF versus LF but not real edits', () => {
    expect(checksumOf('a\nb')).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumOf('a\r\nb')).toBe(checksumOf('a\nb'));
    expect(checksumOf('a\nb ')).not.toBe(checksumOf('a\nb'));
  });
});

describe('planMigrations', () => {
  it('plans everything, source by source, on an empty database', () => {
    const plan = planMigrations(all, []);
    expect(plan.pending.map((m) => `${m.source}/${m.file}`)).toEqual([
      'kit/001_kit.sql',
      'kit/002_more.sql',
      'order/001_init.sql',
    ]);
    expect(plan.unknown).toEqual([]);
  });

  it('plans only what is not applied; versions are per source', () => {
    const plan = planMigrations(all, [appliedRow('kit', 1, 'CREATE TABLE a (x int);')]);
    expect(plan.pending.map((m) => `${m.source}/${m.file}`)).toEqual(['kit/002_more.sql', 'order/001_init.sql']);
  });

  it('plans nothing when all is applied', () => {
    const applied = all.map((m) => appliedRow(m.source, m.version, m.sql));
    expect(planMigrations(all, applied).pending).toEqual([]);
  });

  it('refuses when applied files changed, naming every one of them', () => {
    const applied = [
      appliedRow('kit', 1, 'CREATE TABLE a (x int); -- the text that ran'),
      appliedRow('kit', 2, 'CREATE TABLE b (x int);'),
      appliedRow('order', 1, 'something else'),
    ];
    expect(() => planMigrations(all, applied)).toThrow(
      /refusing to migrate: kit\/001_kit\.sql, order\/001_init\.sql changed after being applied/,
    );
  });

  it('reports applied rows without a file instead of failing (older code on a newer database)', () => {
    const applied = [...all.map((m) => appliedRow(m.source, m.version, m.sql)), appliedRow('kit', 3, 'newer')];
    const plan = planMigrations(all, applied);
    expect(plan.pending).toEqual([]);
    expect(plan.unknown.map((m) => `${m.source}/${m.version}`)).toEqual(['kit/3']);
  });
});
