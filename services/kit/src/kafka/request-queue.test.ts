// The kafkajs patch (patches/kafkajs+2.2.4.patch) is applied: an idle connection's request queue
// arms no timer, and requests held back by a throttle are still sent when it ends. Red when
// node_modules was installed without running postinstall (npm ci --ignore-scripts).
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

interface Queue {
  pending: unknown[];
  throttleCheckTimeoutId: unknown;
  push(request: { entry: object; expectResponse: boolean; sendRequest: () => void; requestTimeout?: number }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (
  options: object,
) => Queue;

const logger = { debug() {}, info() {}, warn() {}, error() {} };

function entry(correlationId: number) {
  return { correlationId, apiName: 'Fetch', apiKey: 1, apiVersion: 11, resolve() {}, reject() {} };
}

function queue(maxInFlightRequests: number | null = null): Queue {
  return new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger,
  });
}

describe('kafkajs request queue (patched)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('arms no timer once the last response arrived (2.2.4 re-armed a 1 ms timer forever)', () => {
    const q = queue();
    let sent = 0;
    q.push({ entry: entry(1), expectResponse: true, sendRequest: () => sent++ });
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toBe(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends a request held back by a broker throttle once the throttle ends', () => {
    const q = queue();
    q.maybeThrottle(50);
    let sent = 0;
    q.push({ entry: entry(1), expectResponse: true, sendRequest: () => sent++ });
    expect(sent).toBe(0);
    vi.advanceTimersByTime(60);
    expect(sent).toBe(1);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('sends a request held back by the in-flight limit when the one before it is answered', () => {
    const q = queue(1);
    const sent: number[] = [];
    q.push({ entry: entry(1), expectResponse: true, sendRequest: () => sent.push(1) });
    q.push({ entry: entry(2), expectResponse: true, sendRequest: () => sent.push(2) });
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    vi.advanceTimersByTime(20);
    expect(q.pending).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
