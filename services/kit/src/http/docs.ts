import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { rootPlugin } from './root-plugin.js';

export interface DocsOptions {
  service: string;
  version: string;
}

/**
 * OpenAPI 3 built from the route schemas, UI at /docs, document at /docs/json. @fastify/swagger
 * collects routes through an onRoute hook, so this must be loaded before any route is added:
 * buildHttpApp awaits it for that reason.
 */
export const docsPlugin: FastifyPluginAsync<DocsOptions> = rootPlugin(async (app, { service, version }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: service, version },
      // Every API route takes an OAuth2/OIDC bearer JWT (auth/plugin.ts); the ops routes say `security: []`.
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}, 'ecom-docs');
