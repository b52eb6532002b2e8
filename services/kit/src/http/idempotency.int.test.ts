// Idempotency-Key on a real database: PostgreSQL (the integration global setup starts it) and
// embedded PGlite, the two backends a service runs on. The routes below make a real effect (a
// row in `charges`) in a unit of work, as the services' POST routes do.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb } from '../db/index.js';
import type { Db, Queryable } from '../db/types.js';
import { testDb, testLogger } from '../testing/infra.js';
import { buildHttpApp } from './app.js';
import { ROLES } from './auth/roles.js';
import { ConflictError } from './errors.js';
import { idempotencyPlugin } from './idempotency.js';
import { sendResponse, storeResponse, type UnitOfWork } from './idempotent-response.js';

const PENDING_TIMEOUT_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Backend {
  name: string;
  open(): Promise<Db>;
}

const kitMigrations = fileURLToPath(new URL('../../migrations/', import.meta.url));
const backends: Backend[] = [
  { name: 'postgres', open: () => testDb() },
  {
    name: 'pglite',
    open: async () => {
      const db = await openDb({ schema: 'idem' }, testLogger());
      await migrate(db, { schema: 'idem', sources: [{ name: 'kit', dir: kitMigrations }] });
      return db;
    },
  },
];

/** A database that can go away and come back, as PostgreSQL does when it is stopped and started. */
function outageable(db: Db): Db & { down: boolean } {
  const guard = <T>(run: () => Promise<T>): Promise<T> =>
    wrapper.down ? Promise.reject(new Error('connection terminated: the database is down')) : run();
  const wrapper = {
    down: false,
    kind: db.kind,
    schema: db.schema,
    query: <R>(text: string, params?: unknown[]) => guard(() => db.query<R>(text, params)),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      guard(() =>
        db.transaction((tx) =>
          fn({ query: <R>(text: string, params?: unknown[]) => guard(() => tx.query<R>(text, params)) }),
        ),
      ),
    ping: () => guard(() => db.ping()),
    close: () => db.close(),
  };
  return wrapper;
}

/** A unit of work as EventWriter.transact runs it: one transaction, commit-only effects after it. */
async function transact<T>(db: Db, work: (unit: UnitOfWork) => Promise<T>): Promise<T> {
  const afterCommit: Array<() => void> = [];
  const result = await db.transaction((tx) => work({ tx, onCommit: (effect) => afterCommit.push(effect) }));
  for (const effect of afterCommit) effect();
  return result;
}

const paymentSchema = {
  type: 'object',
  properties: { paymentId: { type: 'string' }, orderId: { type: 'string' }, amount: { type: 'integer' } },
} as const;

/** What the next charge does at each step; every hook is a no-op by default. */
interface Behaviour {
  /** After the key is claimed, before the unit of work. */
  before(): Promise<void>;
  /** Inside the unit of work, after the response is stored. */
  inside(): Promise<void>;
  /** After the unit of work committed, before the response is sent. */
  afterCommit(): Promise<void>;
}

const apps: FastifyInstance[] = [];

