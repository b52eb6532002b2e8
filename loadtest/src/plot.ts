// The load-test plot: orders/s offered, accepted and completed, and saga-latency percentiles, per
// second of the run, as a hand-written SVG (no dependency). Pure: timeline in, SVG text out.

export interface TimelineOrder {
  createdAt: string;
  confirmedAt: string | null;
  cancelledAt: string | null;
}

export interface PlotInput {
  orders: TimelineOrder[];
  /** Orders offered per second (constant arrival rate), or null for a closed loop. */
  rate: number | null;
  durationSeconds: number;
  title: string;
  /** Moments to mark (a fault fired, a service came back), epoch ms. */
  marks?: Array<{ at: number; label: string }>;
}

export interface Series {
  t0: number;
  seconds: number;
  accepted: number[];
  completed: number[];
  /** Saga latency (created → CONFIRMED) of the orders created in each second, ms; null: none. */
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

/** Per-second counts and percentiles, from the first order's second to the last completion. */
export function series(orders: TimelineOrder[]): Series {
  const ms = (s: string | null) => (s === null ? null : Date.parse(s));
  const created = orders.map((o) => ms(o.createdAt) as number);
  const done = orders.map((o) => ms(o.confirmedAt) ?? ms(o.cancelledAt));
  const t0 = Math.floor(Math.min(...created) / 1000) * 1000;
  const end = Math.max(...created, ...done.filter((d): d is number => d !== null));
  const seconds = orders.length === 0 ? 0 : Math.floor((end - t0) / 1000) + 1;
  const accepted = new Array<number>(seconds).fill(0);
  const completed = new Array<number>(seconds).fill(0);
  const latencies: number[][] = Array.from({ length: seconds }, () => []);
  orders.forEach((o, i) => {
    const c = Math.floor(((created[i] as number) - t0) / 1000);
    accepted[c] = (accepted[c] ?? 0) + 1;
    const d = done[i];
    if (d !== null && d !== undefined) {
      const k = Math.floor((d - t0) / 1000);
      completed[k] = (completed[k] ?? 0) + 1;
    }
    const confirmed = ms(o.confirmedAt);
    if (confirmed !== null) latencies[c]?.push(confirmed - (created[i] as number));
  });
  const sorted = latencies.map((l) => l.sort((a, b) => a - b));
  return {
    t0,
    seconds,
    accepted,
    completed,
    p50: sorted.map((l) => percentile(l, 50)),
    p95: sorted.map((l) => percentile(l, 95)),
    p99: sorted.map((l) => percentile(l, 99)),
  };
}

const W = 900;
const PANEL_H = 230;
const LEFT = 70;
const RIGHT = 170;
const TOP = 40;
const GAP = 60;

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= v) return m * step;
  return 10 * step;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(
  y0: number,
  seconds: number,
  lines: Array<{ label: string; color: string; values: Array<number | null>; dash?: string }>,
  unit: string,
): string {
  const plotW = W - LEFT - RIGHT;
  const max = niceMax(Math.max(0, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null))));
  const x = (i: number) => LEFT + (seconds <= 1 ? 0 : (i / (seconds - 1)) * plotW);
  const y = (v: number) => y0 + PANEL_H - (v / max) * PANEL_H;
  const out: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`);
  }
  const tick = Math.max(1, Math.ceil(seconds / 10));
  for (let i = 0; i < seconds; i += tick) {
    out.push(`<text x="${x(i)}" y="${y0 + PANEL_H + 16}" text-anchor="middle">${i}s</text>`);
  }
  out.push(
    `<text x="${LEFT - 50}" y="${y0 + PANEL_H / 2}" transform="rotate(-90 ${LEFT - 50} ${y0 + PANEL_H / 2})" text-anchor="middle">${esc(unit)}</text>`,
  );
  lines.forEach((l, n) => {
    // A gap (null) breaks the line rather than drawing it down to zero.
    let d = '';
    let pen = false;
    l.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    out.push(
      `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`,
    );
    const ly = y0 + 14 + n * 20;
    out.push(`<line x1="${W - RIGHT + 15}" x2="${W - RIGHT + 40}" y1="${ly - 4}" y2="${ly - 4}" stroke="${l.color}"`);
    out.push(` stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
    out.push(`<text x="${W - RIGHT + 46}" y="${ly}">${esc(l.label)}</text>`);
  });
  return out.join('');
}

export function plotSvg(input: PlotInput): string {
  const s = series(input.orders);
  const n = Math.max(1, s.seconds);
  const offered = Array.from({ length: n }, (_, i) =>
    input.rate !== null && i < input.durationSeconds ? input.rate : null,
  );
  const height = TOP + 2 * PANEL_H + GAP + 50;
  const plotW = W - LEFT - RIGHT;
  const marks = (input.marks ?? [])
    .filter((m) => m.at >= s.t0)
    .map((m) => {
      const mx = LEFT + (n <= 1 ? 0 : ((m.at - s.t0) / 1000 / (n - 1)) * plotW);
      return `<line x1="${mx}" x2="${mx}" y1="${TOP}" y2="${TOP + 2 * PANEL_H + GAP}" stroke="#c00" stroke-dasharray="4 3"/><text x="${mx + 3}" y="${TOP - 4}" fill="#c00">${esc(m.label)}</text>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(input.title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(input.title)}</text>`,
    panel(
      TOP,
      n,
      [
        { label: 'offered', color: '#999', values: offered, dash: '6 4' },
        { label: 'accepted', color: '#1f77b4', values: s.accepted },
        { label: 'completed', color: '#2ca02c', values: s.completed },
      ],
      'orders / s',
    ),
    panel(
      TOP + PANEL_H + GAP,
      n,
      [
        { label: 'saga p50', color: '#2ca02c', values: s.p50 },
        { label: 'saga p95', color: '#ff7f0e', values: s.p95 },
        { label: 'saga p99', color: '#d62728', values: s.p99 },
      ],
      'created → CONFIRMED, ms',
    ),
    `<text x="${LEFT + plotW / 2}" y="${height - 8}" text-anchor="middle">seconds since the first order (latency by the second an order was created)</text>`,
    marks,
    '</svg>\n',
  ].join('');
}
