// `npm run bench:saga`: what an order costs. Starts (or, with --use-running, finds) the stack,
// stocks products, drives orders through the saga with k6 (fixed arrival rate, closed loop, a
// cost curve over offered rates), waits until every accepted order is SHIPPED, and writes CPU-ms
// per shipped order (machine-wide and per process), throughput, latency percentiles, memory,
// deadlocks and dead letters to bench-results/saga-latest.json, the curve to saga-curve.svg.
// local/bench-saga.sh starts Kafka and PostgreSQL first. Nothing here is asserted.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Tracked } from '../bench/saga/cpu.js';
import { parseOptions, type SagaBenchOptions, usage } from '../bench/saga/options.js';
import {
  type IdleFigures,
  measureIdle,
  type PhaseContext,
  type PhaseFigures,
  type PhaseSpec,
  runPhase,
} from '../bench/saga/phase.js';
import { StackProbe } from '../bench/saga/probe.js';
import { measureRaw, type RawFigures } from '../bench/saga/raw.js';
import { attachStack, type Stack, startStack } from '../bench/saga/stack.js';
import { stockProducts, unitsPerProduct } from '../bench/saga/stock.js';
import { type CurvePoint, curveSvg } from '../bench/saga/svg.js';
import { repoPath } from '../repo.js';

const parsed = parseOptions(process.argv.slice(2));
if ('error' in parsed) {
  console.error(`bench:saga: ${parsed.error}`);
  process.exit(2);
}
if (parsed.help) {
  console.log(usage);
  process.exit(0);
}
const options: SagaBenchOptions = parsed.options;
if (options.check) process.exit(0);

const step = (text: string) => console.log(`==> ${text}`);
const kafkaBrokers = process.env.KAFKA_BROKERS;
const databaseUrl = process.env.DATABASE_URL;
if (!kafkaBrokers || !databaseUrl) {
  console.error(
    'bench:saga: KAFKA_BROKERS and DATABASE_URL must be set (a PostgreSQL server: the embedded PGlite is not measured). Run it as `npm run bench:saga`, which starts both',
  );
  process.exit(2);
}

