// The db module against the real PostgreSQL server (started by the integration global setup,
// DATABASE_URL) and against embedded PGlite: both must behave the same.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { testDatabaseUrl } from '../testing/infra.js';
import { DbError, type MigrationSource, migrate, openDb, type SessionDb } from './index.js';
import { isTransientError } from './transient.js';

const logger = createLogger('db-test', process.env.TEST_LOG_LEVEL ?? 'silent');

const kitSource: MigrationSource = { name: 'kit', dir: fileURLToPath(new URL('../../migrations/', import.meta.url)) };
// The kit's own migrations, whatever their number: these tests are about the service source.
const kitFiles = (await readdir(kitSource.dir)).filter((file) => file.endsWith('.sql')).sort();

// A service source whose files fail or leave a trace when applied twice: 001 creates tables
// without IF NOT EXISTS, 003 counts its own runs (and sleeps, so racing replicas overlap).
const serviceFiles: Record<string, string> = {
  '001_items.sql':
    'CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL);\nCREATE TABLE migration_runs (at timestamptz);',
  '002_items_note.sql': 'ALTER TABLE items ADD COLUMN note text;',
  '003_count.sql': 'SELECT pg_sleep(0.2);\nINSERT INTO migration_runs VALUES (now());',
};

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function serviceSource(): Promise<MigrationSource> {
  const dir = await mkdtemp(join(tmpdir(), 'ecom-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const [file, sql] of Object.entries(serviceFiles)) await writeFile(join(dir, file), sql);
  return { name: 'svc', dir };
}

const uniqueSchema = () => `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Backend {
  name: 'postgres' | 'pglite';
  open(schema: string): Promise<SessionDb>;
  /** N handles on one schema, as N replicas would have: N pools on pg; PGlite has only the one. */
  replicas(schema: string, n: number): Promise<SessionDb[]>;
}

async function track(db: SessionDb): Promise<SessionDb> {
  cleanups.push(async () => {
    if (db.kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS "${db.schema}" CASCADE`);
    await db.close();
  });
  return db;
}

const backends: Backend[] = [
  {
    name: 'postgres',
    // The integration global setup always starts PostgreSQL; without it this fails, saying so.
    open: async (schema) => track(await openDb({ url: testDatabaseUrl(), schema, poolSize: 5 }, logger)),
    replicas: async (schema, n) =>
      Promise.all(
        Array.from({ length: n }, async () =>
          track(await openDb({ url: testDatabaseUrl(), schema, poolSize: 2 }, logger)),
        ),
      ),
  },
  {
    name: 'pglite',
    open: async (schema) => track(await openDb({ schema }, logger)),
    replicas: async (schema, n) => {
      const db = await track(await openDb({ schema }, logger));
      return Array.from({ length: n }, () => db);
    },
  },
];

async function migrated(backend: Backend, schema = uniqueSchema()): Promise<SessionDb> {
  const db = await backend.open(schema);
  await migrate(db, { schema, sources: [kitSource, await serviceSource()] });
  return db;
}

async function count(db: SessionDb, table: string): Promise<string | undefined> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return rows[0]?.n;
}

