import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Runs async work one piece at a time, in call order: PGlite has a single connection, so a
 * transaction must own it from BEGIN to COMMIT. A failed piece does not stop the ones after it.
 *
 * Work that calls `run` again from inside its own turn would wait for itself forever; that is
 * detected (through AsyncLocalStorage) and rejected with `reentryMessage` instead of hanging.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  // The turn's token goes inactive when the turn ends, so work the turn started without awaiting
  // it (a timer, a fire-and-forget kick) may queue normally afterwards.
  private readonly turn = new AsyncLocalStorage<{ active: boolean }>();

  constructor(private readonly reentryMessage = 'SerialQueue.run called from inside its own work') {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.turn.getStore()?.active) return Promise.reject(new Error(this.reentryMessage));
    const next = this.tail.then(async () => {
      const token = { active: true };
      try {
        return await this.turn.run(token, work);
      } finally {
        token.active = false;
      }
    });
    // The chain only orders work; each caller sees its own result or error through `next`.
    this.tail = next.catch(() => undefined);
    return next;
  }
}
