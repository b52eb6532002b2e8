/**
 * What to do when the gateway fails transiently while charging for an OrderCreated. The kit
 * retries a throwing handler with backoff and dead-letters it after CONSUMER_MAX_ATTEMPTS; a
 * dead-lettered OrderCreated would leave the order CREATED forever (the saga waits for a payment
 * outcome). So the handler throws (the kit retries) until the attempt that reaches the limit,
 * and then records the payment FAILED ("gateway unavailable"), which cancels the order cleanly.
 * The attempt count covers the kit's first batch try too, so the give-up happens no later than
 * the kit's last attempt.
 */
export function onTransientFailure(attempt: number, maxAttempts: number): 'retry' | 'give-up' {
  return attempt < maxAttempts ? 'retry' : 'give-up';
}

/**
 * Attempts per operation key within this process: the handler cannot see the kit's attempt
 * number, and a rolled-back transaction cannot count. One instance per service; entries are
 * dropped when the operation settles. A restart forgets counts, which only means more retries.
 */
export class AttemptCounter {
  private readonly counts = new Map<string, number>();

  next(key: string): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }

  settle(key: string): void {
    this.counts.delete(key);
  }
}
