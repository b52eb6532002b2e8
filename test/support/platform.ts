// What end-to-end tests do to the running platform: seed stock, place orders, wait until every
// consumer group has caught up, and read each service's view of an order.
import { randomUUID } from 'node:crypto';
import { type Db, openDb, openTopicAdmin } from '@ecom/kit';
import { eventually, readTopic, testDatabaseUrl, testKafka, testLogger } from '@ecom/kit/testing';
import { expect } from 'vitest';
import { CONSUMER_GROUPS, DATABASE_SCHEMAS } from './services.js';
import { api } from './stack.js';

export interface Order {
  orderId: string;
  customerId: string;
  status: string;
  totalAmount: string;
  currency: string;
  cancellationReason: string | null;
  paymentStatus: string;
  reservationStatus: string;
  refundedAmount: string;
  items: Array<{ productId: string; quantity: number; price: string }>;
  createdAt: string;
  cancelledAt: string | null;
}

export interface Payment {
  paymentId: string;
  orderId: string;
  status: 'COMPLETED' | 'FAILED';
  amount: string;
  refundedAmount: string;
}

export interface Stock {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
}

export { SETTLED } from './saga-invariants.js';

export function newId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function seedStock(productId: string, quantity: number): Promise<void> {
  const res = await api('inventory', 'PUT', `/api/inventory/${productId}`, {
    quantity,
    operation: 'ADD',
    reason: 'RESTOCK',
  });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

export async function placeOrder(
  customerId: string,
  items: Order['items'],
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Order> {
  const res = await api<Order>('order', 'POST', '/api/orders', { customerId, items, ...extra }, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function getOrder(orderId: string): Promise<Order> {
  const res = await api<Order>('order', 'GET', `/api/orders/${orderId}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The payload of the order's OrderCancelled as published on ecom.orders (waits for it). */
export async function cancellationOf(orderId: string): Promise<unknown> {
  const isIt = (r: { key: Buffer | null; headers: Record<string, string> }) =>
    r.key?.toString() === orderId && r.headers.ce_type === 'ecom.order.cancelled.v1';
  const record = (await readTopic('ecom.orders', (rs) => rs.some(isIt))).find(isIt);
  return JSON.parse(String(record?.value));
}

/** Waits until the order is in one of `statuses` and returns it. */
export function orderReaches(orderId: string, statuses: string[], timeoutMs = 30_000): Promise<Order> {
  return eventually(
    async () => {
      const order = await getOrder(orderId);
      return statuses.includes(order.status) ? order : undefined;
    },
    `order ${orderId} to reach ${statuses.join('|')}`,
    timeoutMs,
  );
}

export async function paymentsOf(orderId: string): Promise<Payment[]> {
  const res = await api<{ items: Payment[] }>('payment', 'GET', `/api/payments?orderId=${orderId}`);
  expect(res.status).toBe(200);
  return res.body.items;
}

export async function stockOf(productId: string): Promise<Stock> {
  const res = await api<Stock>('inventory', 'GET', `/api/inventory/${productId}`);
  expect(res.status).toBe(200);
  return res.body;
}

export async function notificationsOf(customerId: string): Promise<Array<Record<string, unknown>>> {
  const res = await api<{ items: Array<Record<string, unknown>> }>(
    'notification',
    'GET',
    `/api/notifications?customerId=${encodeURIComponent(customerId)}&limit=500`,
  );
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Rows waiting in any service's outbox or effects table (published or performed later). */
async function pendingWork(db: Db): Promise<number> {
  const parts = DATABASE_SCHEMAS.flatMap((schema) => [
    `(SELECT count(*) FROM ${schema}.outbox)`,
    `(SELECT count(*) FROM ${schema}.effects)`,
  ]);
  const { rows } = await db.query<{ n: string }>(`SELECT ${parts.join(' + ')} AS n`);
  return Number(rows[0]?.n);
}

/**
 * Waits until nothing is left to do anywhere, twice in a row: every consumer group committed
 * everything on its topics, and no outbox row or external effect is waiting in any service.
 */
export async function quiesce(timeoutMs = 60_000): Promise<void> {
  const admin = await openTopicAdmin(testKafka('e2e-quiesce'));
  const db = await openDb({ url: testDatabaseUrl(), schema: 'public', poolSize: 1 }, testLogger());
  try {
    let calm = 0;
    await eventually(
      async () => {
        if ((await pendingWork(db)) > 0) {
          calm = 0;
          return undefined;
        }
        for (const [group, topics] of Object.entries(CONSUMER_GROUPS)) {
          for (const topic of topics) {
            const lag = await admin.groupLag(group, topic);
            if ([...lag.values()].some((l) => l > 0)) {
              calm = 0;
              return undefined;
            }
          }
        }
        calm++;
        return calm >= 2 ? true : undefined;
      },
      'every consumer group to catch up',
      timeoutMs,
    );
  } finally {
    await admin.close();
    await db.close();
  }
}
