import { randomBytes } from 'node:crypto';

/** W3C trace context: `00-<trace id>-<parent span id>-<flags>`. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A traceparent for a new span: in the same trace as `parent` when it is valid, else a new trace. */
export function childTraceparent(parent?: string): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  const traceId = match?.[1] ?? randomBytes(16).toString('hex');
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

export function traceIdOf(traceparent: string): string | undefined {
  return TRACEPARENT.exec(traceparent)?.[1];
}
