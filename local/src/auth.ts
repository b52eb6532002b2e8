// The development token issuer of this checkout: one key pair in .local/auth that `npm start`, the
// integration setup and the benchmarks configure every service to trust, and that `npm run token`,
// the tests, the load test's checker and the benchmarks sign with (kit http/auth/local-issuer.ts).
import { type LocalIssuer, openLocalIssuer, type Role } from '@ecom/kit';
import { repoPath } from './repo.js';

/** The roles of a back-office operator: every route, none of them as a customer (nothing is scoped). */
export const OPERATOR: readonly Role[] = ['support', 'admin', 'service'];

let issuer: Promise<LocalIssuer> | undefined;
const tokens = new Map<string, Promise<string>>();

export function localIssuer(): Promise<LocalIssuer> {
  issuer ??= openLocalIssuer(repoPath('.local/auth'));
  return issuer;
}

/** A token for `sub` holding `roles`, lasting 12 h (longer than any run), signed once per process. */
export function localToken(roles: readonly Role[] = OPERATOR, sub = 'local-operator'): Promise<string> {
  const key = `${sub} ${roles.join(',')}`;
  let token = tokens.get(key);
  if (!token) {
    token = localIssuer().then((i) => i.sign({ sub, roles, ttlSeconds: 12 * 3600 }));
    tokens.set(key, token);
  }
  return token;
}

/** `{ authorization: 'Bearer …' }` of localToken. */
export async function authHeader(roles?: readonly Role[], sub?: string): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await localToken(roles, sub)}` };
}
