import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * JSON logs with the service name on every line. Correlation fields (orderId, ce_id, trace ids)
 * are added with `logger.child(...)` where an event or request is handled.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
