// One measured phase: snapshot /proc, drive orders with k6, wait until every accepted order is
// SHIPPED and the consumer groups caught up, snapshot again, then read the sagas' timestamps.
// The window (and so every CPU figure) runs from just before k6 starts to that quiet point.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../../repo.js';
import {
  type CostFigures,
  costFigures,
  descendants,
  type GroupSample,
  groupDelta,
  sampleGroup,
  type Tracked,
  untrackedCpu,
} from './cpu.js';
import { type DbWork, dbWork } from './db-work.js';
import { type K6Load, runK6 } from './k6.js';
import type { StackProbe } from './probe.js';
import {
  CLOCK_TICKS,
  type MachineCpu,
  PAGE_BYTES,
  type ProcStat,
  readAllProcesses,
  readMachineCpu,
  readPssKb,
} from './procfs.js';
import { serviceUrl } from './stack.js';
import { type Distribution, distribution } from './stats.js';

export interface PhaseContext {
  k6: string;
  probe: StackProbe;
  tracked: Tracked[];
  /** Measurement overhead reported beside the stack: this process, npm start's supervisor. */
  overhead: Tracked[];
  runDir: string;
  runId: string;
  settleMaxSeconds: number;
  lines: number;
  products: number;
  step(text: string): void;
}

export interface Snapshot {
  atMs: number;
  machine: MachineCpu;
  groups: Map<string, GroupSample | null>;
  all: ProcStat[];
}

export function snapshot(tracked: Tracked[]): Snapshot {
  const atMs = Date.now();
  const machine = readMachineCpu();
  const all = readAllProcesses();
  return { atMs, machine, groups: new Map(tracked.map((t) => [t.name, sampleGroup(all, t)])), all };
}