describe.each(backends)('db on $name', (backend) => {
  it('applies each migration exactly once when 5 replicas migrate at the same time', async () => {
    const schema = uniqueSchema();
    const source = await serviceSource();
    const dbs = await backend.replicas(schema, 5);
    const results = await Promise.all(dbs.map((db) => migrate(db, { schema, sources: [kitSource, source] })));

    const expected = [
      ...kitFiles.map((file) => `kit/${file}`),
      'svc/001_items.sql',
      'svc/002_items_note.sql',
      'svc/003_count.sql',
    ];
    expect(results.flat().sort()).toEqual(expected);
    expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
    const db = dbs[0] as SessionDb;
    expect(await count(db, 'migration_runs')).toBe('1');
    const { rows } = await db.query<{ source: string; version: number; name: string }>(
      'SELECT source, version, name FROM schema_migrations ORDER BY source, version',
    );
    expect(rows.filter((r) => r.source === 'kit').map((r) => r.version)).toEqual(
      kitFiles.map((file) => Number.parseInt(file, 10)),
    );
    expect(rows.filter((r) => r.source === 'svc')).toEqual([
      { source: 'svc', version: 1, name: 'items' },
      { source: 'svc', version: 2, name: 'items_note' },
      { source: 'svc', version: 3, name: 'count' },
    ]);
    // The kit's tables are there, in the service's schema.
    const tables = await db.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['idempotency_keys', 'inbox', 'items', 'outbox', 'schema_migrations']),
    );
    // Running again later applies nothing.
    expect(await migrate(db, { schema, sources: [kitSource, source] })).toEqual([]);
  });

  it('refuses to migrate when an applied file was edited, naming it', async () => {
    const schema = uniqueSchema();
    const source = await serviceSource();
    const db = await backend.open(schema);
    await migrate(db, { schema, sources: [kitSource, source] });

    await writeFile(join(source.dir, '002_items_note.sql'), 'ALTER TABLE items ADD COLUMN note varchar(10);');
    await expect(migrate(db, { schema, sources: [kitSource, source] })).rejects.toThrow(
      /refusing to migrate: svc\/002_items_note\.sql changed after being applied/,
    );
    // The lock was released: with the original text back, migrate runs (and has nothing to do).
    await writeFile(join(source.dir, '002_items_note.sql'), serviceFiles['002_items_note.sql'] as string);
    expect(await migrate(db, { schema, sources: [kitSource, source] })).toEqual([]);
  });

  it('rolls a failing migration back and names it', async () => {
    const schema = uniqueSchema();
    const source = await serviceSource();
    await writeFile(join(source.dir, '004_broken.sql'), 'CREATE TABLE half (x int);\nSELECT * FROM no_such_table;');
    const db = await backend.open(schema);
    await expect(migrate(db, { schema, sources: [kitSource, source] })).rejects.toThrow(
      new RegExp(`migration svc/004_broken\\.sql failed in schema "${schema}" \\(rolled back\\).*no_such_table`),
    );
    const { rows } = await db.query("SELECT to_regclass('half') AS half");
    expect(rows).toEqual([{ half: null }]);
    expect(await count(db, 'schema_migrations')).toBe(String(kitFiles.length + 3));
  });

  it('rolls back everything when the transaction function throws', async () => {
    const db = await migrated(backend);
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO items (id, label) VALUES (1, 'gone')");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await count(db, 'items')).toBe('0');
  });

  it('reports a COMMIT that turned into a ROLLBACK instead of losing the write quietly', async () => {
    const db = await migrated(backend);
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO items (id, label) VALUES (1, 'lost')");
        await tx.query('SELECT 1 / 0').catch(() => undefined);
        return 'looked fine';
      }),
    ).rejects.toThrow(/roll/i);
    expect(await count(db, 'items')).toBe('0');
  });

  it('keeps a rolled-back transaction apart from work done beside it', async () => {
    const db = await migrated(backend);
    const failing = db.transaction(async (tx) => {
      await tx.query("INSERT INTO items (id, label) VALUES (1, 'rolled back')");
      await sleep(30);
      throw new Error('boom');
    });
    const beside = db.query("INSERT INTO items (id, label) VALUES (2, 'kept')");
    await expect(failing).rejects.toThrow('boom');
    await beside;
    const { rows } = await db.query('SELECT id, label FROM items');
    expect(rows).toEqual([{ id: 2, label: 'kept' }]);
  });

  it('keeps schemas apart: same table name, separate data', async () => {
    const [a, b] = await Promise.all([migrated(backend), migrated(backend)]);
    await a.query("INSERT INTO items (id, label) VALUES (1, 'in a')");
    await b.query("INSERT INTO items (id, label) VALUES (1, 'in b')");
    expect((await a.query('SELECT label FROM items')).rows).toEqual([{ label: 'in a' }]);
    expect((await b.query('SELECT label FROM items')).rows).toEqual([{ label: 'in b' }]);
    for (const db of [a, b]) {
      const { rows } = await db.query<{ table_schema: string }>(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'items'",
      );
      expect(rows.map((r) => r.table_schema)).toContain(db.schema);
      expect(rows.map((r) => r.table_schema)).not.toContain('public');
    }
  });

  it('parses int8 and numeric as strings and bytea as a Buffer', async () => {
    const db = await backend.open(uniqueSchema());
    const { rows } = await db.query<{ big: unknown; small: unknown; money: unknown; bytes: unknown }>(
      "SELECT 9007199254740993::int8 AS big, 42::int4 AS small, 12.30::numeric AS money, '\\x0102ff'::bytea AS bytes",
    );
    expect(rows[0]).toEqual({ big: '9007199254740993', small: 42, money: '12.30', bytes: Buffer.from([1, 2, 255]) });
    expect(Buffer.isBuffer(rows[0]?.bytes)).toBe(true);
  });

  it('puts the schema, the statement and the SQLSTATE in query errors', async () => {
    const schema = uniqueSchema();
    const db = await backend.open(schema);
    const error = await db.query('SELECT * FROM missing_table WHERE id = $1', [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe('42P01');
    expect((error as DbError).message).toMatch(
      new RegExp(
        `failed in schema "${schema}": .*missing_table.*\\[statement: SELECT \\* FROM missing_table WHERE id = \\$1\\]`,
      ),
    );
  });

  it('refuses a migrate whose schema is not the Db schema', async () => {
    const db = await backend.open(uniqueSchema());
    await expect(migrate(db, { schema: 'other', sources: [] })).rejects.toThrow(/differs from the Db's schema/);
  });

  it('answers ping', async () => {
    const db = await backend.open(uniqueSchema());
    await expect(db.ping()).resolves.toBeUndefined();
  });
});

describe('db on pglite: one connection', () => {
  it('never interleaves two concurrent transactions', async () => {
    const db = await migrated(backends[1] as Backend);
    await db.query('CREATE TABLE log (seq serial, what text)');
    const writer = (name: string, pause: number) =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO log (what) VALUES ($1)', [`${name}1`]);
        await sleep(pause);
        await tx.query('INSERT INTO log (what) VALUES ($1)', [`${name}2`]);
      });
    await Promise.all([writer('a', 30), writer('b', 0)]);
    const { rows } = await db.query<{ what: string }>('SELECT what FROM log ORDER BY seq');
    expect(rows.map((r) => r.what)).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('rejects using the Db inside its own transaction instead of hanging', async () => {
    const db = await migrated(backends[1] as Backend);
    await expect(db.transaction(() => db.query('SELECT 1'))).rejects.toThrow(
      /query through the handle passed to your function/,
    );
    await expect(db.ping()).resolves.toBeUndefined();
  });

  it('keeps its data in pgliteDir across a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecom-pglite-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const first = await openDb({ schema: 'svc', pgliteDir: dir }, logger);
    await migrate(first, { schema: 'svc', sources: [kitSource, await serviceSource()] });
    await first.query("INSERT INTO items (id, label) VALUES (7, 'persisted')");
    await first.close();
    const second = await openDb({ schema: 'svc', pgliteDir: dir }, logger);
    cleanups.push(() => second.close());
    expect((await second.query('SELECT label FROM items')).rows).toEqual([{ label: 'persisted' }]);
  });
});

