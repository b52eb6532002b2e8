// The access-table check every service's integration test runs: one test per row of the table.
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigOf, ConfigSpec } from '../config/parse.js';
import { type LocalIssuer, openLocalIssuer } from '../http/auth/local-issuer.js';
import { type AccessTable, ROLES, type Role } from '../http/auth/roles.js';
import type { BaseConfig, ServiceDefinition } from '../service.js';
import { startTestService, type TestService } from './service.js';

let issuer: Promise<LocalIssuer> | undefined;

/** The development issuer the integration setup made every service trust (its AUTH_* are in the environment). */
export function testIssuer(): Promise<LocalIssuer> {
  const publicKey = process.env.AUTH_PUBLIC_KEY_FILE;
  if (!publicKey)
    throw new Error('AUTH_PUBLIC_KEY_FILE is unset: run the integration project (its setup configures auth)');
  issuer ??= openLocalIssuer(dirname(publicKey));
  return issuer;
}

/** `{ authorization }` of a test token for `sub` with `roles`. */
export async function bearer(roles: readonly Role[], sub = 'test-caller'): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await (await testIssuer()).sign({ sub, roles })}` };
}

/**
 * Calls the route of one access-table row (`METHOD /path/:param`, params filled with fresh ids)
 * without a token, then as each role: no token is 401, a role outside the row 403, a role in it
 * gets past authorization (whatever the route then answers to an empty body or an unknown id).
 */
export async function expectAccessRow(app: FastifyInstance, row: string, allowed: readonly Role[]): Promise<void> {
  const [method, pattern] = row.split(' ') as [string, string];
  const url = pattern.replace(/:[A-Za-z]+/g, () => randomUUID());
  const body = method === 'GET' || method === 'DELETE' ? {} : { payload: {} };
  const call = async (headers: Record<string, string>) =>
    (await app.inject({ method: method as 'GET', url, headers, ...body })).statusCode;

  const seen: Record<string, number> = { 'no token': await call({}) };
  for (const role of ROLES) seen[role] = await call(await bearer([role], `as-${role}`));
  const expected = Object.fromEntries(
    Object.entries(seen).map(([who, status]) => [
      who,
      who === 'no token'
        ? 401
        : allowed.includes(who as Role)
          ? status === 401 || status === 403
            ? 'allowed'
            : status
          : 403,
    ]),
  );
  expect(seen, `${row}: status per caller`).toEqual(expected);
}

/**
 * Starts the service with auth on for the test file (stopped after it) and registers one test
 * per row of its access table; returns the running service for the file's other tests.
 */
export function describeAccessTable<S extends ConfigSpec>(
  definition: ServiceDefinition<S>,
  env: Record<string, string | undefined> = {},
): () => TestService<ConfigOf<S> & BaseConfig> {
  let running: TestService<ConfigOf<S> & BaseConfig> | undefined;
  beforeAll(async () => {
    running = await startTestService(definition, { ...env, AUTH_MODE: 'jwt' });
  });
  afterAll(async () => {
    await running?.stop();
  });
  const service = () => {
    if (!running) throw new Error(`${definition.name} did not start`);
    return running;
  };
  const table: AccessTable = definition.access;
  describe(`${definition.name} routes: who may call what (one test per row of the access table)`, () => {
    it.each(Object.entries(table))('%s: %j only', async (row, roles) => {
      await expectAccessRow(service().app, row, roles);
    });
  });
  return service;
}
