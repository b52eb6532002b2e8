import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { setTelemetryShutdown } from './shutdown.js';

/** Probes and scrapes, not requests anyone wants traced. */
const UNTRACED_PATHS = /^\/(healthz|readyz|livez|metrics)(\/|\?|$)/;

/**
 * The NodeSDK, configured by the standard OTEL_* variables only (exporter, endpoint, protocol,
 * sampler, service name, resource attributes, batch processor). Messaging spans are the kit's own
 * (telemetry/spans.ts): the relay sends rows of many traces in one batch, so a kafkajs-level
 * instrumentation could not parent or inject per record the way the outbox needs.
 */
export function startTelemetry(): void {
  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? '') }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      // Only queries made on behalf of something traced: the relay's and sweeps' polling would
      // otherwise be a root trace every few hundred milliseconds.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  setTelemetryShutdown(() => sdk.shutdown());
}
