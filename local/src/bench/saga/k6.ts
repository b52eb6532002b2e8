// Runs loadtest/orders.js with k6 and reads back its summary and its own CPU time.

import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { localToken } from '../../auth.js';
import { repoPath } from '../../repo.js';
import { parseProcStat } from './procfs.js';
import type { Distribution } from './stats.js';

export interface K6Load {
  mode: 'rate' | 'closed';
  rate?: number;
  vus?: number;
  duration: string;
  lines: number;
  products: number;
  customerPrefix: string;
}

export interface K6Figures {
  accepted: number;
  rejected: number;
  noResponse: number;
  droppedIterations: number;
  /** POST /api/orders as k6 timed it, every answer (accepted or not), in ms. */
  httpMs: Omit<Distribution, 'count'> & { avg: number | null };
  thresholdsOk: boolean;
}

export interface K6Run {
  exitCode: number;
  /** k6's own CPU (user + system, every thread), in clock ticks. */
  cpuTicks: number;
  figures: K6Figures;
}

/** The figures of orders.js's summary file (its `loadtest` part, written by handleSummary). */
export function k6Figures(summary: unknown): K6Figures {
  const loadtest = (summary as { loadtest?: Record<string, unknown> }).loadtest;
  if (!loadtest) throw new Error('the k6 summary has no "loadtest" part: is loadtest/orders.js the script that ran?');
  const orders = loadtest.orders as Record<string, number>;
  const http = (loadtest.createOrderHttpMs ?? null) as Record<string, number> | null;
  const at = (k: string) => (http && typeof http[k] === 'number' ? (http[k] as number) : null);
  return {
    accepted: orders.accepted ?? 0,
    rejected: orders.rejected ?? 0,
    noResponse: orders.noResponse ?? 0,
    droppedIterations: orders.droppedIterations ?? 0,
    httpMs: { p50: at('p50'), p95: at('p95'), p99: at('p99'), max: at('max'), avg: at('avg') },
    thresholdsOk: loadtest.thresholdsOk === true,
  };
}

/**
 * Runs k6 under a shell that, once k6 exited, copies its own /proc/<pid>/stat to `statPath`: the
 * shell waited for k6, so its cutime/cstime are k6's whole CPU, which no sampling could catch
 * exactly once k6 is gone. k6's output goes to `logPath`.
 */
export async function runK6(options: {
  k6: string;
  load: K6Load;
  orderUrl: string;
  inventoryUrl: string;
  summaryPath: string;
  statPath: string;
  logPath: string;
}): Promise<K6Run> {
  const { load } = options;
  const env: Record<string, string> = {
    MODE: load.mode,
    DURATION: load.duration,
    LINES: String(load.lines),
    PRODUCTS: String(load.products),
    CUSTOMER_PREFIX: load.customerPrefix,
    SEED_STOCK: '0',
    ORDER_URL: options.orderUrl,
    AUTH_TOKEN: await localToken(),
    INVENTORY_URL: options.inventoryUrl,
    SUMMARY_PATH: options.summaryPath,
    RUN_ID: load.customerPrefix,
    K6_STAT_FILE: options.statPath,
    ...(load.rate ? { RATE: String(load.rate) } : {}),
    ...(load.vus ? { VUS: String(load.vus) } : {}),
  };
  const log = createWriteStream(options.logPath, { flags: 'a' });
  const script = '"$@"; rc=$?; cat /proc/$$/stat > "$K6_STAT_FILE"; exit $rc';
  const child = spawn(
    'sh',
    ['-c', script, 'k6-wrapper', options.k6, 'run', '--quiet', '--no-usage-report', repoPath('loadtest/orders.js')],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  await new Promise<void>((resolve) => log.end(resolve));
  // 0: every threshold held; 99: some crossed, a finding. Anything else: k6 itself failed.
  if (exitCode !== 0 && exitCode !== 99) {
    throw new Error(`k6 exited with ${exitCode}; its output is in ${options.logPath}`);
  }
  const stat = parseProcStat(readFileSync(options.statPath, 'utf8'));
  return {
    exitCode,
    cpuTicks: stat.utime + stat.stime + stat.cutime + stat.cstime,
    figures: k6Figures(JSON.parse(readFileSync(options.summaryPath, 'utf8'))),
  };
}
