// Percentiles of measured durations (pure: unit-tested).
//
// Nearest rank: the p-th percentile is the smallest value with at least p % of the values at or
// below it, so every figure reported is a duration some order really had. (local/src/bench/kit.ts
// indexes floor(p·n), which is one rank higher whenever p·n is a whole number: its p99 of 100
// values is the maximum.)

export interface Distribution {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** The p-th percentile (0 < p ≤ 100) of values sorted ascending; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? null,
  };
}
