import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpApp } from './app.js';
import { ROLES } from './auth/roles.js';

type App = Awaited<ReturnType<typeof buildHttpApp>>;
let app: App;

async function build(registry: Registry): Promise<App> {
  app = await buildHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    registry,
    bodyLimit: 1024,
    readiness: async () => ({ ready: true, checks: {} }),
    auth: { service: 'test', verifier: undefined, access: { 'GET /api/orders/:orderId': ROLES } },
  });
  app.get(
    '/api/orders/:orderId',
    { schema: { params: { type: 'object', properties: { orderId: { type: 'string' } } } } },
    async (req) => req.params,
  );
  return app;
}

afterEach(async () => {
  await app.close();
});

describe('metrics', () => {
  it('observes the duration histogram labelled with the route pattern', async () => {
    const registry = new Registry();
    await build(registry);
    await app.inject({ method: 'GET', url: '/api/orders/o-123' });
    await app.inject({ method: 'GET', url: '/no/such/route' });
    await app.inject({ method: 'GET', url: '/healthz' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(registry.contentType);
    expect(res.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(res.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/orders\/:orderId",status_code="200"\} 1/,
    );
    expect(res.body).toMatch(/route="unmatched",status_code="404"\} 1/);
    expect(res.body).not.toContain('o-123');
    expect(res.body).not.toContain('route="/healthz"');
    expect(res.body).not.toContain('route="/metrics"');
  });

  it('only uses the registry it was given', async () => {
    const registry = new Registry();
    await build(registry);
    expect(registry.getSingleMetric('http_request_duration_seconds')).toBeDefined();
    const other = new Registry();
    expect(other.getSingleMetric('http_request_duration_seconds')).toBeUndefined();
  });

  it('a second app on the same registry reuses the histogram', async () => {
    const registry = new Registry();
    const first = await build(registry);
    await expect(build(registry)).resolves.toBeDefined();
    await first.close();
  });
});
