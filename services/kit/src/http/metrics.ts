import type { FastifyPluginAsync } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { rootPlugin } from './root-plugin.js';

export interface MetricsOptions {
  registry: Registry;
  /** Observe this app's requests in the duration histogram (default true; the ops app's are probes). */
  observe?: boolean;
  /** Serve GET /metrics here (default true; false when the ops app on its own port serves it). */
  expose?: boolean;
}

const NAME = 'http_request_duration_seconds';
type Labels = 'method' | 'route' | 'status_code';

/** Reuses the histogram when a registry already has it (a second app built on the same registry). */
function durationHistogram(registry: Registry): Histogram<Labels> {
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Histogram<Labels>;
  return new Histogram<Labels>({
    name: NAME,
    help: 'HTTP request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  });
}

/**
 * GET /metrics from the given registry, and the request-duration histogram observed for
 * every route. The route label is the pattern (`/api/orders/:orderId`), never the raw URL,
 * and unmatched URLs share one label, so a scanner cannot blow up the series count.
 */
export const metricsPlugin: FastifyPluginAsync<MetricsOptions> = rootPlugin(async (app, options) => {
  const { registry, observe = true, expose = true } = options;
  if (observe) {
    const duration = durationHistogram(registry);
    app.addHook('onResponse', async (request, reply) => {
      // Scrapes and probes run every few seconds and would drown the API's latencies.
      if (request.routeOptions.config.metrics === false) return;
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      duration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }
  if (!expose) return;

  app.get(
    '/metrics',
    {
      config: { metrics: false, public: true },
      schema: {
        summary: 'Prometheus metrics in text exposition format',
        tags: ['ops'],
        security: [],
        produces: ['text/plain'],
        response: { 200: { type: 'string' } },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}, 'ecom-metrics');
