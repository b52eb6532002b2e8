import { describe, expect, it } from 'vitest';
import { decideAccess, type Principal, type Role, rolesFromClaims } from './roles.js';

const principal = (...roles: Role[]): Principal => ({ subject: 'ada', roles: new Set(roles) });

describe('rolesFromClaims', () => {
  it.each([
    ['a list', { roles: ['customer', 'admin'] }, 'roles', ['customer', 'admin']],
    ['a space-separated string (scope style)', { scope: 'openid support' }, 'scope', ['support']],
    [
      'a nested claim (Keycloak realm_access.roles)',
      { realm_access: { roles: ['service'] } },
      'realm_access.roles',
      ['service'],
    ],
    ['unknown values dropped', { roles: ['root', 'customer', 'Admin'] }, 'roles', ['customer']],
    ['a missing claim', { sub: 'ada' }, 'roles', []],
    ['a claim of the wrong type', { roles: 7 }, 'roles', []],
    ['a path through a non-object', { realm_access: 'admin' }, 'realm_access.roles', []],
  ])('%s', (_name, claims, path, roles) => {
    expect(rolesFromClaims(claims as Record<string, unknown>, path).sort()).toEqual([...roles].sort());
  });
});

describe('decideAccess', () => {
  it.each<[string, Role[], Role[], 'denied' | 'own' | 'any']>([
    ['no shared role', ['customer'], ['admin'], 'denied'],
    ['no roles at all', [], ['customer', 'admin'], 'denied'],
    ['a customer on a customer route acts on its own', ['customer'], ['customer', 'support'], 'own'],
    ['support on the same route acts on any customer', ['support'], ['customer', 'support'], 'any'],
    ['customer and support together: the wider role wins', ['customer', 'support'], ['customer', 'support'], 'any'],
    ['customer and admin where only customer is allowed: still own', ['customer', 'admin'], ['customer'], 'own'],
    ['service on a service route', ['service'], ['service'], 'any'],
  ])('%s', (_name, held, allowed, expected) => {
    const caller = decideAccess(principal(...held), allowed);
    if (expected === 'denied') return expect(caller).toBeUndefined();
    expect(caller?.customerId).toBe(expected === 'own' ? 'ada' : undefined);
  });
});
