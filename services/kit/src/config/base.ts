import { int, list, oneOf, optional, str } from './parse.js';

/** Settings every service shares; a service adds its own with `{ ...baseSettings(3001), ...mine }`. */
export function baseSettings(defaultPort: number) {
  return {
    host: str('HOST', 'Address the HTTP server binds to', '0.0.0.0'),
    port: int('PORT', 'HTTP port (0 picks a free one)', defaultPort, { min: 0, max: 65535 }),
    logLevel: oneOf(
      'LOG_LEVEL',
      'pino log level',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    kafkaBrokers: list('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', ['127.0.0.1:19092']),
    kafkaSessionTimeoutMs: int(
      'KAFKA_SESSION_TIMEOUT_MS',
      'How long a consumer group waits for a crashed member before giving its partitions to the others',
      30_000,
      { min: 6_000, max: 300_000 },
    ),
    databaseUrl: optional('DATABASE_URL', 'PostgreSQL URL; unset means embedded PGlite in PGLITE_DIR'),
    pgliteDir: optional('PGLITE_DIR', 'Data folder of the embedded PGlite fallback; unset means in memory'),
    dbPoolSize: int('DB_POOL_SIZE', 'PostgreSQL connections per process', 10, { min: 1, max: 100 }),
    bodyLimit: int('HTTP_BODY_LIMIT', 'Largest accepted request body in bytes', 1_048_576, { min: 1024 }),
    shutdownDeadlineMs: int(
      'SHUTDOWN_DEADLINE_MS',
      'How long SIGTERM may take before the process exits anyway',
      15_000,
      {
        min: 100,
      },
    ),
    consumerMaxAttempts: int('CONSUMER_MAX_ATTEMPTS', 'Attempts of a failing handler before dead-lettering', 3, {
      min: 1,
      max: 20,
    }),
    consumerRetryBaseMs: int('CONSUMER_RETRY_BASE_MS', 'First retry delay; doubles with each attempt', 200, { min: 0 }),
    outboxSweepMs: int('OUTBOX_SWEEP_MS', 'Period of the outbox sweep that publishes leftovers', 1000, { min: 10 }),
  };
}
