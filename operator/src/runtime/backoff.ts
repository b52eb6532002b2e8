export interface BackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
}

/**
 * Exponential backoff: `baseMs * 2^(failures-1)`, capped at `maxMs`. `failures` counts the
 * consecutive failures including the one that just happened (>= 1).
 */
export function backoffDelay(failures: number, options: BackoffOptions): number {
  if (failures < 1) return 0;
  // 2^exponent overflows to Infinity for large counts; cap the exponent first.
  const exponent = Math.min(failures - 1, 52);
  return Math.min(options.baseMs * 2 ** exponent, options.maxMs);
}
