export { tracingConfigured } from './enabled.js';
export { shutdownTelemetry } from './shutdown.js';
export { activeTraceFields, contextFromTraceparent, traceparentOf } from './spans.js';
