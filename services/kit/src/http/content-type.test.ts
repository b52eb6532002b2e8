import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../testing/problem.js';
import { buildHttpApp } from './app.js';
import { ROLES } from './auth/roles.js';

type App = Awaited<ReturnType<typeof buildHttpApp>>;
let app: App;
let cancelled: string[];

beforeAll(async () => {
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
      access: { 'DELETE /api/things/:id': ROLES, 'POST /api/things': ROLES },
    },
  });
  // A body-less route, like DELETE /api/orders/:orderId, and one that takes a body.
  app.delete<{ Params: { id: string } }>('/api/things/:id', async (request) => {
    cancelled.push(request.params.id);
    return { cancelled: request.params.id };
  });
  app.post(
    '/api/things',
    { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
    async (request) => request.body,
  );
});

afterAll(() => app.close());

const del = (headers: Record<string, string>, payload?: string) =>
  app.inject({ method: 'DELETE', url: '/api/things/t-1', headers, ...(payload === undefined ? {} : { payload }) });

describe('request bodies and Content-Type', () => {
  it.each([
    ['application/json'],
    ['application/json; charset=utf-8'],
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
  ])('a body-less route accepts an empty body sent as %s, and acts', async (contentType) => {
    cancelled = [];
    const res = await del({ 'content-type': contentType }, '');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ cancelled: 't-1' });
    expect(cancelled).toEqual(['t-1']);
  });

  it('a body-less route still accepts no Content-Type at all, and a JSON body it ignores', async () => {
    cancelled = [];
    expect((await del({})).statusCode).toBe(200);
    expect((await del({ 'content-type': 'application/json' }, '{}')).statusCode).toBe(200);
    expect(cancelled).toEqual(['t-1', 't-1']);
  });

  it('a body-less route refuses a non-empty body of another type (415) and malformed JSON (400)', async () => {
    cancelled = [];
    expectProblem(await del({ 'content-type': 'text/plain' }, 'hello'), 415);
    const malformed = await del({ 'content-type': 'application/json' }, '{"a":');
    expectProblem(malformed, 400);
    expect(malformed.json().detail).toBe('The request body is not valid JSON');
    expect(cancelled).toEqual([]);
  });

  it('a route that takes a body keeps refusing an empty one (400) and other types (415)', async () => {
    const post = (contentType: string, payload: string) =>
      app.inject({ method: 'POST', url: '/api/things', headers: { 'content-type': contentType }, payload });
    const empty = await post('application/json', '');
    expectProblem(empty, 400);
    expect(empty.json().detail).toBe('The request body is empty but Content-Type is application/json');
    expectProblem(await post('text/plain', ''), 415);
    expectProblem(await post('text/plain', 'hello'), 415);
    const ok = await post('application/json', '{"name":"n"}');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ name: 'n' });
  });

  it('keeps refusing prototype poisoning in JSON bodies', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"n","__proto__":{"admin":true}}',
    });
    expectProblem(res, 400);
  });
});
