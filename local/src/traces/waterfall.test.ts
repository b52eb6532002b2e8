import { describe, expect, it } from 'vitest';
import type { ExportedSpan } from './otlp.js';
import { traceWaterfallSvg, waterfallRows } from './waterfall.js';

const T0 = 1_700_000_000_000_000_000n;

function span(spanId: string, parentSpanId: string, service: string, startMs: number, endMs: number): ExportedSpan {
  return {
    service,
    traceId: 't',
    spanId,
    parentSpanId,
    name: `span ${spanId}`,
    kind: 1,
    attributes: {},
    links: [],
    status: {},
    startTimeUnixNano: String(T0 + BigInt(startMs * 1e6)),
    endTimeUnixNano: String(T0 + BigInt(endMs * 1e6)),
  };
}

describe('trace waterfall', () => {
  const spans = [
    span('c2', 'root', 'payment', 30, 40),
    span('root', '', 'order', 0, 100),
    span('g1', 'c1', 'analytics', 12, 15),
    span('c1', 'root', 'inventory', 10, 20),
    span('orphan', 'missing', 'shipping', 50, 60),
  ];

  it('orders spans depth-first under their parents, children by start time, orphans at the top level', () => {
    expect(waterfallRows(spans).map((r) => `${r.span.spanId}@${r.depth}`)).toEqual([
      'root@0',
      'c1@1',
      'g1@2',
      'c2@1',
      'orphan@0',
    ]);
  });

  it('draws one bar per span on a shared time axis', () => {
    const svg = traceWaterfallSvg(spans, 'one order');
    expect(svg.match(/<rect x="[\d.]+" y="\d+" width="[\d.]+" height="12"/g)).toHaveLength(5);
    // The root spans the whole axis: from the label column to the right edge.
    expect(svg).toContain('<rect x="430.0" y="59" width="650.0" height="12" fill="#1f77b4"/>');
    expect(svg).toContain('<title>one order</title>');
  });
});