describe('db on postgres: named prepared statements', () => {
  /** One connection, so every query below runs on the same backend session. */
  const single = async () => {
    const schema = uniqueSchema();
    const db = await track(await openDb({ url: testDatabaseUrl(), schema, poolSize: 1 }, logger));
    await migrate(db, { schema, sources: [kitSource, await serviceSource()] });
    return db;
  };
  const prepared = async (db: SessionDb, text: string) => {
    const { rows } = await db.query<{ name: string }>(
      'SELECT name FROM pg_prepared_statements WHERE statement = $1 AND NOT from_sql',
      [text],
    );
    return rows.map((r) => r.name);
  };

  it('prepares a parameterised statement once per connection and runs it by name afterwards', async () => {
    const db = await single();
    const select = 'SELECT label FROM items WHERE id = $1';
    await db.query("INSERT INTO items (id, label) VALUES (1, 'one'), (2, 'two')");
    expect((await db.query(select, [1])).rows).toEqual([{ label: 'one' }]);
    const names = await prepared(db, select);
    expect(names).toEqual([expect.stringMatching(/^ecom_[0-9a-f]{24}$/)]);
    // Inside a transaction, on the pool's connection: the same prepared statement, new parameters.
    const labels = await db.transaction(async (tx) => [
      (await tx.query(select, [2])).rows,
      (await tx.query(select, [3])).rows,
    ]);
    expect(labels).toEqual([[{ label: 'two' }], []]);
    expect(await prepared(db, select)).toEqual(names);
    // Text without parameters goes through the simple protocol and is not prepared.
    await db.query('SELECT count(*) FROM items');
    expect(await prepared(db, 'SELECT count(*) FROM items')).toEqual([]);
  });

  it('runs a statement again, unnamed, when its table changed shape under the prepared form', async () => {
    const db = await single();
    const select = 'SELECT * FROM items WHERE id = $1';
    await db.query("INSERT INTO items (id, label) VALUES (1, 'one')");
    expect((await db.query(select, [1])).rows).toEqual([{ id: 1, label: 'one', note: null }]);
    // What a newer replica's migration does while this one runs.
    await db.query('ALTER TABLE items ADD COLUMN extra int');
    const stale = await db.query(select, [1]).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(DbError);
    // Transient: a consumer batch redoes it; and redone, it runs unnamed with the new columns.
    expect(isTransientError(stale)).toBe(true);
    expect((await db.query(select, [1])).rows).toEqual([{ id: 1, label: 'one', note: null, extra: null }]);
  });

  it('runs everything unnamed when named statements are off (a pooler that cannot keep them)', async () => {
    const schema = uniqueSchema();
    const db = await track(
      await openDb({ url: testDatabaseUrl(), schema, poolSize: 1, namedStatements: false }, logger),
    );
    const select = 'SELECT $1::int + 1 AS n';
    expect((await db.query(select, [1])).rows).toEqual([{ n: 2 }]);
    expect(await prepared(db, select)).toEqual([]);
  });
});

