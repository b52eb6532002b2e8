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
  /** The probes and /metrics are served by an ops app on its own port (buildOpsApp), not here. */
  opsApart?: boolean;
}

/** Fastify's options both apps share. */
function fastify(logger: Logger, bodyLimit: number): FastifyInstance {
  // Widened to Fastify's logger type so the instance matches what plugins and services use.
  const loggerInstance: FastifyBaseLogger = logger;
  return Fastify({
    loggerInstance,
    // Two info lines per request cost more than the request itself at load; the request
    // duration histogram and the error log cover info. LOG_LEVEL=debug brings them back.
    logController: new LogController({ disableRequestLogging: !logger.isLevelEnabled('debug') }),
    bodyLimit,
    schemaController,
    // A caller's (or the ingress's) request id ties its logs to ours.
    requestIdHeader: 'x-request-id',
    // Long enough that a too-long id reaches the route schema and gets a 400 naming the field,
    // instead of the router's bare 414.
    routerOptions: { maxParamLength: 1000 },
  });
}

/**
 * Builds the HTTP app every service runs: problem+json errors, bearer-token auth, JSON-only bodies, health,
 * metrics, OpenAPI docs and (with a db) idempotent POSTs. It does not listen.
 *
 * It is async because plugins that watch routes being added (OpenAPI) must be loaded before
 * the service adds its routes: `const app = await buildHttpApp(o); app.post(...)`.
 */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = fastify(options.logger, options.bodyLimit);
  const here = !options.opsApart;

  await app.register(docsPlugin, { service: options.service, version: options.version });
  await app.register(problemPlugin);
  await app.register(authPlugin, options.auth);
  await app.register(jsonOnlyPlugin);
  await app.register(metricsPlugin, { registry: options.registry, expose: here });
  await app.register(healthPlugin, { readiness: options.readiness, probes: here });
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

export interface OpsAppOptions {
  logger: Logger;
  registry: Registry;
  readiness: () => Promise<Readiness>;
  /** The API app whose draining /readyz reports. */
  api: FastifyInstance;
}

/**
 * /healthz, /readyz and /metrics on their own port (OPS_PORT), so the chart keeps them off the
 * public Service: no authentication, no docs, nothing else. /readyz turns 503 when the API app
 * drains. It does not listen.
 */
export async function buildOpsApp(options: OpsAppOptions): Promise<FastifyInstance> {
  const app = fastify(options.logger, 1024);
  await app.register(problemPlugin);
  await app.register(metricsPlugin, { registry: options.registry, observe: false });
  await app.register(healthPlugin, { readiness: options.readiness, draining: () => options.api.draining });
  return app;
}
