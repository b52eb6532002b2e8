// The options of `npm run bench:saga`, parsed and checked once (pure: unit-tested). A bad value is
// refused with a message that names the option and the form it takes.
import { parseArgs } from 'node:util';

export const usage = `Usage: npm run bench:saga [-- OPTIONS]

Measures what an order costs: drives orders through the whole saga with k6 and reports CPU-ms
per SHIPPED order (machine-wide with k6's own CPU subtracted, and per process: each service,
Kafka, PostgreSQL), orders/s accepted and completed, HTTP and saga latency percentiles, RSS,
PostgreSQL deadlocks and dead letters. Phases, each measured from the first order until every
accepted order is SHIPPED and the consumer groups have caught up:
  idle      the stack with no load (CPU-ms per second)
  fixed     --rate orders/s for --duration (k6 constant arrival rate)
  closed    --closed-vus clients ordering as fast as they are answered for --duration
  curve     the fixed phase at each rate of --curve for --curve-duration
  raw       the broker's perf tools and the kit's raw producer/consumer rates (npm run bench's)
Results: bench-results/saga-latest.json (and saga-<time>.json), bench-results/saga-curve.svg;
k6's summaries and output and the services' logs in bench-results/saga-<time>/. Nothing is
asserted.

Options:
  --rate N             orders/s of the fixed phase; 0 skips it                   (250)
  --duration D         k6 duration of the fixed and closed phases: 30s, 1m, 1m30s (30s)
  --closed-vus N       clients of the closed-loop phase; 0 skips it              (32)
  --curve LIST         offered rates of the cost curve, or none                  (100,250,500,1000,2000)
  --curve-duration D   k6 duration of each curve point                          (20s)
  --lines N            order lines per order, each a different product           (2)
  --products N         products stocked and ordered                              (50)
  --settle-max S       seconds to wait at most, after k6 ends, for every accepted
                       order to be SHIPPED; the rest are reported as not shipped (120)
  --idle D             length of the idle measurement; 0 skips it               (10s)
  --warmup D           unmeasured orders at 50/s first (JIT, pools); 0 skips it (5s)
  --skip-raw           skip the broker perf tools and the kit's raw rates
  --raw-records N      records of each raw measurement                           (50000)
  --use-running        measure the stack already running (npm start) instead of
                       starting one; its processes are found by their ports
  --check              only check the options (local/bench-saga.sh does, before starting anything)
  -h, --help           this text

Environment: KAFKA_BROKERS and DATABASE_URL (set by local/bench-saga.sh), K6 (the k6 binary).
The stack's ports are the services' defaults, 3001-3006.`;

export interface SagaBenchOptions {
  rate: number;
  durationSeconds: number;
  duration: string;
  closedVus: number;
  curve: number[];
  curveDuration: string;
  curveDurationSeconds: number;
  lines: number;
  products: number;
  settleMaxSeconds: number;
  idleSeconds: number;
  warmup: string;
  warmupSeconds: number;
  skipRaw: boolean;
  rawRecords: number;
  useRunning: boolean;
  check: boolean;
}

export type Parsed = { help: true } | { help: false; options: SagaBenchOptions } | { error: string };

/** k6 duration strings ("20s", "1m30s", "500ms", "1h") in seconds; null when it is not one. */
export function durationSeconds(text: string): number | null {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
    consumed += m[0].length;
  }
  return consumed === text.length && total > 0 ? total : null;
}

export function parseOptions(argv: string[]): Parsed {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rate: { type: 'string', default: '250' },
        duration: { type: 'string', default: '30s' },
        'closed-vus': { type: 'string', default: '32' },
        curve: { type: 'string', default: '100,250,500,1000,2000' },
        'curve-duration': { type: 'string', default: '20s' },
        lines: { type: 'string', default: '2' },
        products: { type: 'string', default: '50' },
        'settle-max': { type: 'string', default: '120' },
        idle: { type: 'string', default: '10s' },
        warmup: { type: 'string', default: '5s' },
        'skip-raw': { type: 'boolean', default: false },
        'raw-records': { type: 'string', default: '50000' },
        'use-running': { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    return { error: `${(err as Error).message} (see --help)` };
  }
  if (values.help) return { help: true };
  const text = (name: string) => String(values[name]);
  const errors: string[] = [];
  const int = (name: string, min: number): number => {
    const raw = text(name);
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min) errors.push(`--${name} must be a whole number ≥ ${min}, got '${raw}'`);
    return n;
  };
  const duration = (name: string, allowZero: boolean): number => {
    const raw = text(name);
    if (allowZero && raw === '0') return 0;
    const s = durationSeconds(raw);
    if (s === null)
      errors.push(`--${name} must be a k6 duration like 20s, 1m or 1m30s${allowZero ? ', or 0' : ''}, got '${raw}'`);
    return s ?? 0;
  };
  const curveText = text('curve');
  const curve =
    curveText === 'none'
      ? []
      : curveText.split(',').map((part) => {
          const n = Number(part.trim());
          if (!/^\d+$/.test(part.trim()) || n < 1)
            errors.push(`--curve takes rates ≥ 1 separated by commas (100,250,500), or none; got '${part}'`);
          return n;
        });
  const options: SagaBenchOptions = {
    rate: int('rate', 0),
    duration: text('duration'),
    durationSeconds: duration('duration', false),
    closedVus: int('closed-vus', 0),
    curve: [...new Set(curve)].sort((a, b) => a - b),
    curveDuration: text('curve-duration'),
    curveDurationSeconds: duration('curve-duration', false),
    lines: int('lines', 1),
    products: int('products', 1),
    settleMaxSeconds: int('settle-max', 1),
    idleSeconds: duration('idle', true),
    warmup: text('warmup'),
    warmupSeconds: duration('warmup', true),
    skipRaw: values['skip-raw'] === true,
    rawRecords: int('raw-records', 1),
    useRunning: values['use-running'] === true,
    check: values.check === true,
  };
  if (errors.length === 0 && options.lines > options.products) {
    errors.push(
      `--lines (${options.lines}) must not exceed --products (${options.products}): each line is another product`,
    );
  }
  if (errors.length === 0 && options.rate === 0 && options.closedVus === 0 && options.curve.length === 0) {
    errors.push('nothing to measure: --rate 0, --closed-vus 0 and --curve none together leave no phase with orders');
  }
  return errors.length > 0 ? { error: errors.join('\n') } : { help: false, options };
}