describe('db on postgres: pipelining', () => {
  /**
   * A TCP proxy to the test server that holds every answer back 50 ms and, while `recording`,
   * lists the client's messages by type with 'answer' where an answer reached the client.
   */
  async function slowAnswersProxy() {
    const target = new URL(testDatabaseUrl());
    const log = { recording: false, events: [] as string[] };
    let unread = Buffer.alloc(0);
    const proxy = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      client.on('data', (chunk) => {
        if (log.recording) {
          // Past the startup message every message is a type byte and an int32 length (itself included).
          unread = Buffer.concat([unread, chunk]);
          while (unread.length >= 5 && unread.length >= 1 + unread.readInt32BE(1)) {
            log.events.push(String.fromCharCode(unread[0] as number));
            unread = unread.subarray(1 + unread.readInt32BE(1));
          }
        }
        server.write(chunk);
      });
      server.on('data', (chunk) =>
        setTimeout(() => {
          if (log.recording) log.events.push('answer');
          client.write(chunk);
        }, 50),
      );
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => proxy.close(resolve)));
    const url = new URL(target);
    url.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    return { url: url.toString(), log };
  }

  it("writes a transaction's first statement without waiting for BEGIN's answer", async () => {
    const { url, log } = await slowAnswersProxy();
    const db = await track(await openDb({ url, schema: uniqueSchema(), poolSize: 1 }, logger));
    log.recording = true;
    const value = await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT $1::int AS n', [7])).rows);
    log.recording = false;
    expect(value).toEqual([{ n: 7 }]);
    // BEGIN is a simple query (Q); the statement's extended-protocol messages end with a Sync (S).
    const beforeFirstAnswer = log.events.slice(0, log.events.indexOf('answer'));
    expect(beforeFirstAnswer.filter((type) => type === 'Q' || type === 'S')).toEqual(['Q', 'S']);
  });
});

// Needs no server: it dials a port where none listens.
describe('db on postgres: connection errors', () => {
  it('says which server it could not reach, without the password', async () => {
    await expect(openDb({ url: 'postgres://ecom:secret@127.0.0.1:1/ecom', schema: 'x' }, logger)).rejects.toThrow(
      /cannot reach PostgreSQL at postgres:\/\/ecom:\*\*\*@127\.0\.0\.1:1\/ecom \(schema "x"\)/,
    );
  });
});
