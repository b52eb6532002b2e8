// Pure functions over Prometheus histograms in the text exposition format, used by the load test
// to turn two scrapes of the order service's `saga_completion_seconds` into percentiles of the
// sagas that completed in between. Plain JavaScript (no build step) so `node` runs it directly;
// unit-tested by saga-histogram.test.ts beside it.

/**
 * @typedef {{ le: number, count: number }} Bucket   cumulative count of observations <= le
 * @typedef {{ buckets: Bucket[], sum: number, count: number }} Histogram
 */

/** Splits `a="x",b="y"` (with the escapes the text format allows) into an object. */
function parseLabels(text) {
  /** @type {Record<string, string>} */
  const labels = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

/** `+Inf`, `-Inf`, `NaN` and plain numbers as the text format writes them. */
function parseValue(text) {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/**
 * The histogram `name` from a Prometheus text exposition, summed over every label set except `le`
 * (the order service has one series, but a scrape through a proxy may add labels). Returns null
 * when the exposition has no `<name>_bucket` sample.
 *
 * @param {string} text
 * @param {string} name
 * @returns {Histogram | null}
 */
export function parseHistogram(text, name) {
  /** @type {Map<number, number>} */
  const byLe = new Map();
  let sum = 0;
  let count = 0;
  let seen = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/.exec(line);
    if (!m) continue;
    const [, metric, labelText = '', valueText] = m;
    const value = parseValue(valueText);
    if (metric === `${name}_bucket`) {
      const le = parseValue(parseLabels(labelText).le ?? '');
      if (Number.isNaN(le)) continue;
      byLe.set(le, (byLe.get(le) ?? 0) + value);
      seen = true;
    } else if (metric === `${name}_sum`) {
      sum += value;
    } else if (metric === `${name}_count`) {
      count += value;
    }
  }
  if (!seen) return null;
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({ le, count: c }));
  return { buckets, sum, count };
}

/**
 * after − before, bucket by bucket: the observations made between the two scrapes. If any bucket
 * went down the process restarted (counters reset), and `after` alone is the best answer; the
 * result says so in `reset`.
 *
 * @param {Histogram | null} before
 * @param {Histogram} after
 * @returns {Histogram & { reset: boolean }}
 */
export function histogramDelta(before, after) {
  if (!before) return { ...after, reset: false };
  const prev = new Map(before.buckets.map((b) => [b.le, b.count]));
  const reset = after.count < before.count || after.buckets.some((b) => b.count < (prev.get(b.le) ?? 0));
  if (reset) return { ...after, reset: true };
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
    reset: false,
  };
}

/**
 * The q-quantile (0 < q < 1) of a cumulative histogram, interpolated linearly inside the bucket it
 * falls in, as Prometheus' histogram_quantile() does: the lower edge of the first bucket is 0; a
 * quantile that falls in the +Inf bucket is reported as the highest finite bound (all we know is
 * that it is at least that). null when the histogram is empty.
 *
 * @param {number} q
 * @param {Bucket[]} buckets  sorted by le, cumulative, last one +Inf
 * @returns {number | null}
 */
export function histogramQuantile(q, buckets) {
  if (!(q > 0 && q < 1)) throw new RangeError(`quantile must be in (0, 1), got ${q}`);
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerLe;
      if (count === lowerCount) return le;
      return lowerLe + ((le - lowerLe) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe; // buckets not ending in +Inf and rank above the last one: the last bound
}

/**
 * The saga figures the load test reports, from two scrapes of the order service's /metrics.
 *
 * @param {string | null} beforeText  the scrape before the run (null: none, take `after` whole)
 * @param {string} afterText
 * @param {string} [name]
 */
export function sagaSummary(beforeText, afterText, name = 'saga_completion_seconds') {
  const after = parseHistogram(afterText, name);
  if (!after) throw new Error(`no ${name} histogram in the scrape`);
  const before = beforeText === null ? null : parseHistogram(beforeText, name);
  const delta = histogramDelta(before, after);
  const finite = delta.buckets.filter((b) => Number.isFinite(b.le));
  const lastFinite = finite.length > 0 ? finite[finite.length - 1] : null;
  return {
    count: delta.count,
    meanSeconds: delta.count > 0 ? delta.sum / delta.count : null,
    p50Seconds: histogramQuantile(0.5, delta.buckets),
    p95Seconds: histogramQuantile(0.95, delta.buckets),
    p99Seconds: histogramQuantile(0.99, delta.buckets),
    // Observations above the highest finite bucket: a percentile there is a lower bound only.
    aboveHighestBucket: lastFinite ? delta.count - lastFinite.count : 0,
    highestBucketSeconds: lastFinite ? lastFinite.le : null,
    counterReset: delta.reset,
    buckets: delta.buckets.map((b) => ({ le: Number.isFinite(b.le) ? b.le : '+Inf', count: b.count })),
  };
}

/**
 * The sum of every sample of `name` (a counter or gauge) whose labels include all of `match`;
 * 0 when there is none. Used for orders_total{status=...}, outbox_backlog and kafka_consumer_lag.
 *
 * @param {string} text
 * @param {string} name
 * @param {Record<string, string>} [match]
 */
export function sumSamples(text, name, match = {}) {
  let total = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = parseLabels(m[2] ?? '');
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += parseValue(m[3]);
  }
  return total;
}
