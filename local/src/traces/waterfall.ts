// One trace as a waterfall, the way trace UIs draw it: a row per span in depth-first order under
// its parent, a bar from its start to its end on a shared time axis, coloured by service. Pure and
// dependency-free (SVG text): the local trace viewer (`npm run traces`) draws every trace with it,
// and the trace test the one it checked, for the README.
import { escapeXml } from '../xml.js';
import type { ExportedSpan } from './otlp.js';

const WIDTH = 1100;
const ROW = 18;
const TOP = 56;
const LABEL_W = 430;
const RIGHT = 20;
const COLORS: Record<string, string> = {
  order: '#1f77b4',
  payment: '#2ca02c',
  inventory: '#ff7f0e',
  shipping: '#9467bd',
  notification: '#d62728',
  analytics: '#8c564b',
};

/** Milliseconds between two epoch-nanosecond strings. */
function msBetween(fromNano: string, toNano: string): number {
  return Number(BigInt(toNano) - BigInt(fromNano)) / 1e6;
}

/** Spans in depth-first order (children by start time), each with its depth; orphans start at 0. */
export function waterfallRows(spans: ExportedSpan[]): Array<{ span: ExportedSpan; depth: number }> {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, ExportedSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const byStart = (a: ExportedSpan, b: ExportedSpan) =>
    BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1;
  const rows: Array<{ span: ExportedSpan; depth: number }> = [];
  const visit = (parent: string, depth: number) => {
    for (const span of [...(children.get(parent) ?? [])].sort(byStart)) {
      rows.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit('', 0);
  return rows;
}

export function traceWaterfallSvg(spans: ExportedSpan[], title: string): string {
  const rows = waterfallRows(spans);
  const start = rows.reduce(
    (min, r) => (BigInt(r.span.startTimeUnixNano) < BigInt(min) ? r.span.startTimeUnixNano : min),
    rows[0]?.span.startTimeUnixNano ?? '0',
  );
  const totalMs = Math.max(1, ...rows.map((r) => msBetween(start, r.span.endTimeUnixNano)));
  const plotW = WIDTH - LABEL_W - RIGHT;
  const x = (ms: number) => LABEL_W + (ms / totalMs) * plotW;
  const height = TOP + rows.length * ROW + 40;
  const ticks = Array.from({ length: 6 }, (_, i) => (totalMs * i) / 5);
  const body = rows.map(({ span, depth }, i) => {
    const y = TOP + i * ROW;
    const from = msBetween(start, span.startTimeUnixNano);
    const to = msBetween(start, span.endTimeUnixNano);
    const color = COLORS[span.service] ?? '#7f7f7f';
    const failed = span.status.code === 2;
    const label = `${span.service}: ${span.name}`;
    return [
      `<text x="${8 + depth * 10}" y="${y + 13}" fill="${failed ? '#c00' : '#222'}">${escapeXml(label)}</text>`,
      `<rect x="${x(from).toFixed(1)}" y="${y + 3}" width="${Math.max(1.5, x(to) - x(from)).toFixed(1)}" height="${ROW - 6}" fill="${color}"${failed ? ' stroke="#c00" stroke-width="1.5"' : ''}/>`,
    ].join('');
  });
  const axis = ticks.map(
    (t) =>
      `<line x1="${x(t).toFixed(1)}" y1="${TOP - 4}" x2="${x(t).toFixed(1)}" y2="${height - 36}" stroke="#eee"/>` +
      `<text x="${x(t).toFixed(1)}" y="${TOP - 8}" text-anchor="middle" fill="#555">${t.toFixed(0)} ms</text>`,
  );
  const legend = Object.entries(COLORS).map(
    ([service, color], i) =>
      `<rect x="${LABEL_W + i * 100}" y="${height - 25}" width="10" height="10" fill="${color}"/>` +
      `<text x="${LABEL_W + i * 100 + 16}" y="${height - 16}">${service}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...axis,
    ...body,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
