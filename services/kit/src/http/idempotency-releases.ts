import type { FastifyBaseLogger } from 'fastify';
import { KickLoop } from '../kick-loop.js';
import type { Claim, IdempotencyStore } from './idempotency-store.js';

/**
 * Releases of pending Idempotency-Keys that could not reach the database: the 5xx that called for
 * the release was often the same outage. Until the key is released, a retry of the request would
 * be answered 409 (in progress) for up to the pending timeout, so each is retried every
 * `retryMs` and once more right before this process takes any new claim. A release is a no-op
 * once the claim is no longer the request's (see Claim.token), so a late one never frees a key
 * that a retry took over. Kept in memory: if this process dies too, the pending timeout frees
 * the key instead (a retry takes it over).
 */
export class PendingReleases {
  /** By claim token; `until` is when a retry may take the key over anyway (then retrying is moot). */
  private readonly pending = new Map<string, { claim: Claim; until: number }>();
  private readonly loop: KickLoop;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly pendingTimeoutMs: number,
    private readonly logger: FastifyBaseLogger,
    retryMs: number,
  ) {
    this.loop = new KickLoop(
      () => this.retry(),
      retryMs,
      (err) => logger.warn({ err }, 'idempotency key releases: retry failed'),
    );
  }

  get size(): number {
    return this.pending.size;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  add(claim: Claim): void {
    this.pending.set(claim.token, { claim, until: Date.now() + this.pendingTimeoutMs });
  }

  /** Tries every pending release now (waiting for a retry already under way). */
  flush(): Promise<void> {
    return this.loop.flush();
  }

  private async retry(): Promise<void> {
    for (const [token, { claim, until }] of this.pending) {
      if (Date.now() > until) {
        this.pending.delete(token);
        continue;
      }
      try {
        await this.store.release(claim);
        this.pending.delete(token);
        this.logger.info({ idempotencyKey: claim.scope.key }, 'released idempotency key after a failed attempt');
      } catch {
        // Still unreachable: the rest would fail the same way. The next period tries again.
        return;
      }
    }
  }
}
