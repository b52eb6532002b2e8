import { parseArgs } from 'node:util';
import { ROLES, type Role } from '@ecom/kit';
import { localIssuer } from '../auth.js';

const usage = `Usage: npm run -s token -- --role <role>[,<role>...] --sub <subject> [--ttl <seconds>]

Prints one bearer token (only the token, one line) that the services of \`npm start\` accept:
signed by the development issuer in .local/auth (created on first use), with the roles
${ROLES.join(', ')} and the subject as the caller's id (a customer's own orders are those
of its subject). --ttl defaults to 3600.

  TOKEN=$(npm run -s token -- --role customer --sub ada)
  curl -H "authorization: Bearer $TOKEN" localhost:3001/api/orders`;

function parseRoles(raw: string): Role[] {
  const roles = raw.split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new Error(`unknown role ${unknown.join(', ')}: choose among ${ROLES.join(', ')}`);
  return roles as Role[];
}

try {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
  } else {
    if (!values.role) throw new Error('--role is required');
    if (!values.sub) throw new Error('--sub is required (the caller: a customer id, a user, a client)');
    const ttlSeconds = Number(values.ttl);
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)
      throw new Error('--ttl must be a positive number of seconds');
    console.log(await (await localIssuer()).sign({ sub: values.sub, roles: parseRoles(values.role), ttlSeconds }));
  }
} catch (error) {
  console.error(`token: ${(error as Error).message}\n\n${usage}`);
  process.exitCode = 1;
}
