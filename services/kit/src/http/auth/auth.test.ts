import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { exportJWK, type JWK, SignJWT } from 'jose';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/parse.js';
import { buildHttpApp } from '../app.js';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, type LocalIssuer, openLocalIssuer } from './local-issuer.js';
import type { AccessTable } from './roles.js';
import { authSettings, jwtOptionsOf } from './settings.js';
import { createTokenVerifier, type TokenVerifier } from './verifier.js';

const access: AccessTable = {
  'GET /api/things/:id': ['customer', 'support'],
  'POST /api/things': ['admin'],
};

let issuer: LocalIssuer;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  issuer = await openLocalIssuer(await mkdtemp(join(tmpdir(), 'auth-test-')));
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function verifierFor(env: Record<string, string>): Promise<TokenVerifier> {
  const options = jwtOptionsOf(parseConfig(authSettings(), env));
  if (!options) throw new Error('auth is off');
  return createTokenVerifier(options);
}

async function build(verifier: TokenVerifier | undefined, table: AccessTable = access): Promise<FastifyInstance> {
  app = await buildHttpApp({
    service: 'things',
    version: '0.0.0',
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    bodyLimit: 1024,
    readiness: async () => ({ ready: true, checks: {} }),
    auth: { service: 'things', verifier, access: table },
  });
  app.get<{ Params: { id: string } }>('/api/things/:id', async (request) => ({
    id: request.params.id,
    subject: request.caller?.subject,
    customerId: request.caller?.customerId ?? null,
  }));
  app.post('/api/things', async (_request, reply) => reply.code(201).send({ made: true }));
  return app;
}

