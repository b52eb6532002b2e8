import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { HttpProblem } from '../errors.js';
import { rootPlugin } from '../root-plugin.js';
import { problemResponses } from '../schemas.js';
import { type AccessTable, type Caller, decideAccess, type Principal, ROLES } from './roles.js';
import { TokenRejected, type TokenVerifier } from './verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who called an API route, as its access row allowed; null on public routes. */
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** Served without a token (health, readiness, metrics, docs). */
    public?: boolean;
  }
}

export interface AuthOptions {
  /** Service name: the `realm` of WWW-Authenticate. */
  service: string;
  /** Undefined: authentication is off and every caller holds every role. */
  verifier: TokenVerifier | undefined;
  access: AccessTable;
}

/** The caller when AUTH_MODE=off: anyone, with every role. */
const ANYONE: Principal = { subject: 'anonymous', roles: new Set(ROLES) };

/** Swagger UI and the OpenAPI document are registered by @fastify/swagger-ui under this prefix. */
const DOCS_PREFIX = '/docs';

const routeKey = (method: string, url: string) => `${method === 'HEAD' ? 'GET' : method} ${url}`;

/**
 * Bearer-token authentication and role checks for every API route (RFC 6750): a missing or
 * refused token is 401 with `WWW-Authenticate`, a token without an allowed role 403. A route
 * added without a row in the access table fails the startup: nothing is open by omission.
 */
export const authPlugin: FastifyPluginAsync<AuthOptions> = rootPlugin(async (app, { service, verifier, access }) => {
  app.decorateRequest('caller', null);
  const isPublic = (url: string, config: { public?: boolean } | undefined) =>
    config?.public === true || url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`);

  app.addHook('onRoute', (route) => {
    if (isPublic(route.url, route.config)) return;
    for (const method of [route.method].flat()) {
      const key = routeKey(method, route.url);
      if (!Object.hasOwn(access, key)) {
        throw new Error(`${service}: route ${key} has no row in the service's access table (who may call it?)`);
      }
    }
    // Documented on every API route, so OpenAPI clients (and Schemathesis) expect them.
    if (route.schema) route.schema.response = { ...problemResponses(401, 403), ...(route.schema.response as object) };
  });

  const challenge = (reply: FastifyReply, status: 401 | 403, detail: string, error?: string) => {
    const params = [`realm="${service}"`];
    if (error) params.push(`error="${error}"`, `error_description="${detail.replaceAll('"', "'")}"`);
    reply.header('www-authenticate', `Bearer ${params.join(', ')}`);
    return new HttpProblem(status, detail);
  };

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (url === undefined || isPublic(url, request.routeOptions.config)) return;
    let principal = ANYONE;
    if (verifier) {
      const header = request.headers.authorization;
      const token = header?.match(/^Bearer +([^ ]+)$/i)?.[1];
      if (!token) {
        throw challenge(
          reply,
          401,
          header ? 'The Authorization header must be `Bearer <token>`' : 'A bearer token is required',
          header ? 'invalid_request' : undefined,
        );
      }
      try {
        principal = await verifier(token);
      } catch (error) {
        if (error instanceof TokenRejected)
          throw challenge(reply, 401, `Token refused: ${error.message}`, 'invalid_token');
        throw error;
      }
    }
    const allowed = access[routeKey(request.method, url)] ?? [];
    const caller = decideAccess(principal, allowed);
    if (!caller) {
      throw challenge(reply, 403, `This route needs one of the roles ${allowed.join(', ')}`, 'insufficient_scope');
    }
    request.caller = caller;
  });
}, 'ecom-auth');
