import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpApp, buildOpsApp } from './app.js';

const apps: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function build() {
  const registry = new Registry();
  const logger = pino({ level: 'silent' });
  const readiness = async () => ({ ready: true, checks: { database: { ok: true } } });
  const api = await buildHttpApp({
    service: 'things',
    version: '0.0.0',
    logger,
    registry,
    bodyLimit: 1024,
    readiness,
    auth: { service: 'things', verifier: undefined, access: { 'GET /api/things': ['admin'] } },
    opsApart: true,
  });
  api.get('/api/things', async () => ({ items: [] }));
  const ops = await buildOpsApp({ logger, registry, readiness, api });
  apps.push(api, ops);
  return { api, ops };
}

describe('OPS_PORT: probes and metrics on an app of their own', () => {
  it('the API app serves no probe and no metrics; the ops app serves only those', async () => {
    const { api, ops } = await build();
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      expect((await api.inject(url)).statusCode, `API ${url}`).toBe(404);
      expect((await ops.inject(url)).statusCode, `ops ${url}`).toBe(200);
    }
    expect((await api.inject('/api/things')).statusCode).toBe(200);
    expect((await ops.inject('/api/things')).statusCode).toBe(404);
    expect((await ops.inject('/docs/json')).statusCode).toBe(404);
  });

  it("the ops app's /metrics counts the API's requests, not its own probes", async () => {
    const { api, ops } = await build();
    await api.inject('/api/things');
    await ops.inject('/readyz');
    const text = (await ops.inject('/metrics')).body;
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/things",status_code="200"/);
    expect(text).not.toMatch(/route="\/readyz"/);
  });

  it('/readyz on the ops app turns 503 when the API app drains', async () => {
    const { api, ops } = await build();
    api.drain();
    const res = await ops.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().detail).toBe('The service is shutting down');
  });
});
