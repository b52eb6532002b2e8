// The cost curve as a hand-written SVG (pure: unit-tested): two panels over the offered rate
// (log scale), CPU-ms per shipped order above (linear), p99 latencies below (log scale, since they
// run from milliseconds to a minute once a backlog grows). No plotting dependency.
import { escapeXml } from '../../xml.js';

export interface CurvePoint {
  offeredRate: number;
  acceptedPerSec: number;
  /** Machine-wide minus k6, per shipped order; null when nothing shipped. */
  cpuMsPerOrder: number | null;
  /** Sum of the stack's processes (services, Kafka, PostgreSQL), per shipped order. */
  stackCpuMsPerOrder: number | null;
  httpP99Ms: number | null;
  sagaConfirmedP99Ms: number | null;
  sagaShippedP99Ms: number | null;
}

export interface CurvePlot {
  title: string;
  subtitle: string;
  points: CurvePoint[];
}

interface Series {
  label: string;
  color: string;
  dash?: string;
  value(p: CurvePoint): number | null;
}

const WIDTH = 840;
const LEFT = 96;
const RIGHT = 200; // room for the legend
const PANEL_HEIGHT = 220;
const TOP_PANEL_Y = 80;
const BOTTOM_PANEL_Y = TOP_PANEL_Y + PANEL_HEIGHT + 70;
const HEIGHT = BOTTOM_PANEL_Y + PANEL_HEIGHT + 60;

const CPU_SERIES: Series[] = [
  { label: 'machine − k6', color: '#1f77b4', value: (p) => p.cpuMsPerOrder },
  { label: 'stack processes', color: '#7f7f7f', dash: '5 4', value: (p) => p.stackCpuMsPerOrder },
];
const LATENCY_SERIES: Series[] = [
  { label: 'HTTP POST p99', color: '#2ca02c', value: (p) => p.httpP99Ms },
  { label: 'saga →CONFIRMED p99', color: '#ff7f0e', value: (p) => p.sagaConfirmedP99Ms },
  { label: 'saga →SHIPPED p99', color: '#d62728', dash: '7 4', value: (p) => p.sagaShippedP99Ms },
];