const get = (token?: string, authorization = token ? `Bearer ${token}` : undefined) =>
  (app as FastifyInstance).inject({
    method: 'GET',
    url: '/api/things/7',
    ...(authorization ? { headers: { authorization } } : {}),
  });

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('bearer-token authentication (a PEM public key)', () => {
  it('no token: 401 problem with a Bearer challenge naming the realm', async () => {
    await build(await verifierFor(issuer.env));
    const res = await get();
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="things"');
    expect(res.json().detail).toBe('A bearer token is required');
  });

  it('a header that is not `Bearer <token>`: 401 invalid_request', async () => {
    await build(await verifierFor(issuer.env));
    const res = await get(undefined, 'Basic YWRhOnNlY3JldA==');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="things", error="invalid_request"/);
  });

  it.each([
    ['expired (beyond the clock tolerance)', { ttlSeconds: -120 }, /has expired/],
    ['another issuer', { claims: { iss: 'https://evil.example.com' } }, /iss claim/],
    ['another audience', { claims: { aud: 'another-api' } }, /aud claim/],
  ])('%s: 401 invalid_token saying why', async (_name, overrides, reason) => {
    await build(await verifierFor(issuer.env));
    const res = await get(await issuer.sign({ sub: 'ada', roles: ['customer'], ...overrides }));
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token", error_description=".+"/);
    expect(res.json().detail).toMatch(reason);
  });

  it('within the clock tolerance an expired-by-a-few-seconds token still passes', async () => {
    await build(await verifierFor(issuer.env));
    expect((await get(await issuer.sign({ sub: 'ada', roles: ['customer'], ttlSeconds: -5 }))).statusCode).toBe(200);
  });

  it('alg none (unsigned) is refused', async () => {
    await build(await verifierFor(issuer.env));
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'ada', roles: ['support'], iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, exp: now + 600 };
    const res = await get(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    expect(res.statusCode).toBe(401);
  });

  it('a tampered payload (roles raised, signature kept) is refused', async () => {
    await build(await verifierFor(issuer.env));
    const [header, payload, signature] = (await issuer.sign({ sub: 'ada', roles: ['customer'] })).split('.');
    const raised = { ...JSON.parse(Buffer.from(payload as string, 'base64url').toString()), roles: ['admin'] };
    const res = await get(`${header}.${b64(raised)}.${signature}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/signature does not verify/);
  });

  it('HS256 with the public key as its secret (the classic confusion) is refused', async () => {
    await build(await verifierFor(issuer.env));
    const { readFile } = await import('node:fs/promises');
    const secret = await readFile(issuer.env.AUTH_PUBLIC_KEY_FILE as string);
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime('1h')
      .sign(secret);
    const res = await get(forged);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/algorithm is not allowed/);
  });

  it('a valid token without an allowed role: 403 insufficient_scope naming the roles', async () => {
    await build(await verifierFor(issuer.env));
    const res = await get(await issuer.sign({ sub: 'ada', roles: ['service'] }));
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(res.json().detail).toBe('This route needs one of the roles customer, support');
  });

  it('an allowed role passes, a customer scoped to itself, support to anyone', async () => {
    await build(await verifierFor(issuer.env));
    expect((await get(await issuer.sign({ sub: 'ada', roles: ['customer'] }))).json()).toEqual({
      id: '7',
      subject: 'ada',
      customerId: 'ada',
    });
    expect((await get(await issuer.sign({ sub: 'sam', roles: ['support'] }))).json().customerId).toBeNull();
  });

  it('roles come from the configured claim (nested, Keycloak style)', async () => {
    await build(await verifierFor({ ...issuer.env, AUTH_ROLES_CLAIM: 'realm_access.roles' }));
    const nested = await issuer.sign({ sub: 'ada', roles: [], claims: { realm_access: { roles: ['support'] } } });
    expect((await get(nested)).statusCode).toBe(200);
    expect((await get(await issuer.sign({ sub: 'ada', roles: ['support'] }))).statusCode).toBe(403);
  });

  it('health, readiness, metrics and docs need no token', async () => {
    await build(await verifierFor(issuer.env));
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json']) {
      expect((await (app as FastifyInstance).inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });

  it('AUTH_MODE=off: no token needed, the caller holds every role and is scoped to no one', async () => {
    await build(undefined);
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: '7', subject: 'anonymous', customerId: null });
  });

  it('a route without a row in the access table fails the start, naming it', async () => {
    await expect(build(undefined, { 'GET /api/things/:id': ['admin'] })).rejects.toThrow(
      "things: route POST /api/things has no row in the service's access table",
    );
  });
});

describe('bearer-token authentication (an issuer JWKS)', () => {
  let jwks: { keys: JWK[] } = { keys: [] };
  let fetches = 0;
  let server: Server;
  let url: string;
  const keyPair = async (kid: string) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  };
  const signWith = (key: Awaited<ReturnType<typeof keyPair>>, roles: string[]) =>
    new SignJWT({ roles })
      .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid })
      .setSubject('ada')
      .setIssuer('https://id.example.com')
      .setAudience('shop')
      .setExpirationTime('10m')
      .sign(key.privateKey);

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts a token of a rotated-in key once the JWKS publishes it, and refuses a retired one', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    jwks = { keys: [first.jwk] };
    await build(
      await verifierFor({
        AUTH_ISSUER: 'https://id.example.com',
        AUTH_AUDIENCE: 'shop',
        AUTH_JWKS_URL: url,
        AUTH_JWKS_COOLDOWN_MS: '0',
      }),
    );
    expect((await get(await signWith(first, ['customer']))).statusCode).toBe(200);
    const cached = fetches;
    expect((await get(await signWith(first, ['customer']))).statusCode).toBe(200);
    expect(fetches).toBe(cached);

    // Before the issuer publishes k2, its tokens are refused; after, accepted without a restart.
    expect((await get(await signWith(second, ['customer']))).json().detail).toMatch(/key the issuer does not publish/);
    jwks = { keys: [second.jwk] };
    expect((await get(await signWith(second, ['customer']))).statusCode).toBe(200);
    expect((await get(await signWith(first, ['customer']))).statusCode).toBe(401);
  });
});

describe('auth settings', () => {
  it('AUTH_MODE=jwt (the default) without issuer, audience or keys lists each variable to set', () => {
    expect(() => parseConfig(authSettings(), {})).toThrow(ConfigError);
    try {
      parseConfig(authSettings(), {});
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/AUTH_ISSUER: is required unless AUTH_MODE=off/);
      expect(problems).toMatch(/AUTH_AUDIENCE: is required unless AUTH_MODE=off/);
      expect(problems).toMatch(/AUTH_JWKS_URL: is required unless AUTH_PUBLIC_KEY_FILE is set/);
    }
  });

  it.each([
    [{ AUTH_JWKS_URL: 'ftp://id.example.com/jwks' }, /AUTH_JWKS_URL: must be an http\(s\) URL/],
    [{ AUTH_JWKS_URL: 'https://id.example.com/jwks', AUTH_PUBLIC_KEY_FILE: '/k.pem' }, /both set/],
    [{ AUTH_PUBLIC_KEY_FILE: '/k.pem', AUTH_ALGORITHMS: 'RS256,HS256' }, /AUTH_ALGORITHMS: HS256 not supported/],
    [{ AUTH_PUBLIC_KEY_FILE: '/k.pem', AUTH_MODE: 'none' }, /AUTH_MODE: must be one of jwt, off/],
  ])('%j is refused', (env, problem) => {
    expect(() => parseConfig(authSettings(), { AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', ...env })).toThrow(problem);
  });

  it('AUTH_MODE=off needs nothing else', () => {
    expect(jwtOptionsOf(parseConfig(authSettings(), { AUTH_MODE: 'off' }))).toBeUndefined();
  });
});
