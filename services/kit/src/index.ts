export * from './config/index.js';
export {
  type DeadLetterInfo,
  DLQ_HEADERS,
  deadLetter,
  isDeadLetterHeader,
  REPLAYED_FROM_HEADER,
  readDeadLetter,
  retryDelayMs,
} from './consumer/dead-letter.js';
export {
  type AfterBatch,
  type BatchContext,
  type BatchHandler,
  type BeforeBatch,
  type HandlerContext,
  type Handlers,
  type RunningConsumer,
  startConsumer,
} from './consumer/runner.js';
export * from './db/index.js';
export { isTransientError } from './db/transient.js';
export type { Db, Queryable } from './db/types.js';
export {
  type EffectHandler,
  type EffectHandlers,
  type EffectOutcome,
  EffectRunner,
  type OutcomeContext,
  type Schedule,
} from './effects/runner.js';
export * from './events/index.js';
export {
  FAULT_POINTS,
  type FaultPoint,
  type FaultRule,
  type Faults,
  InjectedFault,
  parseFaults,
} from './faults/faults.js';
export * from './http/index.js';
export { claimEvents } from './inbox.js';
export { type KafkaAcl, type KafkaFootprint, type KafkaOperation, serviceKafkaAcls } from './kafka/acls.js';
export {
  applyPrincipalAcls,
  type CommittedOffset,
  type FetchedBatch,
  type GroupCommit,
  type GroupConsumer,
  type Health,
  type KafkaOptions,
  type OffsetCommitter,
  type OffsetRange,
  type OffsetReader,
  openOffsetCommitter,
  openOffsetReader,
  openProducer,
  openTopicAdmin,
  type PartitionBounds,
  type RangeBatch,
  type RecordProducer,
  readRanges,
  startGroupConsumer,
  type TopicAdmin,
} from './kafka/client.js';
export * from './kafka/records.js';
export {
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  type KafkaSaslMechanism,
  type KafkaSecurity,
  type KafkaSecurityProtocol,
  type KafkaTls,
} from './kafka/security.js';
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