/** 1-2-5 steps (…, 10, 20, 50, 100, …) from the one at or below `min` to the one at or above `max`. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exp = Math.floor(Math.log10(min)) - 1; exp <= Math.ceil(Math.log10(max)); exp++) {
    for (const m of [1, 2, 5]) ticks.push(m * 10 ** exp);
  }
  const below = ticks.filter((t) => t <= min).at(-1) ?? ticks[0] ?? min;
  const above = ticks.find((t) => t >= max) ?? max;
  return ticks.filter((t) => t >= below && t <= above).map((t) => Number(t.toPrecision(3)));
}

/** The smallest 1-2-5 step at or above `value` (at least 1), as the top of a linear axis. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const [top] = logTicks(value, value).slice(-1);
  return Math.max(1, top ?? value);
}

function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  return `${Number(ms.toPrecision(3))} ms`;
}

function panel(options: {
  y: number;
  points: CurvePoint[];
  series: Series[];
  x: (rate: number) => number;
  xTicks: number[];
  yScale: 'linear' | 'log';
  yLabel: string;
  formatY(v: number): string;
  labelPoints?: boolean;
}): string {
  const { y: top, points, series } = options;
  const bottom = top + PANEL_HEIGHT;
  const values = series.flatMap((s) => points.map(s.value)).filter((v): v is number => v !== null && v > 0);
  let yTicks: number[];
  let yOf: (v: number) => number;
  if (options.yScale === 'log') {
    const lo = values.length > 0 ? Math.min(...values) : 1;
    const hi = values.length > 0 ? Math.max(...values) : 10;
    yTicks = logTicks(lo, Math.max(hi, lo * 2));
    const a = Math.log10(yTicks[0] ?? 1);
    const b = Math.log10(yTicks.at(-1) ?? 10);
    yOf = (v) => bottom - ((Math.log10(v) - a) / (b - a)) * PANEL_HEIGHT;
  } else {
    const max = niceCeiling(values.length > 0 ? Math.max(...values) : 1);
    yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => Number((f * max).toPrecision(3)));
    yOf = (v) => bottom - (v / max) * PANEL_HEIGHT;
  }
  const right = WIDTH - RIGHT;
  const parts: string[] = [];
  for (const t of yTicks) {
    const ty = yOf(t).toFixed(1);
    parts.push(`<line x1="${LEFT}" y1="${ty}" x2="${right}" y2="${ty}" stroke="#e0e0e0"/>`);
    parts.push(
      `<text x="${LEFT - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(options.formatY(t))}</text>`,
    );
  }
  for (const t of options.xTicks) {
    const tx = options.x(t).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${tx}" y="${bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<rect x="${LEFT}" y="${top}" width="${right - LEFT}" height="${PANEL_HEIGHT}" fill="none" stroke="#333"/>`,
  );
  parts.push(
    `<text x="${LEFT - 72}" y="${top + PANEL_HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 ${LEFT - 72} ${top + PANEL_HEIGHT / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  parts.push(
    `<text x="${(LEFT + right) / 2}" y="${bottom + 36}" text-anchor="middle">offered orders/s (log scale)</text>`,
  );
  for (const [i, s] of series.entries()) {
    const drawn = points
      .map((p) => ({ p, v: s.value(p) }))
      .filter((d): d is { p: CurvePoint; v: number } => d.v !== null && d.v > 0);
    const coords = drawn.map(({ p, v }) => `${options.x(p.offeredRate).toFixed(1)},${yOf(v).toFixed(1)}`);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (coords.length > 1)
      parts.push(
        `<polyline class="series" points="${coords.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
      );
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      parts.push(`<circle class="point" cx="${cx}" cy="${cy}" r="3.5" fill="${s.color}"/>`);
    }
    const ly = top + 14 + i * 18;
    parts.push(
      `<line x1="${right + 12}" y1="${ly}" x2="${right + 34}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${right + 40}" y="${ly}" dominant-baseline="middle">${escapeXml(s.label)}</text>`);
  }
  if (options.labelPoints) {
    // How much of the offered rate was accepted: where the curve bends, the stack saturated.
    for (const p of points) {
      const v = series[0]?.value(p);
      if (v === null || v === undefined || v <= 0) continue;
      parts.push(
        `<text class="accepted" x="${options.x(p.offeredRate).toFixed(1)}" y="${(yOf(v) - 9).toFixed(1)}" text-anchor="middle" font-size="10" fill="#555">${Math.round(p.acceptedPerSec)}/s acc.</text>`,
      );
    }
  }
  return parts.join('\n');
}

export function curveSvg(plot: CurvePlot): string {
  const rates = plot.points.map((p) => p.offeredRate).filter((r) => r > 0);
  const lo = rates.length > 0 ? Math.min(...rates) : 100;
  const hi = rates.length > 0 ? Math.max(...rates) : 1000;
  // Half a 1-2-5 step of margin on each side, so the end points do not sit on the frame.
  const a = Math.log10(lo) - 0.15;
  const b = Math.log10(Math.max(hi, lo * 1.5)) + 0.15;
  const right = WIDTH - RIGHT;
  const x = (rate: number) => LEFT + ((Math.log10(rate) - a) / (b - a)) * (right - LEFT);
  const xTicks = [...new Set([...rates].sort((m, n) => m - n))];
  const body = [
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(plot.title)}</text>`,
    `<text x="${WIDTH / 2}" y="48" text-anchor="middle" fill="#555">${escapeXml(plot.subtitle)}</text>`,
    `<text x="${LEFT}" y="${TOP_PANEL_Y - 10}" font-weight="bold">CPU per shipped order</text>`,
    panel({
      y: TOP_PANEL_Y,
      points: plot.points,
      series: CPU_SERIES,
      x,
      xTicks,
      yScale: 'linear',
      yLabel: 'CPU-ms per order',
      formatY: (v) => `${v}`,
      labelPoints: true,
    }),
    `<text x="${LEFT}" y="${BOTTOM_PANEL_Y - 10}" font-weight="bold">p99 latency</text>`,
    panel({
      y: BOTTOM_PANEL_Y,
      points: plot.points,
      series: LATENCY_SERIES,
      x,
      xTicks,
      yScale: 'log',
      yLabel: 'p99 (log scale)',
      formatY: formatMs,
    }),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(plot.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
