// Reads what the services report about a set of orders into a SagaState for findViolations(),
// through their HTTP APIs only, so the same reader serves the e2e stack, `npm start` and a cluster.
// No test framework: `npm run loadtest` runs it from loadtest/src/check.ts.
import { authHeader } from '../../local/src/auth.js';
import type { NotificationView, OrderView, PaymentView, SagaState, SinkView, StockView } from './saga-invariants.js';

export type ServiceUrl = (service: 'order' | 'payment' | 'inventory' | 'notification') => string;

export interface Scenario {
  orderIds: string[];
  /** Units seeded per product before the orders. */
  seeded: Record<string, number>;
  /**
   * Customers whose every order is checked, found by listing: an order whose response was lost
   * (client timeout) exists although no client knows its id, and must be as right as the others.
   */
  customers?: string[];
  /** Most orders a customer may have: one per Idempotency-Key its client used. */
  maxOrdersPerCustomer?: Map<string, number>;
  /** Orders the run made in all, at least and at most (see SagaState.placed). */
  placed?: { min: number; max: number };
  /** The webhook receiver of the notification service: what was really sent, per Idempotency-Key. */
  sink?: SinkView;
}

/** The list routes' page size limit: a full page means the list may be cut short. */
const LIST_LIMIT = 500;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: await authHeader(), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function listAll<T>(url: string): Promise<T[]> {
  const { items } = await getJson<{ items: T[] }>(`${url}&limit=${LIST_LIMIT}`);
  // Nothing pages these lists: a cut-short list would hide orders, so refuse to judge on it.
  if (items.length >= LIST_LIMIT)
    throw new Error(`GET ${url} returned a full page of ${LIST_LIMIT}: too many to check`);
  return items;
}

/** Runs `fn` over `items`, at most `width` at a time, keeping the order of results. */
async function mapLimited<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

export async function readSagaState<O extends OrderView = OrderView>(
  scenario: Scenario,
  url: ServiceUrl,
  concurrency = 16,
): Promise<{ state: SagaState; orders: O[] }> {
  const q = encodeURIComponent;
  const byId = new Map<string, O>();
  for (const o of await mapLimited(scenario.orderIds, concurrency, (id) =>
    getJson<O>(`${url('order')}/api/orders/${q(id)}`).catch((e: unknown) => {
      // A missing accepted order is a violation for findViolations to name, not a read error.
      if (String(e).includes('answered 404')) return undefined;
      throw e;
    }),
  )) {
    if (o) byId.set(o.orderId, o);
  }
  const customerOrders: SagaState['customerOrders'] = [];
  const customers = scenario.customers ?? [];
  const lists = await mapLimited(customers, concurrency, (c) =>
    listAll<O>(`${url('order')}/api/orders?customerId=${q(c)}`),
  );
  customers.forEach((customerId, i) => {
    const listed = lists[i] ?? [];
    const max = scenario.maxOrdersPerCustomer?.get(customerId);
    customerOrders.push({ customerId, listed: listed.length, ...(max !== undefined ? { max } : {}) });
    for (const order of listed) byId.set(order.orderId, order);
  });
  const orders = [...byId.values()];

  const paymentLists = await mapLimited(orders, concurrency, (o) =>
    getJson<{ items: PaymentView[] }>(`${url('payment')}/api/payments?orderId=${q(o.orderId)}`),
  );
  const payments = new Map(orders.map((o, i) => [o.orderId, paymentLists[i]?.items ?? []]));

  const products = Object.keys(scenario.seeded);
  const stocks = await mapLimited(products, concurrency, (p) =>
    getJson<StockView>(`${url('inventory')}/api/inventory/${q(p)}`),
  );
  const stock = new Map(
    products.map((p, i) => [p, { seeded: scenario.seeded[p] ?? 0, now: stocks[i] as StockView }] as const),
  );

  const ofCustomers = [...new Set(orders.map((o) => o.customerId))];
  const notificationLists = await mapLimited(ofCustomers, concurrency, (c) =>
    listAll<NotificationView>(`${url('notification')}/api/notifications?customerId=${q(c)}`),
  );
  const notifications = new Map(ofCustomers.map((c, i) => [c, notificationLists[i] ?? []]));

  const state: SagaState = {
    orders,
    acceptedIds: scenario.orderIds,
    customerOrders,
    payments,
    stock,
    notifications,
    ...(scenario.placed ? { placed: scenario.placed } : {}),
    ...(scenario.sink ? { sink: scenario.sink } : {}),
  };
  return { state, orders };
}