const k6 =
  process.env.K6 ||
  execFileSync('bash', [repoPath('local/tools/install.sh'), 'k6'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1) ||
  'k6';
const measuredAt = new Date();
const stamp = measuredAt.toISOString().replace(/[:.]/g, '-');
const runDir = repoPath('bench-results', `saga-${stamp}`);
mkdirSync(runDir, { recursive: true });

const git = (...args: string[]) => {
  try {
    return execFileSync('git', ['-C', repoPath(), ...args], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};
const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown CPU',
  memoryGB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
};
const result: {
  measuredAt: string;
  complete: boolean;
  machine: typeof machine;
  commit: string | null;
  dirty: boolean | null;
  options: SagaBenchOptions;
  stack: { started: boolean; processes: Tracked[]; notes: string[] };
  idle?: IdleFigures;
  phases: PhaseFigures[];
  curve: (CurvePoint & { phase: string })[];
  raw?: RawFigures;
  runDir: string;
} = {
  measuredAt: measuredAt.toISOString(),
  complete: false,
  machine,
  commit: git('rev-parse', 'HEAD'),
  dirty: (() => {
    const status = git('status', '--porcelain', '--untracked-files=no');
    return status === null ? null : status.length > 0;
  })(),
  options,
  stack: { started: !options.useRunning, processes: [], notes: [] },
  phases: [],
  curve: [],
  runDir,
};

/** Written after every phase, so a run that fails late keeps what it measured. */
function save(): void {
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(repoPath('bench-results', `saga-${stamp}.json`), json);
  writeFileSync(repoPath('bench-results', 'saga-latest.json'), json);
}

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? 'n/a' : v.toFixed(digits));
const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;

function printPhase(p: PhaseFigures): void {
  const procs = Object.entries(p.cpu.processes)
    .map(([name, c]) => `${name} ${fmt(c.perOrderMs, 2)}`)
    .join(', ');
  console.log(
    [
      `    orders: ${p.orders.accepted} accepted (${fmt(p.orders.acceptedPerSec)}/s${p.orders.droppedIterations > 0 ? `; k6 dropped ${p.orders.droppedIterations}, no VU free` : ''}${p.orders.rejected > 0 ? `; ${p.orders.rejected} refused or timed out` : ''}), ${p.orders.shipped} SHIPPED (${fmt(p.orders.completedPerSec)}/s), ${p.orders.cancelled} cancelled, ${p.orders.notShipped} not shipped; drain ${fmt(p.window.drainSeconds)} s`,
      `    CPU per shipped order: ${fmt(p.cpu.perOrderMs, 2)} ms machine-wide without k6 (k6 itself ${fmt(p.cpu.loadGeneratorMs / 1000, 1)} s), stack ${fmt(p.cpu.trackedPerOrderMs, 2)} ms: ${procs}`,
      `    HTTP p50 ${ms(p.httpMs.p50)} p95 ${ms(p.httpMs.p95)} p99 ${ms(p.httpMs.p99)}; created→CONFIRMED p50 ${ms(p.sagaMs.confirmed.p50)} p99 ${ms(p.sagaMs.confirmed.p99)}; created→SHIPPED p50 ${ms(p.sagaMs.shipped.p50)} p99 ${ms(p.sagaMs.shipped.p99)}`,
      `    PostgreSQL per shipped order: ${fmt(p.database.transactionsPerOrder)} transactions, ${fmt(p.database.statementsPerOrder)} statements, ${fmt(p.database.execMsPerOrder, 2)} ms executing (top: ${p.database.top
        .slice(0, 3)
        .map((t) => `${t.query.slice(0, 40)}… ${fmt(t.execMsPerOrder, 2)} ms`)
        .join('; ')})`,
      `    deadlocks ${p.deadlocks.serverLog ?? p.deadlocks.pgStatDatabase}, dead letters ${p.deadLetters}`,
      ...p.warnings.map((w) => `    warning: ${w}`),
    ].join('\n'),
  );
}

function curvePoint(p: PhaseFigures): CurvePoint & { phase: string } {
  return {
    phase: p.name,
    offeredRate: p.load.rate ?? 0,
    acceptedPerSec: p.orders.acceptedPerSec,
    cpuMsPerOrder: p.cpu.perOrderMs,
    stackCpuMsPerOrder: p.cpu.trackedPerOrderMs,
    httpP99Ms: p.httpMs.p99 ?? null,
    sagaConfirmedP99Ms: p.sagaMs.confirmed.p99,
    sagaShippedP99Ms: p.sagaMs.shipped.p99,
  };
}

let stack: Stack | undefined;
let probe: StackProbe | undefined;
let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await probe?.close();
  if (stack && !options.useRunning) step('stopping the services this run started');
  await stack?.stop();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    shutdown().finally(() => process.exit(130));
  });
}

