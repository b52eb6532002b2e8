import { describe, expect, it } from 'vitest';
import { histogramDelta, histogramQuantile, parseHistogram, sagaSummary, sumSamples } from './saga-histogram.mjs';

const NAME = 'saga_completion_seconds';

/** A scrape like the order service's: cumulative counts per `le`, then _sum and _count. */
function scrape(counts: Record<string, number>, sum: number, extra = ''): string {
  const lines = [
    `# HELP ${NAME} Time from order creation to CONFIRMED`,
    `# TYPE ${NAME} histogram`,
    ...Object.entries(counts).map(([le, c]) => `${NAME}_bucket{le="${le}",service="order"} ${c}`),
    `${NAME}_sum{service="order"} ${sum}`,
    `${NAME}_count{service="order"} ${counts['+Inf']}`,
    '# TYPE orders_total counter',
    'orders_total{status="CREATED",service="order"} 42',
    extra,
  ];
  return `${lines.join('\n')}\n`;
}

describe('parseHistogram', () => {
  it('reads cumulative buckets sorted by le, with +Inf, _sum and _count', () => {
    const h = parseHistogram(scrape({ '0.5': 1, '0.1': 0, '+Inf': 3, '1': 2 }, 4.2), NAME);
    expect(h).toEqual({
      buckets: [
        { le: 0.1, count: 0 },
        { le: 0.5, count: 1 },
        { le: 1, count: 2 },
        { le: Number.POSITIVE_INFINITY, count: 3 },
      ],
      sum: 4.2,
      count: 3,
    });
  });

  it('sums label sets other than le, and ignores other metrics with a common prefix', () => {
    const text = [
      `${NAME}_bucket{service="a",le="1"} 2`,
      `${NAME}_bucket{service="b",le="1"} 3`,
      `${NAME}_bucket{service="a",le="+Inf"} 4`,
      `${NAME}_bucket{service="b",le="+Inf"} 5`,
      `${NAME}_sum{service="a"} 1.5`,
      `${NAME}_sum{service="b"} 2.5`,
      `${NAME}_count{service="a"} 4`,
      `${NAME}_count{service="b"} 5`,
      `${NAME}_other_bucket{le="1"} 100`,
    ].join('\n');
    expect(parseHistogram(text, NAME)).toEqual({
      buckets: [
        { le: 1, count: 5 },
        { le: Number.POSITIVE_INFINITY, count: 9 },
      ],
      sum: 4,
      count: 9,
    });
  });

  it('is null when the metric is absent', () => {
    expect(parseHistogram('# nothing here\nup 1\n', NAME)).toBeNull();
  });
});

describe('histogramQuantile', () => {
  const buckets = [
    { le: 0.1, count: 10 },
    { le: 0.5, count: 60 },
    { le: 1, count: 100 },
    { le: Number.POSITIVE_INFINITY, count: 100 },
  ];

  it('interpolates linearly inside the bucket holding the rank', () => {
    // rank 50 is 40 of the 50 observations between 0.1 and 0.5: 0.1 + 0.4 * 40/50
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.42, 10);
    // rank 95 is 35 of the 40 between 0.5 and 1
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.9375, 10);
  });

  it('takes 0 as the lower edge of the first bucket', () => {
    expect(histogramQuantile(0.05, buckets)).toBeCloseTo(0.05, 10);
  });

  it('reports the highest finite bound when the rank falls in +Inf', () => {
    const slow = [
      { le: 1, count: 1 },
      { le: 60, count: 2 },
      { le: Number.POSITIVE_INFINITY, count: 10 },
    ];
    expect(histogramQuantile(0.99, slow)).toBe(60);
  });

  it('is null for an empty histogram and rejects a quantile outside (0, 1)', () => {
    expect(histogramQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.5, [])).toBeNull();
    expect(() => histogramQuantile(1, buckets)).toThrow(RangeError);
  });
});

describe('histogramDelta', () => {
  it('subtracts bucket by bucket', () => {
    const before = parseHistogram(scrape({ '0.1': 5, '1': 8, '+Inf': 9 }, 3), NAME);
    const after = parseHistogram(scrape({ '0.1': 6, '1': 18, '+Inf': 20 }, 10), NAME);
    if (!after) throw new Error('unparsed');
    expect(histogramDelta(before, after)).toEqual({
      buckets: [
        { le: 0.1, count: 1 },
        { le: 1, count: 10 },
        { le: Number.POSITIVE_INFINITY, count: 11 },
      ],
      sum: 7,
      count: 11,
      reset: false,
    });
  });

  it('takes the second scrape whole when the counters went down (a restart)', () => {
    const before = parseHistogram(scrape({ '1': 50, '+Inf': 50 }, 20), NAME);
    const after = parseHistogram(scrape({ '1': 3, '+Inf': 4 }, 2), NAME);
    if (!after) throw new Error('unparsed');
    const d = histogramDelta(before, after);
    expect(d.reset).toBe(true);
    expect(d.count).toBe(4);
  });
});

describe('sagaSummary', () => {
  it('gives percentiles of the sagas completed between two scrapes only', () => {
    // Before: 1000 slow sagas (all in 5..10 s). During the run: 100 fast ones (all in 0.01..0.025).
    const before = scrape(
      { '0.01': 0, '0.025': 0, '5': 0, '10': 1000, '+Inf': 1000 },
      7000,
      // a different histogram in the same scrape must not leak in
      'kafka_batch_processing_seconds_bucket{le="+Inf"} 5',
    );
    const after = scrape({ '0.01': 0, '0.025': 100, '5': 100, '10': 1100, '+Inf': 1100 }, 7002);
    const s = sagaSummary(before, after);
    expect(s.count).toBe(100);
    expect(s.meanSeconds).toBeCloseTo(0.02, 10);
    expect(s.p50Seconds).toBeCloseTo(0.0175, 10);
    expect(s.p99Seconds).toBeCloseTo(0.02485, 10);
    expect(s.aboveHighestBucket).toBe(0);
    expect(s.counterReset).toBe(false);
  });

  it('counts the observations above the highest finite bucket', () => {
    const s = sagaSummary(null, scrape({ '1': 2, '60': 8, '+Inf': 10 }, 400));
    expect(s.aboveHighestBucket).toBe(2);
    expect(s.p99Seconds).toBe(60);
  });

  it('fails when the scrape has no saga histogram', () => {
    expect(() => sagaSummary(null, 'up 1\n')).toThrow(/no saga_completion_seconds/);
  });
});

describe('sumSamples', () => {
  it('sums the samples of one metric whose labels match', () => {
    const text = [
      '# TYPE orders_total counter',
      'orders_total{status="CREATED",service="order"} 10',
      'orders_total{status="CONFIRMED",service="order"} 7',
      'orders_total{status="CANCELLED",service="order"} 2',
      'orders_total_other{status="CONFIRMED"} 100',
      'kafka_consumer_lag{topic="ecom.order",partition="0",group="payment"} 3',
      'kafka_consumer_lag{topic="ecom.order",partition="1",group="payment"} 4',
    ].join('\n');
    expect(sumSamples(text, 'orders_total', { status: 'CONFIRMED' })).toBe(7);
    expect(sumSamples(text, 'orders_total')).toBe(19);
    expect(sumSamples(text, 'kafka_consumer_lag')).toBe(7);
    expect(sumSamples(text, 'outbox_backlog')).toBe(0);
  });
});
