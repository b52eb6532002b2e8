export * from './config/index.js';
export { DLQ_HEADERS, deadLetter, retryDelayMs } from './consumer/dead-letter.js';
export {
  type BeforeBatch,
  type HandlerContext,
  type Handlers,
  type RunningConsumer,
  startConsumer,
} from './consumer/runner.js';
export * from './db/index.js';
export type { Db, Queryable } from './db/types.js';
export * from './events/index.js';
export * from './http/index.js';
export { claimEvents } from './inbox.js';
export {
  type FetchedBatch,
  type KafkaOptions,
  openProducer,
  openTopicAdmin,
  type RecordProducer,
  startGroupConsumer,
  type TopicAdmin,
} from './kafka/client.js';
export * from './kafka/records.js';
export { createLogger, type Logger } from './log.js';
export { createKitMetrics, type KitMetrics } from './metrics.js';
export { fromCents, isMoney, MAX_CENTS, MONEY_PATTERN, normalizeMoney, toCents } from './money.js';
export * from './outbox/index.js';
export {
  type BaseConfig,
  type RunningService,
  runService,
  type ServiceDefinition,
  type ServiceDeps,
  startService,
} from './service.js';
