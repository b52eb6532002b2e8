export { bearer, describeAccessTable, expectAccessRow, testIssuer } from './access.js';
export * from './events.js';
export * from './infra.js';
export * from './problem.js';
export * from './service.js';
export { startWebhookSink, type WebhookSink } from './webhook-sink.js';
