// Counts the PostgreSQL statements and transactions each service runs for one good order: the six
// services in this process on the local Kafka and PostgreSQL, every pg client's query() wrapped
// in a counter keyed by the connection's application_name (ecom-<schema>). One order at a time,
// each followed by a quiet period, so every batch holds one record (the per-order cost before any
// batching). Prints one JSON object: per service, statements and transactions per order (median
// over the orders), the statements by their first words, and what the idle background ran.
//
//   npx tsx --conditions=source local/scripts/count-statements.ts [orders]
//
// Needs KAFKA_BROKERS and DATABASE_URL (the integration setup's, e.g. from local/*/…sh). It joins
// the services' consumer groups: run it under flock /tmp/ecom-heavy.lock, never beside a stack.
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningService, startService } from '@ecom/kit';
import pg from 'pg';
import { SERVICES } from './services.js';

type Counts = Map<string, number>;
const counts = new Map<string, Counts>();
const PROBE = 'count-statements-probe';

/** The statement's kind: its first words with literals and lists cut, e.g. "INSERT INTO inbox". */
function kindOf(text: string): string {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const verb = (words[0] ?? '').toUpperCase();
  if (verb === 'INSERT' || verb === 'DELETE') return words.slice(0, 3).join(' ');
  if (verb === 'UPDATE') return words.slice(0, 2).join(' ');
  if (verb === 'WITH') return `WITH ${words[1] ?? ''}`;
  if (verb === 'SELECT') {
    const from = words.findIndex((w) => w.toUpperCase() === 'FROM');
    const locks = /FOR UPDATE/i.test(text) ? ' FOR UPDATE' : '';
    return from > 0 ? `SELECT … FROM ${words[from + 1]}${locks}` : words.slice(0, 2).join(' ').slice(0, 60);
  }
  return verb;
}

const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  const app = (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters
    .application_name;
  const first = args[0];
  const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
  if (app && app !== PROBE) {
    const byKind = counts.get(app) ?? new Map();
    const kind = kindOf(text);
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    counts.set(app, byKind);
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

function snapshot(): Map<string, Counts> {
  return new Map([...counts].map(([app, byKind]) => [app, new Map(byKind)]));
}

function diff(after: Map<string, Counts>, before: Map<string, Counts>): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const [app, byKind] of after) {
    const d = new Map<string, number>();
    for (const [kind, n] of byKind) {
      const delta = n - (before.get(app)?.get(kind) ?? 0);
      if (delta !== 0) d.set(kind, delta);
    }
    out.set(app, d);
  }
  return out;
}

function total(byKind: Counts | undefined): number {
  return [...(byKind ?? new Map()).values()].reduce((a, b) => a + b, 0);
}

/** Waits until no service ran a statement for `quietMs`. */
async function quiesce(quietMs: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const now = [...counts.values()].reduce((sum, c) => sum + total(c), 0);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
    await sleep(100);
  }
  throw new Error('the services never went quiet');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const orders = Number(process.argv[2] ?? 5);
  const url = process.env.DATABASE_URL;
  if (!url || !process.env.KAFKA_BROKERS) throw new Error('set DATABASE_URL and KAFKA_BROKERS');
  // Periodic work far apart, so the window holds what the order caused (the kicks still run).
  const env = {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    OUTBOX_SWEEP_MS: '600000',
    RETENTION_PURGE_INTERVAL_MS: '600000',
    ORDER_SAGA_SCAN_MS: '600000',
  };
  const running: RunningService[] = [];
  for (const d of SERVICES) running.push((await startService(d as never, env)) as RunningService);
  const started = (name: string) => running[SERVICES.findIndex((d) => d.name === name)] as RunningService;
  const order = started('order');
  const inventory = started('inventory');
  const probe = new pg.Pool({ connectionString: url, application_name: PROBE, max: 1 });
  try {
    // Groups joined and whatever was left on the topics consumed before counting starts.
    for (const s of running) {
      for (let i = 0; (await s.app.inject('/readyz')).statusCode !== 200; i++) {
        if (i > 600) throw new Error(`${s.deps.service} never became ready`);
        await sleep(100);
      }
    }
    await quiesce(3000, 180_000);
    // Two-line orders, as the load: two products.
    const products = [`count-${Date.now()}-a`, `count-${Date.now()}-b`];
    for (const product of products) {
      const put = await inventory.app.inject({
        method: 'PUT',
        url: `/api/inventory/${product}`,
        payload: { quantity: 1000, operation: 'ADD', reason: 'RESTOCK' },
      });
      if (put.statusCode !== 201) throw new Error(`stocking failed: ${put.body}`);
    }
    await quiesce(2000);

    const idleBefore = snapshot();
    await sleep(5000);
    const idle = diff(snapshot(), idleBefore);

    const perOrder: Map<string, Counts>[] = [];
    for (let i = 0; i < orders; i++) {
      const before = snapshot();
      const res = await order.app.inject({
        method: 'POST',
        url: '/api/orders',
        payload: {
          customerId: `count-${i}`,
          items: products.map((productId, n) => ({ productId, quantity: n + 1, price: '2.50' })),
          currency: 'EUR',
          paymentMethod: 'card',
        },
      });
      if (res.statusCode !== 201) throw new Error(`order refused: ${res.body}`);
      const { orderId } = res.json() as { orderId: string };
      for (let n = 0; ; n++) {
        const { rows } = await probe.query('SELECT status FROM orders.orders WHERE order_id = $1', [orderId]);
        if (rows[0]?.status === 'SHIPPED') break;
        if (n > 600) throw new Error(`order ${orderId} is ${rows[0]?.status}, not SHIPPED`);
        await sleep(50);
      }
      await quiesce(2000);
      perOrder.push(diff(snapshot(), before));
    }

    const apps = [...new Set(perOrder.flatMap((m) => [...m.keys()]))].sort();
    const report: Record<string, { statements: number; transactions: number; byKind: object; idle5s: object }> = {};
    for (const app of apps) {
      const statements = median(perOrder.map((m) => total(m.get(app))));
      const transactions = median(perOrder.map((m) => m.get(app)?.get('BEGIN') ?? 0));
      const kinds = [...new Set(perOrder.flatMap((m) => [...(m.get(app)?.keys() ?? [])]))].sort();
      report[app] = {
        statements,
        transactions,
        byKind: Object.fromEntries(kinds.map((k) => [k, median(perOrder.map((m) => m.get(app)?.get(k) ?? 0))])),
        idle5s: Object.fromEntries(idle.get(app) ?? []),
      };
    }
    const sum = (key: 'statements' | 'transactions') => Object.values(report).reduce((total, r) => total + r[key], 0);
    console.log(
      JSON.stringify(
        { orders, total: { statements: sum('statements'), transactions: sum('transactions') }, services: report },
        null,
        2,
      ),
    );
  } finally {
    await probe.end();
    for (const s of running.reverse()) await s.stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
