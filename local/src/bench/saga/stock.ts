// Stocks the products loadtest/orders.js orders, through the inventory API, before any window
// opens (k6's own setup() would stock inside it).
import { authHeader } from '../../auth.js';
import { serviceUrl } from './stack.js';

/** loadtest/orders.js's productId(): the two must name the same products. */
export const productId = (i: number) => `loadtest-sku-${String(i).padStart(4, '0')}`;

/** Most units one order line asks for (orders.js's MAX_QUANTITY). */
const MAX_QUANTITY = 3;

/**
 * Units per product so that no order is cancelled for lack of stock: every order at the most
 * units per line, spread over the products, doubled for the uneven random spread, plus a margin
 * (the rule orders.js's setup() uses).
 */
export function unitsPerProduct(expectedOrders: number, lines: number, products: number): number {
  return Math.ceil((expectedOrders * lines * MAX_QUANTITY * 2) / products) + 1000;
}

export async function stockProducts(products: number, units: number): Promise<void> {
  const body = JSON.stringify({ quantity: units, operation: 'ADD', reason: 'RESTOCK' });
  for (let first = 0; first < products; first += 10) {
    const batch = Array.from({ length: Math.min(10, products - first) }, (_, k) => productId(first + k));
    await Promise.all(
      batch.map(async (id) => {
        const res = await fetch(`${serviceUrl('inventory')}/api/inventory/${id}`, {
          method: 'PUT',
          headers: { ...(await authHeader()), 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        if (res.status !== 200 && res.status !== 201) {
          throw new Error(`stocking ${id} failed: HTTP ${res.status} ${await res.text()}`);
        }
      }),
    );
  }
}
