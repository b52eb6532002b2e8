import { type Logger, pino } from 'pino';
import { activeTraceFields } from './telemetry/spans.js';

export type { Logger };

/**
 * JSON logs with the service name on every line. Correlation fields (orderId, ce_id, trace ids)
 * are added with `logger.child(...)` where an event or request is handled; `trace_id`/`span_id` of
 * the active span (telemetry on) by the mixin, so a line and its span join in the backend.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: activeTraceFields,
  });
}
