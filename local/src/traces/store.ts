import type { ExportedSpan } from './otlp.js';

/** What the viewer's list shows of one trace. */
export interface TraceSummary {
  traceId: string;
  /** The earliest span without a parent in the trace ("service: name"), or the earliest span. */
  root: string;
  services: string[];
  spans: number;
  /** Spans with status ERROR. */
  errors: number;
  /** The `ecom.order_id` attribute of any span, when one carries it. */
  orderId?: string;
  startTimeUnixNano: string;
  durationMs: number;
}

/**
 * The most recent traces in memory, newest last: spans of one trace arrive over many exports (six
 * services, each batching), so a trace is kept by id and moves to the end whenever a span of it
 * arrives; beyond `maxTraces` the least recently extended ones go.
 */
export class TraceStore {
  private readonly traces = new Map<string, ExportedSpan[]>();

  constructor(private readonly maxTraces: number) {}

  add(spans: ExportedSpan[]): void {
    for (const span of spans) {
      const trace = this.traces.get(span.traceId) ?? [];
      this.traces.delete(span.traceId);
      this.traces.set(span.traceId, trace);
      trace.push(span);
    }
    for (const oldest of this.traces.keys()) {
      if (this.traces.size <= this.maxTraces) break;
      this.traces.delete(oldest);
    }
  }

  spans(traceId: string): ExportedSpan[] | undefined {
    return this.traces.get(traceId);
  }

  /** Newest first; with `orderId`, only traces whose spans carry that order id. */
  summaries(orderId?: string): TraceSummary[] {
    return [...this.traces.values()]
      .map(summarize)
      .filter((s) => orderId === undefined || s.orderId === orderId)
      .reverse();
  }
}

const nanos = (s: ExportedSpan, end = false) => BigInt(end ? s.endTimeUnixNano : s.startTimeUnixNano);

function summarize(spans: ExportedSpan[]): TraceSummary {
  const byStart = [...spans].sort((a, b) => (nanos(a) < nanos(b) ? -1 : nanos(a) > nanos(b) ? 1 : 0));
  const ids = new Set(spans.map((s) => s.spanId));
  const first = byStart[0] as ExportedSpan;
  const root = byStart.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? first;
  const end = spans.reduce((max, s) => (nanos(s, true) > max ? nanos(s, true) : max), nanos(first, true));
  const orderId = spans.map((s) => s.attributes['ecom.order_id']).find((v) => v !== undefined);
  return {
    traceId: first.traceId,
    root: `${root.service}: ${root.name}`,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    spans: spans.length,
    errors: spans.filter((s) => s.status.code === 2).length,
    ...(orderId === undefined ? {} : { orderId: String(orderId) }),
    startTimeUnixNano: first.startTimeUnixNano,
    durationMs: Number(end - nanos(first)) / 1e6,
  };
}
