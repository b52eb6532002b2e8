// The Kafka settings' values and defaults, for code that builds KafkaOptions without a config.
export {
  COMPRESSIONS,
  type Compression,
  DEFAULT_COMPRESSION,
  DEFAULT_FETCH,
  type FetchTuning,
} from '../kafka/tuning.js';
export { baseSettings, kafkaTuning } from './base.js';
export { configOrExit } from './exit.js';
export * from './parse.js';
