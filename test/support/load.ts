// A workload of careful clients for the reliability tests: mixed orders (multi-line, overlapping
// products, declines, more than is in stock, cancels), each POST retried on a network error, a
// 5xx or a 409 "in progress" with the same Idempotency-Key; some retried once more after success
// (the first response must come back); some abandoned mid-request (a client timeout: the order
// may exist although its client never learned the id — the checker finds it by customer).
import { setTimeout as sleep } from 'node:timers/promises';
import { authHeader } from '../../local/src/auth.js';
import { baseUrl } from './stack.js';

export interface LoadOptions {
  /** Distinguishes this run's keys and customers from every other run's. */
  run: string;
  orders: number;
  concurrency: number;
  products: string[];
  customers: number;
  /** How long one logical order may keep retrying before the client gives up. */
  retryForMs?: number;
  /**
   * Keeps placing orders past `orders` until `done()` holds, up to `maxOrders` in all: a fault
   * armed at a rate is random, and a run proves something only once it fired.
   */
  extend?: { done: () => boolean; maxOrders: number };
}

export interface LoadResult {
  /** orderId by Idempotency-Key, for orders whose client got a 201. */
  accepted: Map<string, string>;
  /** Keys whose client gave up without an answer (the order may or may not exist). */
  abandoned: string[];
  /** Keys per customer: at most this many orders may exist for that customer. */
  keysByCustomer: Map<string, number>;
  /** A retry after success answered a different order (must never happen). */
  replayMismatches: string[];
  customers: string[];
  /** Cancels requested (DELETE answered 200). */
  cancelled: number;
  /** POST attempts that failed (network error, 5xx, 409 in progress) and were retried. */
  failedAttempts: number;
}

interface Attempt {
  key: string;
  customerId: string;
  body: Record<string, unknown>;
}

function order(options: LoadOptions, i: number): Attempt {
  const customerId = `${options.run}-c${i % options.customers}`;
  const lines = 1 + (i % 3);
  const items = Array.from({ length: lines }, (_, line) => ({
    productId: options.products[(i + line * 2) % options.products.length] as string,
    quantity: 1 + ((i + line) % 2),
    price: `${3 + (i % 5)}.25`,
  }));
  return {
    key: `${options.run}-o${i}`,
    customerId,
    body: { customerId, items, currency: 'EUR', ...(i % 9 === 4 ? { paymentMethod: 'card_declined' } : {}) },
  };
}

async function post(attempt: Attempt, timeoutMs: number): Promise<{ status: number; text: string; orderId?: string }> {
  const res = await fetch(`${baseUrl('order')}/api/orders`, {
    method: 'POST',
    // As the customer itself: its token's subject is the order's customer.
    headers: {
      ...(await authHeader(['customer'], attempt.customerId)),
      'content-type': 'application/json',
      'idempotency-key': attempt.key,
    },
    body: JSON.stringify(attempt.body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const orderId = res.status === 201 ? (JSON.parse(text) as { orderId: string }).orderId : undefined;
  return { status: res.status, text, ...(orderId ? { orderId } : {}) };
}

/** POSTs until a 201 (or 4xx other than 409) or the deadline; undefined when it gave up. */
async function placeWithRetries(attempt: Attempt, retryForMs: number, result: LoadResult): Promise<string | undefined> {
  const deadline = Date.now() + retryForMs;
  for (let n = 1; Date.now() < deadline; n++) {
    try {
      const res = await post(attempt, 10_000);
      if (res.orderId) return res.orderId;
      if (res.status < 500 && res.status !== 409)
        throw new Error(`order ${attempt.key} refused: ${res.status} ${res.text.slice(0, 300)}`);
    } catch (error) {
      if ((error as Error).message.includes('refused:')) throw error;
      // network error or timeout: the service is restarting
    }
    result.failedAttempts++;
    await sleep(Math.min(2_000, 100 * n));
  }
  return undefined;
}

async function cancel(orderId: string): Promise<boolean> {
  for (let n = 1; n <= 20; n++) {
    try {
      const res = await fetch(`${baseUrl('order')}/api/orders/${orderId}`, {
        method: 'DELETE',
        headers: await authHeader(['support']),
      });
      if (res.status === 200) return true;
      if (res.status === 409) return false;
    } catch {
      // restarting
    }
    await sleep(200 * n);
  }
  return false;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    accepted: new Map(),
    abandoned: [],
    keysByCustomer: new Map(),
    replayMismatches: [],
    customers: Array.from({ length: options.customers }, (_, c) => `${options.run}-c${c}`),
    cancelled: 0,
    failedAttempts: 0,
  };
  let next = 0;
  const wanted = (i: number) =>
    i < options.orders || (options.extend !== undefined && i < options.extend.maxOrders && !options.extend.done());
  const worker = async () => {
    for (let i = next++; wanted(i); i = next++) {
      const attempt = order(options, i);
      result.keysByCustomer.set(attempt.customerId, (result.keysByCustomer.get(attempt.customerId) ?? 0) + 1);
      if (i % 13 === 6) {
        // The client gives up before the answer: the order may have been created.
        await post(attempt, 3).catch(() => undefined);
        result.abandoned.push(attempt.key);
        continue;
      }
      const orderId = await placeWithRetries(attempt, options.retryForMs ?? 90_000, result);
      if (!orderId) {
        result.abandoned.push(attempt.key);
        continue;
      }
      result.accepted.set(attempt.key, orderId);
      if (i % 5 === 0) {
        const again = await placeWithRetries(attempt, options.retryForMs ?? 90_000, result);
        if (again !== orderId) result.replayMismatches.push(`${attempt.key}: ${orderId} then ${again}`);
      }
      if (i % 7 === 3 && (await cancel(orderId))) result.cancelled++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}