/** One service process on `db`: POST /api/payments makes a charge and stores its response in that transaction. */
async function service(db: Db, behaviour: Partial<Behaviour> = {}, releaseRetryMs = 50) {
  const app = await buildHttpApp({
    service: 'payment',
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    bodyLimit: 4096,
    readiness: async () => ({ ready: true, checks: {} }),
    auth: {
      service: 'test',
      verifier: undefined,
      access: { 'POST /api/payments': ROLES, 'POST /api/payments/:paymentId/refund': ROLES },
    },
  });
  await app.register(idempotencyPlugin, { db, pendingTimeoutMs: PENDING_TIMEOUT_MS, releaseRetryMs });
  apps.push(app);
  const act: Behaviour = { before: async () => {}, inside: async () => {}, afterCommit: async () => {}, ...behaviour };
  app.post<{ Body: { orderId: string; amount?: number } }>(
    '/api/payments',
    {
      schema: {
        body: {
          type: 'object',
          required: ['orderId'],
          properties: { orderId: { type: 'string' }, amount: { type: 'integer' } },
        },
        response: { 201: paymentSchema },
      },
    },
    async (request, reply) => {
      await act.before();
      const response = await transact(db, async (unit) => {
        const { rows } = await unit.tx.query<{ id: number }>(
          'INSERT INTO charges (order_id) VALUES ($1) RETURNING id',
          [request.body.orderId],
        );
        const paymentId = `p-${rows[0]?.id}`;
        // `internal` is not in the response schema: the stored body is what the client is sent.
        const payment = { paymentId, orderId: request.body.orderId, amount: request.body.amount, internal: 'x' };
        const prepared = await storeResponse(unit, reply, 201, payment, { location: `/api/payments/${paymentId}` });
        await act.inside();
        return prepared;
      });
      await act.afterCommit();
      return sendResponse(reply, response);
    },
  );
  app.post<{ Params: { paymentId: string } }>('/api/payments/:paymentId/refund', async (request) => ({
    refunded: request.params.paymentId,
  }));
  return app;
}

