export * from './api/index.js';
export { type OperatorConfig, parseConfig, USAGE } from './config.js';
export { decide } from './controllers/eventtopic/decide.js';
export type { DecideContext, Decision, Observation, Step } from './controllers/eventtopic/types.js';
export { type OperatorHandle, startOperator } from './operator.js';
