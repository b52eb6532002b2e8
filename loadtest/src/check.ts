// After a load test: waits (bounded) until every order the run placed settled, then checks them
// against the saga's invariants with the e2e tests' checker (test/support/saga-invariants.ts),
// and writes what it found plus each order's timestamps (for the plot).
//
//   node --import tsx --conditions=source loadtest/src/check.ts K6_SUMMARY.json RESULT.json PLOT.svg
//
// RESULT.json (report.mjs's) gains `invariants: { checked, violations, … }` and `fault`; PLOT.svg
// is loadtest/src/plot.ts's chart of the run. Env: ORDER_URL, PAYMENT_URL, INVENTORY_URL,
// NOTIFICATION_URL (default localhost:3001..3005), SETTLE_MAX (seconds, 120), FAULT_LOG (lines
// "<epoch ms> <what happened>" the fault scenario wrote; marked on the plot). Exit 0 whether or
// not it found violations (run.sh decides); non-zero when it could not read the platform.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { authHeader } from '../../local/src/auth.js';
import { findViolations, SETTLED } from '../../test/support/saga-invariants.js';
import { readSagaState, type ServiceUrl } from '../../test/support/saga-state.js';
import { plotSvg } from './plot.js';

interface Placed {
  customerPrefix: string;
  customers: number;
  products: string[];
  seededUnitsPerProduct: number | null;
}

interface TimedOrder {
  orderId: string;
  customerId: string;
  status: string;
  totalAmount: string;
  items: Array<{ productId: string; quantity: number }>;
  createdAt: string;
  confirmedAt?: string | null;
  cancelledAt?: string | null;
  shippedAt?: string | null;
}

const usage =
  'usage: node --import tsx --conditions=source loadtest/src/check.ts K6_SUMMARY.json RESULT.json PLOT.svg\n';
const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  process.stdout.write(usage);
  process.exit(0);
}
const [summaryPath, outPath, svgPath] = args;
if (!summaryPath || !outPath || !svgPath) {
  process.stderr.write(usage);
  process.exit(2);
}
const env = (name: string, fallback: string) => (process.env[name] || fallback).replace(/\/+$/, '');
const urls = {
  order: env('ORDER_URL', 'http://localhost:3001'),
  payment: env('PAYMENT_URL', 'http://localhost:3002'),
  inventory: env('INVENTORY_URL', 'http://localhost:3003'),
  notification: env('NOTIFICATION_URL', 'http://localhost:3005'),
};
const url: ServiceUrl = (s) => urls[s];
const settleMaxMs = Number(process.env.SETTLE_MAX ?? 120) * 1000;
const log = (line: string) => process.stderr.write(`[loadtest] ${line}\n`);

const k6 = JSON.parse(readFileSync(summaryPath, 'utf8')).loadtest as {
  placed: Placed;
  orders: { accepted: number; noResponse: number };
  config: { rate: number | null; durationSeconds: number; duration: string };
};
const { placed } = k6;
const customers = Array.from({ length: placed.customers }, (_, i) => `${placed.customerPrefix}${i + 1}`);
// Products are run-unique (run.sh's PRODUCT_PREFIX), so each started at zero plus the seeding.
const seeded = Object.fromEntries(placed.products.map((p) => [p, placed.seededUnitsPerProduct ?? 0]));
const scenario = {
  orderIds: [],
  customers,
  seeded,
  placed: { min: k6.orders.accepted, max: k6.orders.accepted + k6.orders.noResponse },
};

const started = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// 1. Cheap wait: only the customers' order lists, until every order the run made settled.
const q = encodeURIComponent;
const operator = await authHeader();
for (;;) {
  const lists = await Promise.all(
    customers.map((c) =>
      fetch(`${urls.order}/api/orders?customerId=${q(c)}&limit=500`, { headers: operator }).then(
        async (r) => ((await r.json()) as { items: TimedOrder[] }).items,
      ),
    ),
  );
  const all = lists.flat();
  const open = all.filter((o) => !SETTLED.includes(o.status)).length;
  if ((open === 0 && all.length >= scenario.placed.min) || Date.now() - started >= settleMaxMs) break;
  log(`waiting for the sagas: ${open} of ${all.length} orders not settled`);
  await sleep(2000);
}
// 2. The whole check. Refunds, releases and notifications may trail the last status change by a
//    moment: judge again a few times while something is wrong, then report what still is.
let last = await readSagaState<TimedOrder>(scenario, url);
let violations = findViolations(last.state);
for (let retry = 0; retry < 5 && violations.length > 0; retry++) {
  log(`${violations.length} violations; reading again in 3 s`);
  await sleep(3000);
  last = await readSagaState<TimedOrder>(scenario, url);
  violations = findViolations(last.state);
}
const byStatus: Record<string, number> = {};
for (const o of last.orders) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;

const faultLog = process.env.FAULT_LOG;
const marks =
  faultLog && existsSync(faultLog)
    ? readFileSync(faultLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => ({ at: Number(line.split(' ')[0]), label: line.slice(line.indexOf(' ') + 1) }))
    : [];
const t0 = Math.min(...last.orders.map((o) => Date.parse(o.createdAt)));

const result = JSON.parse(readFileSync(outPath, 'utf8'));
result.invariants = {
  checked: last.orders.length,
  violations,
  byStatus,
  customers: customers.length,
  products: placed.products.length,
  waitedSeconds: Math.round((Date.now() - started) / 1000),
};
result.fault = {
  scenario: process.env.SCENARIO || 'none',
  events: marks.map((m) => ({
    ...m,
    atIso: new Date(m.at).toISOString(),
    secondsIntoRun: Number.isFinite(t0) ? Math.round((m.at - t0) / 100) / 10 : null,
  })),
};
writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
const scenarioName = process.env.SCENARIO && process.env.SCENARIO !== 'none' ? `, fault: ${process.env.SCENARIO}` : '';
writeFileSync(
  svgPath,
  plotSvg({
    orders: last.orders.map((o) => ({
      createdAt: o.createdAt,
      confirmedAt: o.confirmedAt ?? null,
      cancelledAt: o.cancelledAt ?? null,
    })),
    rate: k6.config.rate,
    durationSeconds: k6.config.durationSeconds,
    title: `npm run loadtest: ${k6.config.rate ?? 'closed loop'} orders/s for ${k6.config.duration}${scenarioName}; ${last.orders.length} orders, ${violations.length} invariant violations`,
    marks,
  }),
);
log(
  violations.length === 0
    ? `invariants hold for all ${last.orders.length} orders (${JSON.stringify(byStatus)})`
    : `${violations.length} invariant violations in ${last.orders.length} orders, first: ${violations.slice(0, 5).join('; ')}`,
);