export interface MemoryFigures {
  startMB: number | null;
  endMB: number | null;
  /** Proportional set size: shared pages split among the processes, so a tree's sum is not inflated. */
  startPssMB: number | null;
  endPssMB: number | null;
  processesStart: number | null;
  processesEnd: number | null;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const pssMB = (sample: GroupSample | null | undefined): number | null => {
  if (!sample) return null;
  const kb = sample.pids.map(readPssKb).filter((v): v is number => v !== null);
  return kb.length > 0 ? mb(kb.reduce((n, v) => n + v, 0) * 1024) : null;
};

/** RSS at both ends; PSS is read right after each snapshot (memory is no window figure). */
function memoryOf(name: string, start: Snapshot, startPss: Map<string, number | null>, end: Snapshot) {
  const s = start.groups.get(name);
  const e = end.groups.get(name);
  return {
    startMB: s ? mb(s.rssPages * PAGE_BYTES) : null,
    endMB: e ? mb(e.rssPages * PAGE_BYTES) : null,
    startPssMB: startPss.get(name) ?? null,
    endPssMB: pssMB(e),
    processesStart: s?.processes ?? null,
    processesEnd: e?.processes ?? null,
  };
}

const pssOf = (snap: Snapshot) => new Map([...snap.groups].map(([name, sample]) => [name, pssMB(sample)]));

function cost(ctx: PhaseContext, start: Snapshot, end: Snapshot, loadTicks: number, shipped: number): CostFigures {
  return costFigures({
    clockTicks: CLOCK_TICKS,
    machine: { start: start.machine, end: end.machine },
    loadGeneratorTicks: loadTicks,
    groups: ctx.tracked.map((t) => ({
      name: t.name,
      start: start.groups.get(t.name) ?? null,
      end: end.groups.get(t.name) ?? null,
    })),
    shipped,
  });
}

function overheadMs(ctx: PhaseContext, start: Snapshot, end: Snapshot): Record<string, number> {
  return Object.fromEntries(
    ctx.overhead.map((t) => [
      t.name,
      (groupDelta(start.groups.get(t.name) ?? null, end.groups.get(t.name) ?? null).ticks * 1000) / CLOCK_TICKS,
    ]),
  );
}

/** The biggest CPU users outside the stack, this process and its children (k6) in the window. */
function others(start: Snapshot, end: Snapshot): { comm: string; cpuMs: number; processes: number }[] {
  const exclude = new Set<number>();
  for (const snap of [start, end]) {
    for (const sample of snap.groups.values()) for (const pid of sample?.pids ?? []) exclude.add(pid);
    for (const p of descendants(snap.all, process.pid)) exclude.add(p.pid);
  }
  return untrackedCpu(start.all, end.all, exclude)
    .slice(0, 8)
    .map(({ comm, ticks, processes }) => ({ comm, cpuMs: (ticks * 1000) / CLOCK_TICKS, processes }));
}

export interface IdleFigures {
  seconds: number;
  /** Machine-wide busy CPU per second of wall time with no orders. */
  machineMsPerSec: number;
  processesMsPerSec: Record<string, number>;
  overheadMsPerSec: Record<string, number>;
  /** Machine-wide minus the stack and this process, per second: how quiet the machine was. */
  unattributedMsPerSec: number;
  untracked: { comm: string; cpuMs: number; processes: number }[];
}

/** The stack with nothing to do: what it burns per second (idle loops, sweeps, heartbeats). */
export async function measureIdle(ctx: PhaseContext, seconds: number): Promise<IdleFigures> {
  const all = [...ctx.tracked, ...ctx.overhead];
  const start = snapshot(all);
  await sleep(seconds * 1000);
  const end = snapshot(all);
  const wall = (end.atMs - start.atMs) / 1000;
  const figures = cost(ctx, start, end, 0, 0);
  return {
    seconds: wall,
    machineMsPerSec: figures.machineMs / wall,
    processesMsPerSec: Object.fromEntries(Object.entries(figures.processes).map(([k, v]) => [k, v.cpuMs / wall])),
    overheadMsPerSec: Object.fromEntries(Object.entries(overheadMs(ctx, start, end)).map(([k, v]) => [k, v / wall])),
    unattributedMsPerSec: figures.unattributedMs / wall,
    untracked: others(start, end),
  };
}

export interface PhaseSpec {
  name: string;
  mode: 'rate' | 'closed';
  rate?: number;
  vus?: number;
  duration: string;
  durationSeconds: number;
}

export interface PhaseFigures {
  name: string;
  load: PhaseSpec & { lines: number; products: number; customerPrefix: string };
  window: {
    startedAt: string;
    seconds: number;
    k6Seconds: number;
    /** From k6's end to the last order's SHIPPED. */
    drainSeconds: number;
    /** From the last SHIPPED until the consumer groups had no lag (notifications, analytics). */
    tailSeconds: number;
    settled: boolean;
    lagAtEnd: number;
  };
  orders: {
    accepted: number;
    rejected: number;
    noResponse: number;
    droppedIterations: number;
    /** Rows of the phase in the order service (accepted plus any committed whose answer timed out). */
    stored: number;
    shipped: number;
    cancelled: number;
    notShipped: number;
    acceptedPerSec: number;
    /** SHIPPED orders over the time from the first order's creation to the last one's SHIPPED. */
    completedPerSec: number | null;
  };
  httpMs: Record<string, number | null>;
  sagaMs: { confirmed: Distribution; shipped: Distribution };
  /** The order service's saga_completion_seconds (created → CONFIRMED) over the phase, bucket-interpolated. */
  sagaHistogram: HistogramSummary | null;
  cpu: CostFigures & {
    overheadMs: Record<string, number>;
    /** Approximate: see untrackedCpu. */
    untracked: { comm: string; cpuMs: number; processes: number }[];
  };
  memory: Record<string, MemoryFigures>;
  deadlocks: { pgStatDatabase: number; serverLog: number | null };
  /** PostgreSQL's transactions and statements per shipped order, over the window. */
  database: DbWork;
  /** Each table's rows and bytes (with indexes) at the phase's start and end. */
  tables: Record<string, { start: { rows: number; bytes: number }; end: { rows: number; bytes: number } }>;
  deadLetters: number;
  k6: { exitCode: number; thresholdsOk: boolean };
  warnings: string[];
}

/** The order service's /metrics text (its saga_completion_seconds histogram); null when it does not answer. */
async function orderMetrics(): Promise<string | null> {
  return fetch(`${serviceUrl('order')}/metrics`, { signal: AbortSignal.timeout(10_000) })
    .then((r) => (r.ok ? r.text() : null))
    .catch(() => null);
}

interface HistogramSummary {
  count: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  p99Seconds: number | null;
}

/**
 * created → CONFIRMED as the order service's own histogram saw it, interpolated in its buckets by
 * the load test's module (plain JavaScript under loadtest/, loaded at run time): a cross-check of
 * the exact figures from the orders' timestamps.
 */
async function histogramSaga(before: string | null, after: string | null): Promise<HistogramSummary | null> {
  if (after === null) return null;
  const module = (await import(pathToFileURL(repoPath('loadtest/src/saga-histogram.mjs')).href)) as {
    sagaSummary(before: string | null, after: string): HistogramSummary;
  };
  const { count, p50Seconds, p95Seconds, p99Seconds } = module.sagaSummary(before, after);
  return { count, p50Seconds, p95Seconds, p99Seconds };
}

async function waitShipped(ctx: PhaseContext, prefix: string, since: Date): Promise<{ pending: number }> {
  const deadline = Date.now() + ctx.settleMaxSeconds * 1000;
  let pending = await ctx.probe.pending(prefix, since);
  while (pending > 0 && Date.now() < deadline) {
    await sleep(500);
    pending = await ctx.probe.pending(prefix, since);
  }
  return { pending };
}

/** Lag 0 on two reads in a row, at most `maxMs`: the events after SHIPPED are handled too. */
async function waitQuiet(ctx: PhaseContext, maxMs: number): Promise<number> {
  const deadline = Date.now() + maxMs;
  let zeros = 0;
  let lag = await ctx.probe.lag();
  while (Date.now() < deadline) {
    zeros = lag === 0 ? zeros + 1 : 0;
    if (zeros >= 2) break;
    await sleep(500);
    lag = await ctx.probe.lag();
  }
  return lag;
}

export async function runPhase(ctx: PhaseContext, spec: PhaseSpec): Promise<PhaseFigures> {
  const customerPrefix = `bench-${ctx.runId}-${spec.name}-`;
  const load: K6Load = {
    mode: spec.mode,
    ...(spec.rate ? { rate: spec.rate } : {}),
    ...(spec.vus ? { vus: spec.vus } : {}),
    duration: spec.duration,
    lines: ctx.lines,
    products: ctx.products,
    customerPrefix,
  };
  const all = [...ctx.tracked, ...ctx.overhead];
  const metricsBefore = await orderMetrics();
  const dlqStart = await ctx.probe.deadLetterEnd();
  const deadlocksStart = await ctx.probe.deadlocks();
  const logOffset = ctx.probe.logOffset();
  const dbStart = await ctx.probe.dbCounters();
  const tablesStart = await ctx.probe.tableSizes();
  const start = snapshot(all);
  const startPss = pssOf(start);
  // The order service stamps created_at itself; a margin keeps clock rounding from losing the first orders.
  const since = new Date(start.atMs - 5000);

  ctx.step(
    `${spec.name}: k6 ${spec.mode === 'rate' ? `${spec.rate} orders/s` : `${spec.vus} closed-loop clients`} for ${spec.duration}`,
  );
  const k6 = await runK6({
    k6: ctx.k6,
    load,
    orderUrl: serviceUrl('order'),
    inventoryUrl: serviceUrl('inventory'),
    summaryPath: join(ctx.runDir, `${spec.name}.k6-summary.json`),
    statPath: join(ctx.runDir, `${spec.name}.k6-stat`),
    logPath: join(ctx.runDir, 'k6.log'),
  });
  const k6End = Date.now();
  ctx.step(
    `${spec.name}: ${k6.figures.accepted} orders accepted; waiting until they are SHIPPED (at most ${ctx.settleMaxSeconds} s)`,
  );
  const { pending } = await waitShipped(ctx, customerPrefix, since);
  const shippedAt = Date.now();
  const lagAtEnd = pending === 0 ? await waitQuiet(ctx, 15_000) : await ctx.probe.lag();
  const end = snapshot(all);
  const dbEnd = await ctx.probe.dbCounters();

  // Outside the window from here on.
  const sagaHistogram = await histogramSaga(metricsBefore, await orderMetrics());
  const tablesEnd = await ctx.probe.tableSizes();
  const none = { rows: 0, bytes: 0 };
  const tables = Object.fromEntries(
    [...new Set([...Object.keys(tablesStart), ...Object.keys(tablesEnd)])]
      .sort()
      .map((name) => [name, { start: tablesStart[name] ?? none, end: tablesEnd[name] ?? none }]),
  );
  const rows = await ctx.probe.sagas(customerPrefix, since);
  const shippedRows = rows.filter((r) => r.shippedAtMs !== null);
  const lastShipped = shippedRows.reduce((m, r) => Math.max(m, r.shippedAtMs ?? 0), k6End);
  const firstCreated = rows.reduce((m, r) => Math.min(m, r.createdAtMs), Number.POSITIVE_INFINITY);
  const figures = cost(ctx, start, end, k6.cpuTicks, shippedRows.length);
  const warnings: string[] = [];
  if (pending > 0) warnings.push(`${pending} orders not SHIPPED ${ctx.settleMaxSeconds} s after k6 ended`);
  if (lagAtEnd > 0) warnings.push(`consumer groups still ${lagAtEnd} records behind when the window closed`);
  for (const [name, p] of Object.entries(figures.processes)) {
    if (p.partial) warnings.push(`${name} restarted or vanished in the window: its CPU figure is a lower bound`);
  }
  const untracked = others(start, end);
  if (figures.machineMinusLoadMs > 0 && figures.unattributedMs / figures.machineMinusLoadMs > 0.2) {
    const top = untracked
      .slice(0, 3)
      .map((o) => `${o.comm} ${Math.round(o.cpuMs)} ms`)
      .join(', ');
    warnings.push(
      `${Math.round(figures.unattributedMs)} ms of CPU (${Math.round((100 * figures.unattributedMs) / figures.machineMinusLoadMs)} %) outside the stack's processes (${top || 'kernel'}): other work on the machine inflates the machine-wide figure`,
    );
  }
  const shippedCount = shippedRows.length;
  const deadLetters = (await ctx.probe.deadLetterEnd()) - dlqStart;
  return {
    name: spec.name,
    load: { ...spec, lines: ctx.lines, products: ctx.products, customerPrefix },
    window: {
      startedAt: new Date(start.atMs).toISOString(),
      seconds: (end.atMs - start.atMs) / 1000,
      k6Seconds: (k6End - start.atMs) / 1000,
      drainSeconds: Math.max(0, (Math.min(lastShipped, shippedAt) - k6End) / 1000),
      tailSeconds: (end.atMs - shippedAt) / 1000,
      settled: pending === 0,
      lagAtEnd,
    },
    orders: {
      accepted: k6.figures.accepted,
      rejected: k6.figures.rejected,
      noResponse: k6.figures.noResponse,
      droppedIterations: k6.figures.droppedIterations,
      stored: rows.length,
      shipped: shippedCount,
      cancelled: rows.filter((r) => r.status === 'CANCELLED').length,
      notShipped: pending,
      acceptedPerSec: k6.figures.accepted / spec.durationSeconds,
      completedPerSec:
        shippedCount > 0 && lastShipped > firstCreated ? shippedCount / ((lastShipped - firstCreated) / 1000) : null,
    },
    httpMs: k6.figures.httpMs,
    sagaMs: {
      confirmed: distribution(rows.map((r) => r.confirmedMs).filter((v): v is number => v !== null)),
      shipped: distribution(shippedRows.map((r) => r.shippedMs ?? Number.NaN)),
    },
    sagaHistogram,
    cpu: { ...figures, overheadMs: overheadMs(ctx, start, end), untracked },
    memory: Object.fromEntries(ctx.tracked.map((t) => [t.name, memoryOf(t.name, start, startPss, end)])),
    deadlocks: {
      pgStatDatabase: (await ctx.probe.deadlocks()) - deadlocksStart,
      serverLog: ctx.probe.loggedDeadlocks(logOffset),
    },
    database: dbWork(dbStart, dbEnd, shippedCount),
    tables,
    deadLetters,
    k6: { exitCode: k6.exitCode, thresholdsOk: k6.figures.thresholdsOk },
    warnings,
  };
}
