// Preloaded with `node --import <this file>` by every service's start command (local/src/services.ts,
// local/packaging/entrypoint.sh, test/support/stack.ts): the OpenTelemetry SDK must be running, and
// its module hooks registered, before the first instrumented module (http, pg) is imported, which an
// import in main.ts cannot guarantee under ESM. Without an OTLP endpoint in the standard OTEL_*
// environment this imports nothing else and costs nothing.
import { serviceNameFromMain, tracingConfigured } from './enabled.js';

if (tracingConfigured(process.env)) {
  // Assigned only when found: process.env turns undefined into the string "undefined".
  const service = serviceNameFromMain(process.argv[1]);
  if (service) process.env.OTEL_SERVICE_NAME ??= service;
  // Traces only: metrics stay with prom-client (/metrics) and logs with pino, unless asked for.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const { register } = await import('node:module');
  // import-in-the-middle lets the instrumentations patch modules imported from ES modules; only the
  // ones they instrument are wrapped (Fastify reports through diagnostics_channel, needs none).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['pg', 'pg-pool', 'http', 'https'] },
  });
  const { startTelemetry } = await import('./sdk.js');
  startTelemetry();
}
