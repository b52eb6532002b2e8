import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../db/types.js';
import { buildHttpApp } from './app.js';

interface Row {
  key: string;
  route: string;
  request_hash: string;
  state: 'pending' | 'done';
  status_code: number | null;
  response_headers: unknown;
  response_body: Uint8Array | null;
  createdAt: number;
}

/**
 * In-memory stand-in for the idempotency_keys table: it interprets the four statements the
 * store issues (claim, read, complete, release) with the same conditions as the SQL, so these
 * tests exercise the plugin's logic. The SQL itself is covered by the real-database test.
 */
class MemoryDb implements Db {
  readonly kind = 'pglite' as const;
  readonly schema = 'test';
  readonly rows = new Map<string, Row>();
  now = Date.now();

  async query<R = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number }> {
    const sql = text.trim();
    if (sql.startsWith('INSERT INTO idempotency_keys')) {
      const [key, route, hash, timeoutSecs] = params as [string, string, string, number];
      const id = `${route}\u0000${key}`;
      const existing = this.rows.get(id);
      if (!existing) {
        const row: Row = {
          key,
          route,
          request_hash: hash,
          state: 'pending',
          status_code: null,
          response_headers: null,
          response_body: null,
          createdAt: this.now,
        };
        this.rows.set(id, row);
        return { rows: [], rowCount: 1 };
      }
      if (existing.state === 'pending' && existing.createdAt < this.now - timeoutSecs * 1000) {
        Object.assign(existing, { request_hash: hash, createdAt: this.now });
        return { rows: [], rowCount: 1 };
      }
      return { rows: [], rowCount: 0 };
    }
    if (sql.startsWith('SELECT')) {
      const [route, key] = params as [string, string];
      const row = this.rows.get(`${route}\u0000${key}`);
      return { rows: row ? [{ ...row } as R] : [], rowCount: row ? 1 : 0 };
    }
    if (sql.startsWith('UPDATE idempotency_keys')) {
      const [route, key, hash, status, headers, body] = params as [string, string, string, number, string, Buffer];
      const row = this.rows.get(`${route}\u0000${key}`);
      if (!row || row.request_hash !== hash || row.state !== 'pending') return { rows: [], rowCount: 0 };
      // Like the drivers: jsonb comes back parsed, bytea (PGlite) as a Uint8Array copy.
      Object.assign(row, {
        state: 'done',
        status_code: status,
        response_headers: JSON.parse(headers),
        response_body: new Uint8Array(body),
      });
      return { rows: [], rowCount: 1 };
    }
    if (sql.startsWith('DELETE FROM idempotency_keys')) {
      const [route, key, hash] = params as [string, string, string];
      const id = `${route}\u0000${key}`;
      const row = this.rows.get(id);
      if (!row || row.request_hash !== hash || row.state !== 'pending') return { rows: [], rowCount: 0 };
      this.rows.delete(id);
      return { rows: [], rowCount: 1 };
    }
    throw new Error(`MemoryDb does not understand: ${sql}`);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

type App = Awaited<ReturnType<typeof buildHttpApp>>;
let app: App;

interface Harness {
  app: App;
  db: MemoryDb;
  calls: () => number;
  /** What the next handler call does; by default it creates payment p-<n>. */
  behave: (fn: () => Promise<void>) => void;
}

async function build(withDb = true): Promise<Harness> {
  const db = new MemoryDb();
  app = await buildHttpApp({
    service: 'payment',
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    bodyLimit: 4096,
    readiness: async () => ({ ready: true, checks: {} }),
    ...(withDb ? { db, idempotencyPendingTimeoutMs: 30_000 } : {}),
  });
  let count = 0;
  let before: () => Promise<void> = async () => {};
  app.post(
    '/api/payments',
    {
      schema: {
        body: {
          type: 'object',
          required: ['orderId'],
          properties: { orderId: { type: 'string' }, amount: { type: 'integer' } },
        },
      },
    },
    async (request, reply) => {
      count += 1;
      await before();
      const id = `p-${count}`;
      return reply
        .code(201)
        .header('location', `/api/payments/${id}`)
        .send({ paymentId: id, orderId: (request.body as { orderId: string }).orderId });
    },
  );
  app.post('/api/payments/:paymentId/refund', async (request) => ({
    refunded: (request.params as { paymentId: string }).paymentId,
  }));
  return {
    app,
    db,
    calls: () => count,
    behave: (fn) => {
      before = fn;
    },
  };
}

afterEach(async () => {
  await app.close();
});

const post = (a: App, key: string | undefined, payload: unknown, url = '/api/payments') =>
  a.inject({
    method: 'POST',
    url,
    payload: payload as Record<string, unknown>,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });

describe('Idempotency-Key', () => {
  it('runs the handler once and replays status, headers and body on retry', async () => {
    const h = await build();
    const first = await post(h.app, 'k-1', { orderId: 'o-1', amount: 100 });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(h.db.rows.get('/api/payments\u0000k-1')?.state).toBe('done');

    const retry = await post(h.app, 'k-1', { orderId: 'o-1', amount: 100 });
    expect(retry.statusCode).toBe(201);
    expect(retry.body).toBe(first.body);
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.headers.location).toBe('/api/payments/p-1');
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(h.calls()).toBe(1);
  });

  it('answers 422 when the key is reused with a different body', async () => {
    const h = await build();
    await post(h.app, 'k-1', { orderId: 'o-1', amount: 100 });
    const res = await post(h.app, 'k-1', { orderId: 'o-1', amount: 999 });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toBe('Idempotency-Key reused with a different request');
    expect(h.calls()).toBe(1);
  });

  it('answers 409 to a duplicate while the first is still in flight', async () => {
    const h = await build();
    let entered: () => void = () => {};
    let finish: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    h.behave(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
          entered();
        }),
    );
    const first = post(h.app, 'k-1', { orderId: 'o-1' });
    await inHandler;
    const duplicate = await post(h.app, 'k-1', { orderId: 'o-1' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().detail).toBe('A request with this Idempotency-Key is in progress');
    finish();
    expect((await first).statusCode).toBe(201);
    expect(h.calls()).toBe(1);
  });

  it('lets a retry run again after a 5xx', async () => {
    const h = await build();
    h.behave(async () => {
      throw new Error('gateway down');
    });
    const failed = await post(h.app, 'k-1', { orderId: 'o-1' });
    expect(failed.statusCode).toBe(500);
    expect(h.db.rows.size).toBe(0);

    h.behave(async () => {});
    const retry = await post(h.app, 'k-1', { orderId: 'o-1' });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(h.calls()).toBe(2);
  });

  it('stores and replays a 4xx too', async () => {
    const h = await build();
    const { ConflictError } = await import('./errors.js');
    h.behave(async () => {
      throw new ConflictError('order o-1 already paid');
    });
    const first = await post(h.app, 'k-1', { orderId: 'o-1' });
    expect(first.statusCode).toBe(409);
    const retry = await post(h.app, 'k-1', { orderId: 'o-1' });
    expect(retry.statusCode).toBe(409);
    expect(retry.body).toBe(first.body);
    expect(retry.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(h.calls()).toBe(1);
  });

  it('rejects an invalid key with a 400 naming the header', async () => {
    const h = await build();
    for (const key of ['', 'x'.repeat(256), 'caf\u00e9']) {
      const res = await post(h.app, key, { orderId: 'o-1' });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([
        { field: '/idempotency-key', in: 'headers', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    expect(h.calls()).toBe(0);
  });

  it('scopes keys by route pattern, and the URL is part of the request', async () => {
    const h = await build();
    await post(h.app, 'k-1', { orderId: 'o-1' });
    const refund = await post(h.app, 'k-1', {}, '/api/payments/p-1/refund');
    expect(refund.statusCode).toBe(200);
    expect(refund.headers['idempotent-replayed']).toBeUndefined();
    const otherPayment = await post(h.app, 'k-1', {}, '/api/payments/p-2/refund');
    expect(otherPayment.statusCode).toBe(422);
  });

  it('takes over a pending key older than the timeout (its request died)', async () => {
    const h = await build();
    h.db.rows.set('/api/payments\u0000k-1', {
      key: 'k-1',
      route: '/api/payments',
      request_hash: 'from a crashed process',
      state: 'pending',
      status_code: null,
      response_headers: null,
      response_body: null,
      createdAt: h.db.now - 60_000,
    });
    const res = await post(h.app, 'k-1', { orderId: 'o-1' });
    expect(res.statusCode).toBe(201);
    expect(h.calls()).toBe(1);
  });

  it('does not touch requests without the header', async () => {
    const h = await build();
    await post(h.app, undefined, { orderId: 'o-1' });
    await post(h.app, undefined, { orderId: 'o-1' });
    expect(h.calls()).toBe(2);
    expect(h.db.rows.size).toBe(0);
  });

  it('ignores the header when no db is configured', async () => {
    const h = await build(false);
    await post(h.app, 'k-1', { orderId: 'o-1' });
    const second = await post(h.app, 'k-1', { orderId: 'o-1' });
    expect(second.statusCode).toBe(201);
    expect(h.calls()).toBe(2);
  });
});
