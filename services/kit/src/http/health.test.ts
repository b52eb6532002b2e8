import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpApp } from './app.js';
import type { Readiness } from './health.js';
import { closeGracefully } from './lifecycle.js';

type App = Awaited<ReturnType<typeof buildHttpApp>>;
let app: App | undefined;

async function build(readiness: () => Promise<Readiness>): Promise<App> {
  app = await buildHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    bodyLimit: 1024,
    readiness,
    auth: { service: 'test', verifier: undefined, access: {} },
  });
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('health', () => {
  it('/healthz answers ok even when not ready', async () => {
    const a = await build(async () => ({ ready: false, checks: { db: { ok: false } } }));
    const res = await a.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with the checks when ready', async () => {
    const a = await build(async () => ({
      ready: true,
      checks: { db: { ok: true }, kafka: { ok: true, detail: 'joined' } },
    }));
    const res = await a.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      checks: { db: { ok: true }, kafka: { ok: true, detail: 'joined' } },
    });
  });

  it('/readyz is 503 naming the failing checks', async () => {
    const checks = { db: { ok: true }, kafka: { ok: false, detail: 'broker unreachable' } };
    const a = await build(async () => ({ ready: false, checks }));
    const res = await a.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 503, detail: 'Failing checks: kafka', checks });
  });

  it('/readyz is 503 when the readiness function throws', async () => {
    const a = await build(async () => {
      throw new Error('boom');
    });
    const res = await a.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
  });

  it('/readyz is 503 once draining, while /healthz stays 200', async () => {
    const a = await build(async () => ({ ready: true, checks: {} }));
    expect(a.draining).toBe(false);
    a.drain();
    expect(a.draining).toBe(true);
    const ready = await a.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ detail: 'The service is shutting down' });
    expect((await a.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers with Connection: close once draining, so keep-alive clients move to another pod', async () => {
    const a = await build(async () => ({ ready: true, checks: {} }));
    expect((await a.inject({ method: 'GET', url: '/healthz' })).headers.connection).not.toBe('close');
    a.drain();
    expect((await a.inject({ method: 'GET', url: '/healthz' })).headers.connection).toBe('close');
    expect((await a.inject({ method: 'GET', url: '/readyz' })).headers.connection).toBe('close');
  });

  it('draining is per app', async () => {
    const first = await build(async () => ({ ready: true, checks: {} }));
    const second = await buildHttpApp({
      service: 'other',
      version: '0.0.0',
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      bodyLimit: 1024,
      readiness: async () => ({ ready: true, checks: {} }),
      auth: { service: 'test', verifier: undefined, access: {} },
    });
    first.drain();
    expect((await second.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await second.close();
  });
});

describe('closeGracefully', () => {
  it('marks draining and closes the app', async () => {
    const a = await build(async () => ({ ready: true, checks: {} }));
    let closed = false;
    a.addHook('onClose', async () => {
      closed = true;
    });
    await expect(closeGracefully(a, 1000)).resolves.toBe('closed');
    expect(a.draining).toBe(true);
    expect(closed).toBe(true);
  });

  it('gives up at the deadline when closing hangs', async () => {
    const a = await build(async () => ({ ready: true, checks: {} }));
    let release: () => void = () => {};
    a.addHook('onClose', () => new Promise<void>((resolve) => (release = resolve)));
    await expect(closeGracefully(a, 50)).resolves.toBe('timeout');
    release();
  });
});