const post = (app: FastifyInstance, key: string | undefined, payload: object, url = '/api/payments') =>
  app.inject({ method: 'POST', url, payload, headers: key === undefined ? {} : { 'idempotency-key': key } });

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe.each(backends)('Idempotency-Key on $name', (backend) => {
  let db: Db;
  beforeAll(async () => {
    db = await backend.open();
    await db.query('CREATE TABLE charges (id serial PRIMARY KEY, order_id text NOT NULL)');
  });
  afterAll(async () => {
    if (db.kind === 'postgres') await db.query(`DROP SCHEMA "${db.schema}" CASCADE`);
    await db.close();
  });

  const charges = async (orderId: string) =>
    Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM charges WHERE order_id = $1', [orderId])).rows[0]?.n,
    );
  const keyRow = async (key: string) =>
    (
      await db.query<{ state: string; status_code: number | null }>(
        'SELECT state, status_code FROM idempotency_keys WHERE key = $1',
        [key],
      )
    ).rows[0];
  const fresh = () => ({ key: `k-${randomUUID()}`, orderId: `o-${randomUUID()}` });

  it('charges once and replays status, headers and the exact body on retry', async () => {
    const app = await service(db);
    const { key, orderId } = fresh();
    const first = await post(app, key, { orderId, amount: 100 });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.json()).toEqual({ paymentId: expect.stringMatching(/^p-\d+$/), orderId, amount: 100 });
    expect(await keyRow(key)).toEqual({ state: 'done', status_code: 201 });

    const retry = await post(app, key, { orderId, amount: 100 });
    expect(retry.statusCode).toBe(201);
    expect(retry.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await charges(orderId)).toBe(1);
  });

  it('replays the first response, creating nothing twice, when the process dies after the charge committed', async () => {
    // The first process commits the charge, then never answers (killed before sending: its
    // onSend never runs). The client retries on another replica once the key looks abandoned.
    let die: (error: Error) => void = () => {};
    const dying = await service(db, { afterCommit: () => new Promise<void>((_, reject) => (die = reject)) });
    const { key, orderId } = fresh();
    const lost = post(dying, key, { orderId, amount: 7 });
    await eventuallyCharged(orderId);
    await sleep(PENDING_TIMEOUT_MS + 100);

    const replica = await service(db);
    const retry = await post(replica, key, { orderId, amount: 7 });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toMatchObject({ orderId, amount: 7 });
    expect(await charges(orderId)).toBe(1);

    die(new Error('process killed'));
    expect((await lost).statusCode).toBe(500);
    // The dead request's late error settles nothing: the key still replays the charge.
    expect((await post(replica, key, { orderId, amount: 7 })).json()).toEqual(retry.json());
    expect(await charges(orderId)).toBe(1);
  });

  it('replays the first response when the database goes away right after the charge committed', async () => {
    const flaky = outageable(db);
    const app = await service(flaky, {
      afterCommit: async () => {
        flaky.down = true;
      },
    });
    const { key, orderId } = fresh();
    const first = await post(app, key, { orderId });
    expect(first.statusCode).toBe(201);
    flaky.down = false;
    await sleep(PENDING_TIMEOUT_MS + 100);
    const retry = await post(app, key, { orderId });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect(await charges(orderId)).toBe(1);
  });

  it('frees the key of a request the outage failed, so the retry after it charges (once)', async () => {
    const flaky = outageable(db);
    const app = await service(flaky, {
      before: async () => {
        flaky.down = true;
      },
    });
    const { key, orderId } = fresh();
    // A 5xx the client retries (503 when the error is a lost connection).
    expect((await post(app, key, { orderId })).statusCode).toBeGreaterThanOrEqual(500);
    // Still pending: the release could not reach the database.
    expect(await keyRow(key)).toEqual({ state: 'pending', status_code: null });
    // While it is down, retries fail (5xx) and claim nothing.
    expect((await post(app, key, { orderId })).statusCode).toBeGreaterThanOrEqual(500);

    flaky.down = false;
    // The failed process retries its releases in the background, well within the pending
    // timeout, so a retry on any replica finds the key free.
    await eventuallyFree(key);
    const retry = await post(await service(flaky), key, { orderId });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await charges(orderId)).toBe(1);
  });

  it('releases a failed key before its next claim in the same process', async () => {
    const flaky = outageable(db);
    let outage = true;
    const app = await service(
      flaky,
      {
        before: async () => {
          if (outage) flaky.down = true;
        },
      },
      60_000, // no background retry in time: only the claim's own flush can free the key
    );
    const { key, orderId } = fresh();
    expect((await post(app, key, { orderId })).statusCode).toBeGreaterThanOrEqual(500);
    outage = false;
    flaky.down = false;
    // No wait: the retry itself flushes the queued release, then claims.
    const retry = await post(app, key, { orderId });
    expect(retry.statusCode).toBe(201);
    expect(await charges(orderId)).toBe(1);
  });

  it('answers 409 with Retry-After to a duplicate while the first is in flight, then replays', async () => {
    let entered: () => void = () => {};
    let finish: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const app = await service(db, {
      before: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
          entered();
        }),
    });
    const { key, orderId } = fresh();
    const first = post(app, key, { orderId });
    await inHandler;
    const duplicate = await post(app, key, { orderId });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.headers['retry-after']).toBe('1');
    expect(duplicate.json().detail).toBe('A request with this Idempotency-Key is in progress');
    finish();
    const done = await first;
    expect(done.statusCode).toBe(201);
    const retry = await post(app, key, { orderId });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(done.body);
    expect(await charges(orderId)).toBe(1);
  });

  it('takes over a pending key older than the timeout (its process died before the charge)', async () => {
    const app = await service(db);
    const { key, orderId } = fresh();
    await db.query(
      `INSERT INTO idempotency_keys (caller, key, route, request_hash, state, claim, created_at)
       VALUES ('anonymous', $1, '/api/payments', 'from a crashed process', 'pending', $2, now() - interval '1 minute')`,
      [key, randomUUID()],
    );
    const res = await post(app, key, { orderId });
    expect(res.statusCode).toBe(201);
    expect(await keyRow(key)).toEqual({ state: 'done', status_code: 201 });
    expect(await charges(orderId)).toBe(1);
  });

  it('a slow request whose key was taken over charges nothing: the takeover did', async () => {
    let resume: () => void = () => {};
    let stalled: () => void = () => {};
    const isStalled = new Promise<void>((resolve) => (stalled = resolve));
    const slow = await service(db, {
      before: () =>
        new Promise<void>((resolve) => {
          resume = resolve;
          stalled();
        }),
    });
    const { key, orderId } = fresh();
    const first = post(slow, key, { orderId });
    await isStalled;
    await sleep(PENDING_TIMEOUT_MS + 100);
    const takeover = await post(await service(db), key, { orderId });
    expect(takeover.statusCode).toBe(201);
    resume();
    const late = await first;
    expect(late.statusCode).toBe(409);
    expect(late.headers['retry-after']).toBe('1');
    expect(await charges(orderId)).toBe(1);
    const retry = await post(slow, key, { orderId });
    expect(retry.body).toBe(takeover.body);
  });

  it('answers 422 when the key is reused with a different body, and charges nothing', async () => {
    const app = await service(db);
    const { key, orderId } = fresh();
    await post(app, key, { orderId, amount: 100 });
    const res = await post(app, key, { orderId, amount: 999 });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toBe('Idempotency-Key reused with a different request');
    expect(await charges(orderId)).toBe(1);
  });

  it('lets a retry run again after a 5xx, and after a rollback that followed the store', async () => {
    let failure: Error | undefined = new Error('gateway down');
    const app = await service(db, {
      before: async () => {
        if (failure) throw failure;
      },
    });
    const { key, orderId } = fresh();
    expect((await post(app, key, { orderId })).statusCode).toBe(500);
    expect(await keyRow(key)).toBeUndefined();
    failure = undefined;
    const retry = await post(app, key, { orderId });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();

    // A failure inside the unit of work after the response was stored rolls both back.
    const other = fresh();
    const rollingBack = await service(db, {
      inside: async () => {
        throw new Error('deadlock detected');
      },
    });
    expect((await post(rollingBack, other.key, { orderId: other.orderId })).statusCode).toBe(500);
    expect(await keyRow(other.key)).toBeUndefined();
    expect(await charges(other.orderId)).toBe(0);
    expect((await post(app, other.key, { orderId: other.orderId })).statusCode).toBe(201);
    expect(await charges(other.orderId)).toBe(1);
  });

  it('stores and replays a 4xx, also one thrown after the store rolled the charge back', async () => {
    const app = await service(db, {
      inside: async () => {
        throw new ConflictError('order already paid');
      },
    });
    const { key, orderId } = fresh();
    const first = await post(app, key, { orderId });
    expect(first.statusCode).toBe(409);
    expect(await keyRow(key)).toEqual({ state: 'done', status_code: 409 });
    const retry = await post(app, key, { orderId });
    expect(retry.statusCode).toBe(409);
    expect(retry.body).toBe(first.body);
    expect(retry.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await charges(orderId)).toBe(0);
  });

  it('stores the response of a route with no unit of work in onSend, scoped by route, URL included', async () => {
    const app = await service(db);
    const { key, orderId } = fresh();
    await post(app, key, { orderId });
    const refund = await post(app, key, {}, '/api/payments/p-1/refund');
    expect(refund.statusCode).toBe(200);
    expect(refund.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(app, key, {}, '/api/payments/p-1/refund');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual({ refunded: 'p-1' });
    expect((await post(app, key, {}, '/api/payments/p-2/refund')).statusCode).toBe(422);
  });

  it('rejects an invalid key with a 400 naming the header, and charges nothing', async () => {
    const app = await service(db);
    const { orderId } = fresh();
    for (const key of ['', 'x'.repeat(256), 'caf\u00e9']) {
      const res = await post(app, key, { orderId });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([
        { field: '/idempotency-key', in: 'headers', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    expect(await charges(orderId)).toBe(0);
  });

  it('does not touch requests without the header', async () => {
    const app = await service(db);
    const { orderId } = fresh();
    expect((await post(app, undefined, { orderId })).statusCode).toBe(201);
    expect((await post(app, undefined, { orderId })).statusCode).toBe(201);
    expect(await charges(orderId)).toBe(2);
  });

  async function eventuallyCharged(orderId: string): Promise<void> {
    for (let i = 0; i < 100 && (await charges(orderId)) === 0; i++) await sleep(20);
    expect(await charges(orderId)).toBe(1);
  }

  async function eventuallyFree(key: string): Promise<void> {
    for (let i = 0; i < 100 && (await keyRow(key)) !== undefined; i++) await sleep(20);
    expect(await keyRow(key)).toBeUndefined();
  }
});
