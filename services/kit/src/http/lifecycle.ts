import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
// For the `drain` decorator's type augmentation.
import type {} from './health.js';

export interface ListenOptions {
  /** 0.0.0.0 by default: in a pod, loopback is unreachable for probes and the Service. */
  host?: string;
  port: number;
}

/** Starts listening; resolves with the bound address. */
export async function listen(app: FastifyInstance, { host = '0.0.0.0', port }: ListenOptions): Promise<string> {
  return app.listen({ host, port });
}

export interface CloseOptions {
  /**
   * Time to keep serving after readiness went false, so endpoints controllers and load
   * balancers stop routing here before the listener closes. Counted inside the deadline.
   */
  drainDelayMs?: number;
}

/**
 * SIGTERM path: mark draining (/readyz → 503), optionally wait, then close: the listener stops
 * accepting, in-flight requests finish and onClose hooks run. If that outlasts the deadline,
 * the remaining connections are cut so the process can exit before the kubelet kills it.
 * Resolves 'closed' or 'timeout'.
 */
export async function closeGracefully(
  app: FastifyInstance,
  deadlineMs: number,
  { drainDelayMs = 0 }: CloseOptions = {},
): Promise<'closed' | 'timeout'> {
  app.drain();
  const controller = new AbortController();
  const deadline = sleep(deadlineMs, 'timeout' as const, { signal: controller.signal }).catch(() => 'aborted' as const);
  const delay = Math.min(drainDelayMs, deadlineMs);
  if (delay > 0) await sleep(delay);
  const outcome = await Promise.race([app.close().then(() => 'closed' as const), deadline]);
  controller.abort();
  if (outcome !== 'closed') {
    app.log.warn({ deadlineMs }, 'graceful close exceeded its deadline; closing remaining connections');
    app.server.closeAllConnections();
    return 'timeout';
  }
  return 'closed';
}
