/**
 * Stock-level signals are edge-triggered: they fire when available stock crosses the threshold
 * or reaches zero, not on every change while it stays low, so consumers (analytics, alerting)
 * see one warning per dip instead of a stream of them.
 */

export type StockLevelSignal = 'WARNING' | 'DEPLETED' | 'NORMALIZED';

/**
 * The signals for available stock moving from `before` to `after`.
 * `before` is null for a product that did not exist: its first stock counts as crossing from
 * "nothing known", so a product created below the threshold is reported low at once (otherwise
 * it would never appear in low-stock views until it first went above the threshold and back).
 */
export function stockLevelEvents(before: number | null, after: number, threshold: number): StockLevelSignal[] {
  const signals: StockLevelSignal[] = [];
  const wasLow = before !== null && before < threshold;
  const isLow = after < threshold;
  if (isLow && !wasLow) signals.push('WARNING');
  if (after === 0 && before !== 0) signals.push('DEPLETED');
  if (!isLow && wasLow) signals.push('NORMALIZED');
  return signals;
}
