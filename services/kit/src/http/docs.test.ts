import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpApp } from './app.js';
import { problemResponses } from './schemas.js';

type App = Awaited<ReturnType<typeof buildHttpApp>>;
let app: App;

afterEach(async () => {
  await app.close();
});

describe('docs', () => {
  it('serves OpenAPI 3 with registered routes and their schemas', async () => {
    app = await buildHttpApp({
      service: 'order',
      version: '1.2.3',
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      bodyLimit: 1024,
      readiness: async () => ({ ready: true, checks: {} }),
      auth: { service: 'order', verifier: undefined, access: { 'POST /api/orders': ['customer'] } },
    });
    app.post(
      '/api/orders',
      {
        schema: {
          body: {
            type: 'object',
            required: ['customerId'],
            properties: {
              customerId: { type: 'string', format: 'uuid', example: '3f1c7a52-8d0e-4f59-a2a4-6c1f2f0b9d11' },
            },
          },
          response: { 201: { type: 'object', properties: { orderId: { type: 'string' } } }, ...problemResponses(400) },
        },
      },
      async (_req, reply) => reply.code(201).send({ orderId: 'o-1' }),
    );
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toEqual({ title: 'order', version: '1.2.3' });
    const post = doc.paths['/api/orders'].post;
    expect(post.requestBody.content['application/json'].schema).toMatchObject({
      required: ['customerId'],
      properties: { customerId: { type: 'string', format: 'uuid' } },
    });
    expect(post.responses['201'].content['application/json']).toBeDefined();
    // What the problem handler sends, so a client (or Schemathesis) finds the type it receives.
    expect(Object.keys(post.responses['400'].content)).toEqual(['application/problem+json']);
    expect(post.responses['400'].content['application/problem+json'].schema.properties.errors).toBeDefined();
    expect(Object.keys(doc.paths['/readyz'].get.responses['503'].content)).toEqual(['application/problem+json']);
    expect(doc.paths['/readyz'].get).toBeDefined();
    // The bearer scheme applies to the API; the ops routes opt out, and 401/403 are documented.
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/readyz'].get.security).toEqual([]);
    expect(post.security).toBeUndefined();
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['401', '403']));

    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBeLessThan(400);
  });
});
