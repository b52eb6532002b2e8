import { type BackoffOptions, backoffDelay } from './backoff.js';

/** What a handler may ask for after a successful run. */
export interface HandlerResult {
  /** Run the key again after this long (periodic checks, waiting on something external). */
  requeueAfterMs?: number;
}

export type Handler = (key: string) => Promise<HandlerResult | undefined>;

export interface WorkQueueOptions {
  /** Keys handled at once (never the same key twice at once). */
  concurrency: number;
  /** Per-key exponential backoff after failures. */
  backoff: BackoffOptions;
  /** Requeue-after requests are never sooner than this, so a handler cannot spin. */
  minRequeueAfterMs?: number;
  /** Called whenever the number of waiting keys changes (the depth gauge). */
  onDepth?: (depth: number) => void;
  /** Called when a handler throws, with the delay before its retry. */
  onError?: (key: string, error: unknown, failures: number, retryInMs: number) => void;
}

/**
 * A work queue keyed by object (namespace/name), in the manner of client-go's:
 * - a key waits in the queue at most once: repeated adds fold into one;
 * - a key is never handled by two workers at once: adds while it runs mark it dirty, and it runs
 *   once more after the current run ends;
 * - a failing key is retried after a per-key exponential backoff, reset by a success;
 * - delayed adds (requeue-after, backoff) keep only the earliest pending time per key.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that must run (again): waiting in `queue`, or added while running. */
  private readonly dirty = new Set<string>();
  private readonly running = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private started = false;

  constructor(
    private readonly handler: Handler,
    private readonly options: WorkQueueOptions,
  ) {}

  start(): void {
    this.started = true;
    this.pump();
  }

  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A running key is re-queued when its run ends; queuing it now could start a second run.
    if (this.running.has(key)) return;
    this.queue.push(key);
    this.reportDepth();
    this.pump();
  }

  /** Adds the key after `delayMs`, unless an earlier delayed add of it is already pending. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Retries the key after its backoff, counting one more failure. Returns the delay. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = backoffDelay(failures, this.options.backoff);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure count (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to run (not counting those running). */
  depth(): number {
    return this.queue.length;
  }

  /** Stops taking work, drops pending keys and timers, and waits for running handlers to end. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.reportDepth();
    await Promise.allSettled([...this.inFlight]);
  }

  private pump(): void {
    while (this.started && !this.stopped && this.running.size < this.options.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.dirty.delete(key);
      this.running.add(key);
      this.reportDepth();
      const run = this.runOne(key);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }
  }

  private async runOne(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      this.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        this.addAfter(key, Math.max(result.requeueAfterMs, this.options.minRequeueAfterMs ?? 0));
      }
    } catch (error) {
      const delay = this.addRateLimited(key);
      this.options.onError?.(key, error, this.failures.get(key) ?? 0, delay);
    } finally {
      this.running.delete(key);
      // Added while it ran: run it again now (after a failure the backoff timer also holds it).
      if (this.dirty.has(key) && !this.stopped) {
        this.queue.push(key);
        this.reportDepth();
      }
      this.pump();
    }
  }

  private reportDepth(): void {
    this.options.onDepth?.(this.queue.length);
  }
}
