// The Kafka settings' values and defaults, for code that builds KafkaOptions without a config.
export * from '../kafka/tuning.js';
export { baseSettings, kafkaTuning } from './base.js';
export { configOrExit } from './exit.js';
export {
  type KafkaSecurityConfig,
  kafkaSecurity,
  kafkaSecurityFromEnv,
  kafkaSecuritySettings,
} from './kafka-security.js';
export * from './parse.js';
