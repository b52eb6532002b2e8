import type { FastifyPluginAsync } from 'fastify';
import { sendProblem } from './problem.js';
import { problem } from './problem-details.js';
import { rootPlugin } from './root-plugin.js';
import { problemResponse, problemSchema } from './schemas.js';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface HealthOptions {
  /** Asked on every /readyz: DB reachable, Kafka connected, consumers joined, ... */
  readiness: () => Promise<Readiness>;
  /**
   * false: only the draining state, no probe routes (they are served by the ops app on its own
   * port, see opsApp.ts). Default true.
   */
  probes?: boolean;
  /** Whose draining /readyz reports: this app's own by default, the API app's on the ops app. */
  draining?: () => boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Marks the app as draining: /readyz answers 503 from now on, so the load balancer stops routing here. */
    drain(): void;
    /** True once drain() was called. */
    readonly draining: boolean;
  }
  interface FastifyContextConfig {
    /** false keeps the route out of http_request_duration_seconds (probes and scrapes). */
    metrics?: boolean;
  }
}

const checksSchema = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
    required: ['ok'],
  },
} as const;

/**
 * Liveness and readiness. Liveness never looks at dependencies: restarting the process would
 * not fix a down database. Readiness does, and also turns false while draining. The draining
 * flag lives in this registration's closure, so two apps in one process never share it.
 */
export const healthPlugin: FastifyPluginAsync<HealthOptions> = rootPlugin(async (app, options) => {
  const { readiness, probes = true } = options;
  let draining = false;
  app.decorate('drain', () => {
    draining = true;
  });
  app.decorate('draining', {
    getter: () => draining,
  });
  const isDraining = options.draining ?? (() => draining);
  // While draining, every answer closes its connection: keep-alive clients reconnect through the
  // Service to a pod that stays, instead of reusing a socket this one is about to close (which
  // they would see as a reset or a 503 in the middle of a rolling update).
  app.addHook('onSend', async (_request, reply) => {
    if (isDraining()) reply.header('connection', 'close');
  });
  if (!probes) return;

  app.get(
    '/healthz',
    {
      config: { metrics: false, public: true },
      schema: {
        summary: 'Liveness: 200 while the process runs',
        tags: ['ops'],
        security: [],
        response: { 200: { type: 'object', properties: { status: { type: 'string', const: 'ok' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { metrics: false, public: true },
      schema: {
        summary: 'Readiness: 200 when every dependency check passes, 503 otherwise or while draining',
        tags: ['ops'],
        security: [],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, checks: checksSchema } },
          503: problemResponse({ ...problemSchema, properties: { ...problemSchema.properties, checks: checksSchema } }),
        },
      },
    },
    async (request, reply) => {
      if (isDraining()) return sendProblem(reply, problem(503, 'The service is shutting down', request.url));
      let result: Readiness;
      try {
        result = await readiness();
      } catch (err) {
        request.log.warn({ err }, 'readiness check threw');
        return sendProblem(reply, problem(503, 'The readiness check failed', request.url));
      }
      if (result.ready) return { status: 'ready', checks: result.checks };
      const failing = Object.entries(result.checks)
        .filter(([, check]) => !check.ok)
        .map(([name]) => name);
      const detail = failing.length ? `Failing checks: ${failing.join(', ')}` : 'The service is not ready';
      return sendProblem(reply, { ...problem(503, detail, request.url), checks: result.checks });
    },
  );
}, 'ecom-health');
