// `npm run loadtest` as a user runs it, shortened: the real k6 script against the e2e stack, then
// the saga-invariant check of every order it placed, the results JSON, k6's HTML dashboard and
// the plot. Plus proof that the checker it relies on can fail.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { series } from '../../loadtest/src/plot.js';
import { findViolations, type SagaState } from '../support/saga-invariants.js';
import { Stack } from '../support/stack.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['loadtest/run.sh', ...args], {
      cwd: repoRoot,
      env: { ...process.env, LOADTEST_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('exit', (code) => done({ code, output }));
  });
}

// CI (`bash .ci/run` on a fresh clone) provisions Debian's Chromium (local/tools/install.sh chromium)
// and must run the browser check; elsewhere it runs when a Chromium is on PATH.
const inCi = Boolean(process.env.CI);
const chromium = inCi
  ? spawnSync('bash', ['local/tools/install.sh', 'chromium'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .stdout.trim()
      .split('\n')
      .pop() || undefined
  : ['chromium', 'chromium-browser'].find((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);

describe('npm run loadtest against the e2e stack', () => {
  const stack = new Stack();
  let result: { code: number | null; output: string };
  let report: {
    orders: { accepted: number; noResponse: number };
    invariants: { checked: number; violations: string[] };
    report: { dashboard: string | null; plot: string };
    k6Summary: string;
  };

  beforeAll(async () => {
    await stack.start();
    // 20 orders/s for 10 s on the test ports (3101-3106); k6 is built once and cached.
    result = await run(['--rate', '20', '--duration', '10s', '--products', '5', '--port-base', '3100']);
    const written = /wrote (loadtest\/results\/\S+\.json)/.exec(result.output)?.[1];
    if (written) report = JSON.parse(readFileSync(resolve(repoRoot, written), 'utf8'));
  }, 900_000);

  afterAll(async () => {
    await stack.stop();
  });

  it('checks every order it placed and finds the saga right', () => {
    expect(result.code, result.output).toBe(0);
    expect(report.orders.accepted).toBeGreaterThan(0);
    // Every acknowledged order was found and judged, none twice.
    expect(report.invariants.checked).toBeGreaterThanOrEqual(report.orders.accepted);
    expect(report.invariants.checked).toBeLessThanOrEqual(report.orders.accepted + report.orders.noResponse);
    expect(report.invariants.violations).toEqual([]);
  });

  it('writes the plot and the k6 dashboard beside the results', () => {
    const svg = readFileSync(resolve(repoRoot, report.report.plot), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('accepted');
    expect(svg).toContain('saga p99');
    expect(report.report.dashboard).not.toBeNull();
    expect(existsSync(resolve(repoRoot, report.report.dashboard ?? ''))).toBe(true);
  });

  it('reports what a doctored run claims but the platform does not show', () => {
    // The same run's k6 summary, claiming 3 orders more were acknowledged and 1 unit more seeded
    // per product than happened: the real reader and checker must name both.
    const summary = JSON.parse(readFileSync(resolve(repoRoot, report.k6Summary), 'utf8'));
    summary.loadtest.orders.accepted += 3;
    summary.loadtest.placed.seededUnitsPerProduct += 1;
    const dir = tmpdir();
    const doctored = resolve(dir, `loadtest-doctored-${process.pid}.json`);
    const out = resolve(dir, `loadtest-doctored-result-${process.pid}.json`);
    writeFileSync(doctored, JSON.stringify(summary));
    writeFileSync(out, '{}');
    const ports = { ORDER_URL: 3101, PAYMENT_URL: 3102, INVENTORY_URL: 3103, NOTIFICATION_URL: 3105 };
    const check = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', 'loadtest/src/check.ts', doctored, out, `${out}.svg`],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: {
          ...process.env,
          SETTLE_MAX: '2',
          ...Object.fromEntries(Object.entries(ports).map(([k, port]) => [k, `http://127.0.0.1:${port}`])),
        },
      },
    );
    expect(check.status, check.stderr).toBe(0);
    const { violations } = JSON.parse(readFileSync(out, 'utf8')).invariants as { violations: string[] };
    expect(violations.join('\n')).toMatch(/orders found, but \d+ were acknowledged \(orders lost\)/);
    expect(violations.join('\n')).toMatch(/: on hand \d+, expected \d+ - \d+/);
  }, 120_000);

  it.skipIf(!chromium && !inCi)('the dashboard loads in headless Chromium without errors and draws its charts', () => {
    expect(chromium, 'local/tools/install.sh chromium provided no Chromium (see its output above)').toBeDefined();
    const page = `file://${resolve(repoRoot, report.report.dashboard ?? '')}`;
    const browser = spawnSync(
      chromium ?? 'chromium',
      [
        '--headless',
        '--disable-gpu',
        '--no-sandbox',
        '--enable-logging=stderr',
        '--v=0',
        '--virtual-time-budget=15000',
        '--dump-dom',
        page,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(browser.status, browser.stderr).toBe(0);
    // Whatever the page printed to its console, errors and uncaught exceptions included: Chromium
    // logs every console line as ":CONSOLE" without its level, and the dashboard prints nothing.
    const jsErrors = browser.stderr.split('\n').filter((l) => l.includes(':CONSOLE'));
    expect(jsErrors).toEqual([]);
    // The charts are uPlot canvases, drawn only once the report's data was decoded.
    expect((browser.stdout.match(/<canvas/g) ?? []).length).toBeGreaterThan(3);
  });
});

describe('the invariant checker', () => {
  const order = (orderId: string, status: string, totalAmount = '10.00') => ({
    orderId,
    customerId: 'c1',
    status,
    totalAmount,
    items: [{ productId: 'p1', quantity: 2 }],
  });
  const right = (): SagaState => ({
    orders: [order('o1', 'SHIPPED'), order('o2', 'CANCELLED')],
    acceptedIds: ['o1', 'o2'],
    customerOrders: [{ customerId: 'c1', listed: 2, max: 2 }],
    placed: { min: 2, max: 2 },
    payments: new Map([
      ['o1', [{ status: 'COMPLETED', amount: '10.00', refundedAmount: '0.00' }]],
      ['o2', [{ status: 'COMPLETED', amount: '10.00', refundedAmount: '10.00' }]],
    ]),
    stock: new Map([['p1', { seeded: 5, now: { onHand: 3, reserved: 0, available: 3 } }]]),
    notifications: new Map([
      [
        'c1',
        [
          { notificationId: 'n1', sourceEventId: 'e1', status: 'SENT' },
          { notificationId: 'n2', sourceEventId: 'e2', status: 'SENT' },
        ],
      ],
    ]),
  });

  it('passes a right saga', () => {
    expect(findViolations(right())).toEqual([]);
  });

  it.each<[string, (s: SagaState) => void, RegExp]>([
    ['an order still in flight', (s) => (s.orders[0] = order('o1', 'PAID')), /order o1 is PAID, not settled/],
    [
      'a kept order charged twice',
      (s) => s.payments.get('o1')?.push({ status: 'COMPLETED', amount: '10.00', refundedAmount: '0.00' }),
      /order o1 has 2 payments/,
    ],
    [
      'a cancelled order not refunded',
      (s) => s.payments.set('o2', [{ status: 'COMPLETED', amount: '10.00', refundedAmount: '0.00' }]),
      /order o2 \(CANCELLED\): charged 1000 - refunded 0 cents != 0/,
    ],
    [
      'a shipped order never charged',
      (s) => s.payments.set('o1', [{ status: 'FAILED', amount: '10.00', refundedAmount: '0.00' }]),
      /order o1 \(SHIPPED\): charged 0 - refunded 0 cents != 1000/,
    ],
    [
      'stock sold twice',
      (s) => s.stock.set('p1', { seeded: 5, now: { onHand: 1, reserved: 0, available: 1 } }),
      /p1: on hand 1, expected 5 - 2/,
    ],
    [
      'stock left reserved',
      (s) => s.stock.set('p1', { seeded: 5, now: { onHand: 3, reserved: 2, available: 1 } }),
      /p1: 2 units still reserved/,
    ],
    [
      'negative stock',
      (s) => s.stock.set('p1', { seeded: 1, now: { onHand: -1, reserved: 0, available: -1 } }),
      /p1: negative stock/,
    ],
    [
      'a notification sent twice',
      (s) => s.notifications.get('c1')?.push({ notificationId: 'n3', sourceEventId: 'e1', status: 'SENT' }),
      /customer c1: notifications sent twice for e1/,
    ],
    ['an accepted order lost', (s) => s.acceptedIds.push('o3'), /accepted order o3 is missing/],
    [
      'fewer orders than acknowledged',
      (s) => (s.placed = { min: 3, max: 3 }),
      /2 orders found, but 3 were acknowledged/,
    ],
    ['a duplicated order', (s) => (s.placed = { min: 1, max: 1 }), /2 orders found, but at most 1 were placed/],
  ])('names %s', (_, breakIt, message) => {
    const state = right();
    breakIt(state);
    expect(findViolations(state).join('\n')).toMatch(message);
  });
});

describe('the load-test plot', () => {
  it('counts accepted and completed orders per second and the saga latency of each second', () => {
    const s = series([
      { createdAt: '2026-01-01T00:00:00.100Z', confirmedAt: '2026-01-01T00:00:00.300Z', cancelledAt: null },
      { createdAt: '2026-01-01T00:00:00.900Z', confirmedAt: '2026-01-01T00:00:01.900Z', cancelledAt: null },
      { createdAt: '2026-01-01T00:00:01.200Z', confirmedAt: null, cancelledAt: '2026-01-01T00:00:02.500Z' },
    ]);
    expect(s.seconds).toBe(3);
    expect(s.accepted).toEqual([2, 1, 0]);
    expect(s.completed).toEqual([1, 1, 1]);
    expect(s.p50).toEqual([200, null, null]);
    expect(s.p99).toEqual([1000, null, null]);
  });
});
