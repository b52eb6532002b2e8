import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpApp } from './app.js';
import { ROLES } from './auth/roles.js';
import { ConflictError, NotFoundError } from './errors.js';

type App = Awaited<ReturnType<typeof buildHttpApp>>;

const orderBody = {
  type: 'object',
  required: ['customerId', 'items'],
  additionalProperties: false,
  properties: {
    customerId: { type: 'string', format: 'uuid' },
    currency: { type: 'string', minLength: 3, maxLength: 3 },
    items: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['productId', 'quantity'],
        properties: { productId: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
      },
    },
  },
} as const;

let app: App;

async function build(): Promise<App> {
  app = await buildHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    bodyLimit: 1024,
    readiness: async () => ({ ready: true, checks: {} }),
    auth: {
      service: 'test',
      verifier: undefined,
      access: {
        'POST /api/orders': ROLES,
        'GET /api/orders': ROLES,
        'GET /api/orders/:orderId': ROLES,
        'DELETE /api/orders/:orderId': ROLES,
        'GET /boom': ROLES,
        'GET /deadlock': ROLES,
        'GET /api/products/:productId': ROLES,
      },
    },
  });
  app.post('/api/orders', { schema: { body: orderBody } }, async (_req, reply) => reply.code(201).send({ ok: true }));
  app.get(
    '/api/orders',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', maximum: 100 },
            status: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
    async (req) => ({ query: req.query }),
  );
  app.get('/api/orders/:orderId', async (req) => {
    throw new NotFoundError(`Order ${(req.params as { orderId: string }).orderId} does not exist`);
  });
  app.delete('/api/orders/:orderId', async () => {
    throw new ConflictError('Order is SHIPPED and can no longer be cancelled');
  });
  app.get('/boom', async () => {
    throw new Error('connection to 10.0.0.7:5432 refused');
  });
  app.get('/deadlock', async () => {
    throw Object.assign(new Error('deadlock detected on relation 10.0.0.7'), { code: '40P01' });
  });
  return app;
}

afterEach(async () => {
  await app?.close();
});

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ type: 'about:blank', status });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('problem+json errors', () => {
  it('names every bad body field with a JSON pointer, including missing ones', async () => {
    await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      payload: { currency: 'EURO', items: [{ productId: 'p1', quantity: 0 }] },
    });
    const body = expectProblem(res, 400);
    expect(body.instance).toBe('/api/orders');
    const errors = body.errors as { field: string; message: string; in: string }[];
    expect(errors.map((e) => e.field).sort()).toEqual(['/currency', '/customerId', '/items/0/quantity']);
    expect(errors.every((e) => e.in === 'body' && e.message.length > 0)).toBe(true);
  });

  it('names unknown properties and bad formats', async () => {
    await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      payload: { customerId: 'not-a-uuid', items: [{ productId: 'p', quantity: 1 }], extra: 1 },
    });
    const errors = expectProblem(res, 400).errors as { field: string }[];
    expect(errors.map((e) => e.field).sort()).toEqual(['/customerId', '/extra']);
  });

  it('does not coerce body types', async () => {
    await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      payload: { customerId: '3f1c7a52-8d0e-4f59-a2a4-6c1f2f0b9d11', items: [{ productId: 'p', quantity: '2' }] },
    });
    const errors = expectProblem(res, 400).errors as { field: string }[];
    expect(errors.map((e) => e.field)).toEqual(['/items/0/quantity']);
  });

  it('coerces querystring types, and reports bad ones with in=querystring', async () => {
    await build();
    const ok = await app.inject({ method: 'GET', url: '/api/orders?limit=5&status=CREATED' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ query: { limit: 5, status: ['CREATED'] } });
    const bad = await app.inject({ method: 'GET', url: '/api/orders?limit=500' });
    expect(expectProblem(bad, 400).errors).toEqual([{ field: '/limit', message: 'must be <= 100', in: 'querystring' }]);
  });

  it('400 naming each field that holds U+0000 (PostgreSQL text cannot), in body, querystring and params', async () => {
    await build();
    app.get(
      '/api/products/:productId',
      { schema: { params: { type: 'object', properties: { productId: { type: 'string' } } } } },
      async () => ({ found: true }),
    );
    const body = await app.inject({
      method: 'POST',
      url: '/api/orders',
      payload: { customerId: '3f1c7a52-8d0e-4f59-a2a4-6c1f2f0b9d11', items: [{ productId: 'p\u0000', quantity: 1 }] },
    });
    expect(expectProblem(body, 400).errors).toEqual([
      { field: '/items/0/productId', message: 'must not contain the NUL character (U+0000)', in: 'body' },
    ]);
    const query = await app.inject({ method: 'GET', url: '/api/orders?status=a%00b' });
    expect(expectProblem(query, 400).errors).toMatchObject([{ field: '/status/0', in: 'querystring' }]);
    const params = await app.inject({ method: 'GET', url: '/api/products/a%00b' });
    expect(expectProblem(params, 400).errors).toMatchObject([{ field: '/productId', in: 'params' }]);
    expect((await app.inject({ method: 'GET', url: '/api/products/ab' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/orders?status=ab' })).statusCode).toBe(200);
  });

  it('413 for a body over the limit', async () => {
    await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ customerId: 'x'.repeat(2000) }),
    });
    expectProblem(res, 413);
  });

  it('415 for text/plain', async () => {
    await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(expectProblem(res, 415).detail).toMatch(/application\/json/);
  });

  it('400 with a clear detail for malformed JSON', async () => {
    await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"customerId": ',
    });
    expect(expectProblem(res, 400).detail).toBe('The request body is not valid JSON');
  });

  it('404 problem for an unknown route', async () => {
    await build();
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    const body = expectProblem(res, 404);
    expect(body.detail).toBe('No route for GET /nope');
    expect(body.instance).toBe('/nope?x=1');
  });

  it('maps thrown NotFoundError and ConflictError with their detail', async () => {
    await build();
    const missing = await app.inject({ method: 'GET', url: '/api/orders/o-1' });
    expect(expectProblem(missing, 404).detail).toBe('Order o-1 does not exist');
    const conflict = await app.inject({ method: 'DELETE', url: '/api/orders/o-1' });
    expect(expectProblem(conflict, 409).detail).toBe('Order is SHIPPED and can no longer be cancelled');
  });

  it('500 hides the internal error and points at the request id', async () => {
    await build();
    const res = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'req-42' } });
    const body = expectProblem(res, 500);
    expect(res.body).not.toContain('10.0.0.7');
    expect(body.detail).toContain('req-42');
  });

  it('503 with Retry-After for a transient database error, so a client retries instead of giving up', async () => {
    await build();
    const res = await app.inject({ method: 'GET', url: '/deadlock', headers: { 'x-request-id': 'req-43' } });
    const body = expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).not.toContain('10.0.0.7');
    expect(body.detail).toContain('req-43');
  });
});
