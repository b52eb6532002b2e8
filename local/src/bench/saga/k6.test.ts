import { describe, expect, it } from 'vitest';
import { k6Figures } from './k6.js';

describe('k6Figures', () => {
  it("reads orders.js's summary: counts and the POST latency percentiles", () => {
    const summary = {
      loadtest: {
        orders: { offered: 300, accepted: 290, rejected: 10, noResponse: 4, droppedIterations: 2 },
        createOrderHttpMs: { p50: 12.5, p95: 40, p99: 95.5, avg: 15, max: 300 },
        thresholdsOk: false,
      },
      k6: {},
    };
    expect(k6Figures(summary)).toEqual({
      accepted: 290,
      rejected: 10,
      noResponse: 4,
      droppedIterations: 2,
      httpMs: { p50: 12.5, p95: 40, p99: 95.5, max: 300, avg: 15 },
      thresholdsOk: false,
    });
  });

  it('has null latencies when no order request was made', () => {
    const figures = k6Figures({ loadtest: { orders: { accepted: 0 }, createOrderHttpMs: null } });
    expect(figures.httpMs.p99).toBeNull();
    expect(figures.accepted).toBe(0);
  });

  it('says which script it expected when the summary is another one', () => {
    expect(() => k6Figures({ metrics: {} })).toThrow(/loadtest\/orders\.js/);
  });
});
