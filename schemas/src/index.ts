export { DLQ_TOPIC, EVENT_CATALOG, type EventRoute, type EventType, isEventType } from './catalog.js';
export * from './generated.js';
export { allEventTypes, dataSchemaUri, eventSchema } from './load.js';