try {
  if (options.useRunning) {
    step('using the running stack (ports 3001-3006)');
    stack = await attachStack({ kafkaBrokers, databaseUrl });
  } else {
    step(`starting the six services (logs: ${join(runDir, 'services.log')})`);
    stack = await startStack({ kafkaBrokers, databaseUrl, logPath: join(runDir, 'services.log') });
  }
  result.stack.processes = [...stack.tracked, ...(stack.supervisor ? [stack.supervisor] : [])];
  result.stack.notes = stack.notes;
  step(`measuring ${stack.tracked.map((t) => `${t.name} (pid ${t.pid})`).join(', ')}`);
  for (const note of stack.notes) console.log(`    note: ${note}`);
  probe = await StackProbe.open({ kafkaBrokers, databaseUrl, pgLogPath: process.env.BENCH_PG_LOG ?? null });

  const closedExpected = options.closedVus > 0 ? 1000 * options.durationSeconds : 0; // seed C's 1,000/s as a ceiling
  const expected =
    options.rate * options.durationSeconds +
    closedExpected +
    options.curve.reduce((n, r) => n + r * options.curveDurationSeconds, 0) +
    50 * options.warmupSeconds;
  const units = unitsPerProduct(expected, options.lines, options.products);
  step(`stocking ${options.products} products with +${units} units each (inventory API)`);
  await stockProducts(options.products, units);

  const ctx: PhaseContext = {
    k6,
    probe,
    tracked: stack.tracked,
    overhead: [{ name: 'harness', pid: process.pid, scope: 'self' }, ...(stack.supervisor ? [stack.supervisor] : [])],
    runDir,
    runId: measuredAt.getTime().toString(36),
    settleMaxSeconds: options.settleMaxSeconds,
    lines: options.lines,
    products: options.products,
    step,
  };

  if (options.warmupSeconds > 0) {
    step(`warm-up: 50 orders/s for ${options.warmup} (not reported)`);
    const warmup = { name: 'warmup', mode: 'rate', rate: 50, duration: options.warmup } as const;
    await runPhase({ ...ctx, step: () => {} }, { ...warmup, durationSeconds: options.warmupSeconds });
  }
  if (options.idleSeconds > 0) {
    step(`idle: ${options.idleSeconds} s with no orders`);
    result.idle = await measureIdle(ctx, options.idleSeconds);
    console.log(
      `    ${fmt(result.idle.machineMsPerSec)} CPU-ms/s machine-wide; ${Object.entries(result.idle.processesMsPerSec)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}`,
    );
    save();
  }

  const phases: PhaseSpec[] = [];
  if (options.rate > 0) {
    phases.push({
      name: 'fixed',
      mode: 'rate',
      rate: options.rate,
      duration: options.duration,
      durationSeconds: options.durationSeconds,
    });
  }
  if (options.closedVus > 0) {
    phases.push({
      name: 'closed',
      mode: 'closed',
      vus: options.closedVus,
      duration: options.duration,
      durationSeconds: options.durationSeconds,
    });
  }
  for (const rate of options.curve) {
    phases.push({
      name: `curve-${rate}`,
      mode: 'rate',
      rate,
      duration: options.curveDuration,
      durationSeconds: options.curveDurationSeconds,
    });
  }
  for (const spec of phases) {
    const figures = await runPhase(ctx, spec);
    result.phases.push(figures);
    if (spec.name.startsWith('curve-')) result.curve.push(curvePoint(figures));
    printPhase(figures);
    save();
  }

  if (result.curve.length > 0) {
    const svg = curveSvg({
      title: `Saga cost curve: ${machine.model}, ${machine.cpus} CPUs`,
      subtitle: `${measuredAt.toISOString().slice(0, 10)} · ${options.lines}-line orders · ${options.curveDuration} per rate · commit ${result.commit?.slice(0, 10) ?? '?'}${result.dirty ? ' (modified)' : ''}`,
      points: result.curve,
    });
    writeFileSync(repoPath('bench-results', 'saga-curve.svg'), svg);
    copyFileSync(repoPath('bench-results', 'saga-curve.svg'), join(runDir, 'curve.svg'));
    step('cost curve written to bench-results/saga-curve.svg');
  }

  if (!options.skipRaw) {
    result.raw = await measureRaw({ kafkaBrokers, databaseUrl, records: options.rawRecords, step });
    const r = result.raw;
    console.log(
      `    broker producer ${fmt(r.broker.producer.recordsPerSec, 0)} rec/s, consumer ${fmt(r.broker.consumer.recordsPerSec, 0)} rec/s; kit producer ${fmt(r.kitProducer.recordsPerSec, 0)} (${fmt(r.kitProducer.ratioOfBrokerProducer, 2)}), runner ${fmt(r.kitConsumerRunner.eventsPerSec, 0)} (${fmt(r.kitConsumerRunner.ratioOfBrokerConsumer, 2)})`,
    );
  }
  result.complete = true;
  save();
  step(`results: bench-results/saga-latest.json (and saga-${stamp}.json; k6 and service output in ${runDir})`);
} catch (err) {
  save();
  console.error(`bench:saga: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await shutdown();
}
// kafkajs and pg leave timers behind after close: the measurement is done.
process.exit();
