import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Db } from '../db/types.js';
import { type AuthOptions, authPlugin } from './auth/plugin.js';
import { jsonOnlyPlugin } from './content-type.js';
import { docsPlugin } from './docs.js';
import { healthPlugin, type Readiness } from './health.js';
import { idempotencyPlugin } from './idempotency.js';
import { metricsPlugin } from './metrics.js';
import { problemPlugin } from './problem.js';
import { schemaController } from './validation.js';

export interface HttpAppOptions {
  /** Service name: OpenAPI title. */
  service: string;
  /** Service version: OpenAPI info.version. */
  version: string;
  logger: Logger;
  /** Where http_request_duration_seconds lives and what /metrics exposes. */
  registry: Registry;
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit: number;
  /** Enables Idempotency-Key on POST routes; without it the header is ignored. */
  db?: Db;
  /** See IdempotencyOptions.pendingTimeoutMs. */
  idempotencyPendingTimeoutMs?: number;
  readiness: () => Promise<Readiness>;
  /** Who may call which API route, and how tokens are verified. */
  auth: AuthOptions;
}

/**
 * Builds the HTTP app every service runs: problem+json errors, bearer-token auth, JSON-only bodies, health,
 * metrics, OpenAPI docs and (with a db) idempotent POSTs. It does not listen.
 *
 * It is async because plugins that watch routes being added (OpenAPI) must be loaded before
 * the service adds its routes: `const app = await buildHttpApp(o); app.post(...)`.
 */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  // Widened to Fastify's logger type so the instance matches what plugins and services use.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // Two info lines per request cost more than the request itself at load; the request
    // duration histogram and the error log cover info. LOG_LEVEL=debug brings them back.
    logController: new LogController({ disableRequestLogging: !options.logger.isLevelEnabled('debug') }),
    bodyLimit: options.bodyLimit,
    schemaController,
    // A caller's (or the ingress's) request id ties its logs to ours.
    requestIdHeader: 'x-request-id',
    // Long enough that a too-long id reaches the route schema and gets a 400 naming the field,
    // instead of the router's bare 414.
    routerOptions: { maxParamLength: 1000 },
  });

  await app.register(docsPlugin, { service: options.service, version: options.version });
  await app.register(problemPlugin);
  await app.register(authPlugin, options.auth);
  await app.register(jsonOnlyPlugin);
  await app.register(metricsPlugin, { registry: options.registry });
  await app.register(healthPlugin, { readiness: options.readiness });
  if (options.db) {
    await app.register(idempotencyPlugin, {
      db: options.db,
      ...(options.idempotencyPendingTimeoutMs === undefined
        ? {}
        : { pendingTimeoutMs: options.idempotencyPendingTimeoutMs }),
    });
  }
  return app;
}
