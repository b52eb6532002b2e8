// Micro-benchmark of the kit's named prepared statements (services/kit/src/db/postgres.ts): the
// same statements as the order service runs per saga step (find by id, the saga's conditional
// UPDATE over its transition table, the inbox claim, an UPDATE … RETURNING), on one connection,
// with names on and off, alternating. Reports statements/s and CPU per statement of this process
// and of the PostgreSQL backend serving the connection (from /proc, so PostgreSQL must run on this
// machine). Writes bench-results/prepared-statements.json.
//
//   npx tsx --conditions=source local/scripts/bench-prepared.ts [statements per run]
//
// Needs DATABASE_URL (e.g. from local/postgres/postgres.sh url). Run it under flock /tmp/ecom-heavy.lock.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { claimEvents, createLogger, migrate, openDb, type SessionDb } from '@ecom/kit';
import { tableColumns, transitionTable } from '../../services/order/src/domain/saga-table.js';
import { applyTransition, findOrder, insertOrder, saveState } from '../../services/order/src/store.js';
import { pidCpuMs } from '../src/bench/cpu.js';

function backendCpuMs(pid: number): number {
  const ms = pidCpuMs(pid);
  if (ms === undefined) throw new Error(`no /proc/${pid}: PostgreSQL must run on this machine`);
  return ms;
}

interface Run {
  named: boolean;
  statements: number;
  seconds: number;
  statementsPerSecond: number;
  clientCpuUsPerStatement: number;
  serverCpuUsPerStatement: number;
}

async function run(url: string, schema: string, named: boolean, statements: number, orders: string[]): Promise<Run> {
  const logger = createLogger('bench-prepared', 'warn');
  const db: SessionDb = await openDb({ url, schema, poolSize: 1, namedStatements: named }, logger);
  try {
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = Number(rows[0]?.pid);
    const paid = tableColumns(transitionTable({ kind: 'payment', status: 'COMPLETED' }));
    const undo = {
      status: 'CREATED',
      paymentStatus: 'PENDING',
      reservationStatus: 'PENDING',
      cancellationReason: null,
    } as const;
    // Warm up: the first runs of each statement prepare it (and PostgreSQL fills its caches).
    const step = async (i: number) => {
      // Each order in turn through the four steps: found, paid (the table's UPDATE), its event claimed, reset.
      const orderId = orders[Math.floor(i / 4) % orders.length] as string;
      switch (i % 4) {
        case 0:
          await findOrder(db, orderId);
          return;
        case 1:
          await applyTransition(db, orderId, paid);
          return;
        case 2:
          await claimEvents(db, [{ id: randomUUID(), topic: 'bench' }]);
          return;
        default:
          await saveState(db, orderId, undo, []);
      }
    };
    for (let i = 0; i < 400; i++) await step(i);
    const cpu0 = process.cpuUsage();
    const server0 = backendCpuMs(pid);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < statements; i++) await step(i);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const server = backendCpuMs(pid) - server0;
    return {
      named,
      statements,
      seconds: Number(seconds.toFixed(2)),
      statementsPerSecond: Math.round(statements / seconds),
      clientCpuUsPerStatement: Number(((cpu.user + cpu.system) / statements).toFixed(1)),
      serverCpuUsPerStatement: Number(((server * 1000) / statements).toFixed(1)),
    };
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const statements = Number(process.argv[2] ?? 20_000);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL');
  const schema = `bench_prepared_${randomUUID().slice(0, 8)}`;
  const setup = await openDb({ url, schema, poolSize: 2 }, createLogger('bench-prepared', 'warn'));
  const runs: Run[] = [];
  try {
    const dir = (path: string) => fileURLToPath(new URL(path, import.meta.url));
    await migrate(setup, {
      schema,
      sources: [
        { name: 'kit', dir: dir('../../services/kit/migrations/') },
        { name: 'order', dir: dir('../../services/order/migrations/') },
      ],
    });
    const orders = Array.from({ length: 1000 }, () => randomUUID());
    for (const orderId of orders) {
      await insertOrder(setup, {
        orderId,
        customerId: 'bench',
        items: [
          { productId: 'p-1', quantity: 1, price: '2.50' },
          { productId: 'p-2', quantity: 2, price: '1.25' },
        ],
        totalAmount: '5.00',
        currency: 'EUR',
        paymentMethod: 'card',
      });
    }
    for (const named of [false, true, false, true, false, true]) {
      const result = await run(url, schema, named, statements, orders);
      runs.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    await setup.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await setup.close();
  }
  const mean = (named: boolean, key: keyof Run) => {
    const of = runs.filter((r) => r.named === named).map((r) => Number(r[key]));
    return Number((of.reduce((a, b) => a + b, 0) / of.length).toFixed(1));
  };
  const summary = Object.fromEntries(
    (['statementsPerSecond', 'clientCpuUsPerStatement', 'serverCpuUsPerStatement'] as const).map((key) => [
      key,
      { unnamed: mean(false, key), named: mean(true, key) },
    ]),
  );
  const report = { at: new Date().toISOString(), statementsPerRun: statements, runs, summary };
  await mkdir(new URL('../../bench-results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('../../bench-results/prepared-statements.json', import.meta.url),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  console.log(JSON.stringify(summary, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
